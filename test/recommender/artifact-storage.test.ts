/**
 * How artifact bytes are stored and loaded: read back in slices into one buffer, laid out so
 * the item model's typed arrays view that buffer instead of copying it.
 */
import { randomBytes } from 'node:crypto';
import { checksumOf, packArtifact, unpackArtifact } from '../../src/recommender/artifact';
import { deserialize, serialize } from '../../src/recommender/items/artifact';
import { trainItemModel } from '../../src/recommender/train/items/trainer';
import { readArtifact, writeArtifact } from '../../src/recommender/registry';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { plantedCommunities, trainingData } from './items/synthetic';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

async function newVersion(bytes: Uint8Array): Promise<number> {
  const version = await t.db.prisma.modelVersion.create({
    data: { kind: 'ITEMS', params: {}, dataSizes: {}, metrics: {}, backend: 'test', trainingMs: 0, artifact: Buffer.alloc(0), artifactBytes: bytes.length, checksum: checksumOf(bytes), dataWatermark: {} },
    omit: { artifact: true },
  });
  await writeArtifact(t.db, version.id, bytes);
  return version.id;
}

describe('artifact storage', () => {
  it('reads an artifact back byte for byte, in slices of any size', async () => {
    const bytes = new Uint8Array(randomBytes(1000));
    const id = await newVersion(bytes);
    for (const chunk of [64, 999, 1000, 4096]) {
      const row = (await readArtifact(t.db, id, chunk))!;
      expect(Buffer.from(row.artifact).equals(Buffer.from(bytes))).toBe(true);
      expect(row.checksum).toBe(checksumOf(bytes));
    }
    expect(await readArtifact(t.db, id + 1000)).toBeNull();
    const empty = await newVersion(new Uint8Array(0));
    expect((await readArtifact(t.db, empty))!.artifact.length).toBe(0);
  });

  it('loads the item model as views of the artifact bytes, holding the same arrays', async () => {
    const planted = plantedCommunities({ communities: 2, usersPerCommunity: 10 });
    const all = Int32Array.from(planted.pairs.users, (_, e) => e);
    const { model } = await trainItemModel(trainingData(planted, all), { ranker: { epochs: 1, rowsPerEpoch: 500 } });
    const users = Int32Array.from({ length: model.numUsers }, (_, u) => u + 1);
    // Id counts of either parity: the header padding keeps the model 8-byte aligned anyway.
    for (const items of [model.numItems, model.numItems + 1]) {
      const bytes = packArtifact({ kind: 'ITEMS', userIds: users, itemIds: Int32Array.from({ length: items }, (_, i) => i + 1), model: serialize(model) });
      const id = await newVersion(bytes);
      const row = (await readArtifact(t.db, id, 128))!;
      const artifact = unpackArtifact(row.artifact, row.checksum);
      expect(artifact.itemIds.length).toBe(items);
      const loaded = deserialize(artifact.model);
      expect(loaded.itemItem.values.buffer).toBe(row.artifact.buffer);
      expect(loaded.popularity.count).toEqual(model.popularity.count);
      expect(loaded.itemItem).toEqual(model.itemItem);
    }
  });
});
