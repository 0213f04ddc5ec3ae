/**
 * A model version's bytes: a small header, the database ids its dense indices stand for, and
 * the model's own serialisation. The sha256 of the whole is stored with the version and
 * checked on load, so a corrupt artifact is rejected instead of served. The header is padded
 * so that the model's bytes start 8-byte aligned: loading then views its typed arrays in place
 * instead of copying them (items/artifact.ts).
 */
import { createHash } from 'node:crypto';

const MAGIC = 0x53524d31; // "SRM1"

export type ModelKind = 'ITEMS' | 'FRIENDS';

export interface Artifact {
  kind: ModelKind;
  userIds: Int32Array;
  itemIds: Int32Array;
  model: Uint8Array;
}

export class CorruptArtifactError extends Error {}

export const checksumOf = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export function packArtifact(artifact: Artifact): Uint8Array {
  const json = JSON.stringify({ kind: artifact.kind, users: artifact.userIds.length, items: artifact.itemIds.length });
  // Trailing spaces are JSON whitespace: the ids are 4 bytes each, so 8 + header + ids ends 8-aligned.
  const ids = artifact.userIds.length + artifact.itemIds.length;
  const header = Buffer.from(json.padEnd(json.length + ((8 - ((json.length + 4 * ids) % 8)) % 8)));
  const size = 8 + header.length + 4 * (artifact.userIds.length + artifact.itemIds.length) + artifact.model.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC);
  view.setUint32(4, header.length);
  out.set(header, 8);
  let offset = 8 + header.length;
  for (const ids of [artifact.userIds, artifact.itemIds]) {
    for (let i = 0; i < ids.length; i++, offset += 4) view.setInt32(offset, ids[i], true);
  }
  out.set(artifact.model, offset);
  return out;
}

/** Throws CorruptArtifactError when the checksum or layout does not hold. `model` is a view of `bytes`, not a copy. */
export function unpackArtifact(bytes: Uint8Array, expectedChecksum: string): Artifact {
  if (checksumOf(bytes) !== expectedChecksum) throw new CorruptArtifactError('artifact checksum mismatch');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8 || view.getUint32(0) !== MAGIC) throw new CorruptArtifactError('not a model artifact');
  const headerLength = view.getUint32(4);
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + headerLength)).toString('utf8')) as {
    kind: ModelKind;
    users: number;
    items: number;
  };
  let offset = 8 + headerLength;
  const read = (count: number) => {
    const ids = new Int32Array(count);
    for (let i = 0; i < count; i++, offset += 4) ids[i] = view.getInt32(offset, true);
    return ids;
  };
  const userIds = read(header.users);
  const itemIds = read(header.items);
  if (offset > bytes.length) throw new CorruptArtifactError('artifact is truncated');
  return { kind: header.kind, userIds, itemIds, model: bytes.subarray(offset) };
}
