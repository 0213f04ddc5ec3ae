// Lint holds the architecture of src/recommender: the request path (serve/), the model
// definitions and pure inference both sides share (items/, friends/, the top-level shared
// modules) never import training (train/), the offline harness (eval/), the TensorFlow.js
// backend or model administration. Only that rule for now; style is left to review.
// `npm run lint` runs it, CI too.
const tseslint = require('typescript-eslint');

const TRAINING = [
  { group: ['**/train/**', '**/train'], message: 'Serving must not import training (src/recommender/train).' },
  { group: ['**/eval/**', '**/eval'], message: 'Serving must not import the offline harness (src/recommender/eval).' },
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
      'src/recommender/serve/**/*.ts',
      'src/recommender/items/**/*.ts',
      'src/recommender/friends/**/*.ts',
      // The shared top-level modules serve/ imports.
      'src/recommender/types.ts',
      'src/recommender/artifact.ts',
      'src/recommender/registry.ts',
      'src/recommender/snapshot.ts',
      'src/recommender/model-inputs.ts',
      'src/recommender/sparse.ts',
      'src/recommender/top-k.ts',
      'src/graphql/recommendations/**/*.ts',
    ],
    rules: { 'no-restricted-imports': ['error', { patterns: TRAINING }] },
  },
  {
    // The recommender constructs ModelAdmin (and forwards to it until the admin resolvers
    // take it from the context), so it may import that one module, not training.
    files: ['src/recommender/serve/service.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: TRAINING.slice(0, 3) }] },
  },
];
