/** Drains every stream of a reader, in the order an importer would, for assertions. */
import type { DatasetReader } from '../../src/datasets/types';

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

export async function readAll(reader: DatasetReader) {
  const users = (await collect(reader.users())).map((u) => u.externalId);
  const items = await collect(reader.items());
  const interactions = await collect(reader.interactions());
  const edges = await collect(reader.edges());
  const issues = [...reader.issues].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  return { users, items, interactions, edges, issues };
}

export const fixtureDir = (folder: string) => `${__dirname}/../fixtures/datasets/${folder}`;
