// Lint holds the architecture: request-facing recommender code never imports training code
// (trainers, the training pipeline and worker, the TensorFlow.js backend). Only that rule
// for now; style is left to review. `npm run lint` runs it, CI too.
const tseslint = require('typescript-eslint');

const TRAINING = [
  { group: ['**/train/*', '**/train'], message: 'Serving must not import training (src/recommender/train).' },
  { group: ['**/ranker-train', '**/items/ease', '**/items/tune', '**/items/dense'], message: 'Serving must not import a trainer.' },
  { group: ['**/tf-backend', '@tensorflow/*'], message: 'Serving must not load TensorFlow.js.' },
  { group: ['**/model-admin'], message: 'Model administration is not on the request path.' },
];

module.exports = [
  { ignores: ['node_modules/**', 'dist/**', 'src/generated/**', '.data/**', '.bench/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 2023, sourceType: 'module' },
  },
  {
    files: [
      'src/recommender/serving/**/*.ts',
      'src/recommender/user-state.ts',
      'src/recommender/fallbacks.ts',
      'src/recommender/fresh.ts',
      'src/recommender/types.ts',
      'src/graphql/recommendations/**/*.ts',
    ],
    rules: { 'no-restricted-imports': ['error', { patterns: TRAINING }] },
  },
  {
    // The recommender constructs ModelAdmin (and forwards to it until the admin resolvers
    // take it from the context), so it may import that one module, not training.
    files: ['src/recommender/service.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: TRAINING.slice(0, 3) }] },
  },
];
