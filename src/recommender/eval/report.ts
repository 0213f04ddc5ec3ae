/** One evaluation table: a row per model, printed by `npm run eval` and stored as JSON. */

export interface EvalRow {
  model: string;
  recall: Record<number, number>;
  ndcg: Record<number, number>;
  /** Item task only. */
  coverage?: Record<number, number>;
  trainMs: number;
  note?: string;
}

export interface EvalTable {
  dataset: string;
  task: 'items' | 'friends';
  split: string;
  seed: number;
  ks: number[];
  /** Sizes of the split: users, items, train and held-out counts. */
  sizes: Record<string, number>;
  rows: EvalRow[];
}

export function formatTable(table: EvalTable): string {
  const head = ['model'];
  for (const k of table.ks) head.push(`Recall@${k}`, `NDCG@${k}`);
  if (table.task === 'items') for (const k of table.ks) head.push(`Cov@${k}`);
  head.push('train s');
  const lines = [
    `${table.dataset} ${table.task} (${table.split} split, seed ${table.seed}) ${Object.entries(table.sizes)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
  ];
  for (const row of table.rows) {
    const cells = [row.model];
    for (const k of table.ks) cells.push(row.recall[k].toFixed(4), row.ndcg[k].toFixed(4));
    if (table.task === 'items') for (const k of table.ks) cells.push((row.coverage?.[k] ?? 0).toFixed(4));
    cells.push((row.trainMs / 1000).toFixed(1));
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}
