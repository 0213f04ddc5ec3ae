/** The lint rule that keeps training code out of serving fires on a serve file importing a train file. */
import { ESLint } from 'eslint';
import { projectRoot } from '../../src/paths';

const lint = async (filePath: string, code: string) => {
  const [result] = await new ESLint({ cwd: projectRoot() }).lintText(code, { filePath });
  return result.messages.map((m) => m.ruleId);
};

describe('serving never imports training', () => {
  it.each([
    ["import { runPipeline } from '../train/pipeline';"],
    ["import { fitEase } from '../items/ease';"],
    ["import { trainRanker } from '../friends/ranker-train';"],
    ["import { loadTf } from '../tf-backend';"],
  ])('rejects %s in src/recommender/serving', async (line) => {
    expect(await lint('src/recommender/serving/example.ts', `${line}\nexport const x = 1;\n`)).toContain('no-restricted-imports');
  });

  it('allows it outside serving, and allows serving to import the model it serves', async () => {
    expect(await lint('src/recommender/train/example.ts', "import { fitEase } from '../items/ease';\nexport const x = 1;\n")).toEqual([]);
    expect(await lint('src/recommender/serving/example.ts', "import { explainItems } from '../items/scoring';\nexport const x = 1;\n")).toEqual([]);
  });
});
