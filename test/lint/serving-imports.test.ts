/** The lint rule that keeps training code out of serving fires on a serve or model file importing a train or eval file. */
import { ESLint } from 'eslint';
import { projectRoot } from '../../src/paths';

const lint = async (filePath: string, code: string) => {
  const [result] = await new ESLint({ cwd: projectRoot() }).lintText(code, { filePath });
  return result.messages.map((m) => m.ruleId);
};

describe('serving never imports training', () => {
  it.each([
    ["import { runPipeline } from '../train/pipeline';"],
    ["import { fitEase } from '../train/items/ease';"],
    ["import { trainRanker } from '../train/friends/ranker-train';"],
    ["import { holdOut } from '../eval/split';"],
    ["import { loadTf } from '../tf-backend';"],
    ["import { ModelAdmin } from '../model-admin';"],
  ])('rejects %s in src/recommender/serve and the shared model code', async (line) => {
    for (const file of ['src/recommender/serve/example.ts', 'src/recommender/items/example.ts', 'src/recommender/friends/example.ts']) {
      expect(await lint(file, `${line}\nexport const x = 1;\n`)).toContain('no-restricted-imports');
    }
  });

  it('allows it outside serving, and allows serving to import the model it serves', async () => {
    expect(await lint('src/recommender/train/example.ts', "import { fitEase } from './items/ease';\nexport const x = 1;\n")).toEqual([]);
    expect(await lint('src/recommender/eval/example.ts', "import { trainItemModel } from '../train/items/trainer';\nexport const x = 1;\n")).toEqual([]);
    expect(await lint('src/recommender/serve/example.ts', "import { explainItems } from '../items/scoring';\nexport const x = 1;\n")).toEqual([]);
  });

  it('lets the recommender construct model administration, and nothing from training', async () => {
    expect(await lint('src/recommender/serve/service.ts', "import { ModelAdmin } from '../model-admin';\nexport const x = 1;\n")).toEqual([]);
    expect(await lint('src/recommender/serve/service.ts', "import { runPipeline } from '../train/pipeline';\nexport const x = 1;\n")).toContain('no-restricted-imports');
  });
});
