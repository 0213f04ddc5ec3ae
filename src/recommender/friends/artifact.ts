/**
 * Binary artifact of a FriendModel: magic "FRM2", a little-endian uint32 header length,
 * a UTF-8 JSON header (settings, shapes, validation, list sizes) padded to 4 bytes, then
 * every Float32Array of the ranker in header order, then the stored suggestion lists
 * (stored-lists.ts), if any. Floats are stored bit for bit, so a deserialised model scores
 * exactly like the original. "FRM1" artifacts (no lists) still load: every user is then
 * ranked live.
 */
import { FEATURE_NAMES } from './candidates';
import { FRIEND_MODEL_VERSION, FriendModel } from './model';
import { STORED_REASON_KINDS, type StoredFriendLists } from './stored-lists';

const MAGIC = 'FRM2';
const MAGIC_WITHOUT_LISTS = 'FRM1';

interface Header {
  version: number;
  featureNames: string[];
  candidates: FriendModel['candidates'];
  validation: FriendModel['validation'];
  numFeatures: number;
  layers: { inSize: number; outSize: number }[];
  /** FRM2 only; null when the version stores no lists. */
  lists?: { perUser: number; users: number; entries: number; reasonKinds: string[] } | null;
}

export interface FriendArtifact {
  model: FriendModel;
  lists: StoredFriendLists | null;
}

const pad4 = (n: number) => Math.ceil(n / 4) * 4;

export function serializeFriendModel(model: FriendModel, lists: StoredFriendLists | null = null): Uint8Array {
  const header: Header = {
    version: model.version,
    featureNames: model.featureNames,
    candidates: model.candidates,
    validation: model.validation,
    numFeatures: model.ranker.numFeatures,
    layers: model.ranker.layers.map(({ inSize, outSize }) => ({ inSize, outSize })),
    lists: lists && { perUser: lists.perUser, users: lists.followHash.length, entries: lists.users.length, reasonKinds: [...STORED_REASON_KINDS] },
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = pad4(json.length);
  const floats = [model.ranker.mean, model.ranker.invStd, ...model.ranker.layers.flatMap((l) => [l.weights, l.bias])];
  // Every section is a multiple of 4 bytes, so each typed array starts aligned.
  const sections: ArrayBufferView[] = [...floats];
  if (lists) sections.push(lists.offsets, lists.users, lists.scores, lists.followHash, lists.reasons);
  const bodyBytes = sections.reduce((sum, a) => sum + pad4(a.byteLength), 0);
  const bytes = new Uint8Array(8 + headerBytes + bodyBytes);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(bytes.buffer).setUint32(4, json.length, true);
  bytes.fill(0x20, 8, 8 + headerBytes);
  bytes.set(json, 8);
  const view = new DataView(bytes.buffer);
  let at = 8 + headerBytes;
  for (const array of sections) {
    if (array instanceof Float32Array) for (let i = 0; i < array.length; i++, at += 4) view.setFloat32(at, array[i], true);
    else if (array instanceof Int32Array) for (let i = 0; i < array.length; i++, at += 4) view.setInt32(at, array[i], true);
    else if (array instanceof Uint32Array) for (let i = 0; i < array.length; i++, at += 4) view.setUint32(at, array[i], true);
    else {
      bytes.set(array as Uint8Array, at);
      at += pad4(array.byteLength);
    }
  }
  return bytes;
}

/** The ranker alone; throws with the reason when the bytes are not a compatible friend model. */
export function deserializeFriendModel(bytes: Uint8Array): FriendModel {
  return deserializeFriendArtifact(bytes).model;
}

/** The ranker and its stored lists (null for an FRM1 artifact); throws with the reason when incompatible. */
export function deserializeFriendArtifact(bytes: Uint8Array): FriendArtifact {
  const magic = bytes.length >= 8 ? new TextDecoder().decode(bytes.subarray(0, 4)) : '';
  if (magic !== MAGIC && magic !== MAGIC_WITHOUT_LISTS) throw new Error('Not a friend-model artifact (bad magic)');
  const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = data.getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + jsonLength))) as Header;
  if (header.version !== FRIEND_MODEL_VERSION) {
    throw new Error(`Friend-model artifact version ${header.version}; this build reads ${FRIEND_MODEL_VERSION}`);
  }
  if (header.featureNames.join(',') !== FEATURE_NAMES.join(',')) {
    throw new Error('Friend-model artifact was trained on different features; retrain it');
  }
  let at = 8 + pad4(jsonLength);
  const need = (length: number) => {
    if (at + length > bytes.length) throw new Error('Friend-model artifact is truncated');
  };
  const read = <T extends Float32Array | Int32Array | Uint32Array>(make: (n: number) => T, length: number, get: (at: number) => number): T => {
    need(length * 4);
    const out = make(length);
    for (let i = 0; i < length; i++, at += 4) out[i] = get(at);
    return out;
  };
  const take = (length: number) => read((n) => new Float32Array(n), length, (p) => data.getFloat32(p, true));
  const mean = take(header.numFeatures);
  const invStd = take(header.numFeatures);
  const layers = header.layers.map(({ inSize, outSize }) => ({
    inSize,
    outSize,
    weights: take(inSize * outSize),
    bias: take(outSize),
  }));
  let lists: StoredFriendLists | null = null;
  const shape = magic === MAGIC ? header.lists : null;
  if (shape) {
    if (shape.reasonKinds.join(',') !== STORED_REASON_KINDS.join(',')) throw new Error('Friend-model artifact stores other reason kinds; retrain it');
    const offsets = read((n) => new Int32Array(n), shape.users + 1, (p) => data.getInt32(p, true));
    const users = read((n) => new Int32Array(n), shape.entries, (p) => data.getInt32(p, true));
    const scores = take(shape.entries);
    const followHash = read((n) => new Uint32Array(n), shape.users, (p) => data.getUint32(p, true));
    const reasonBytes = shape.entries * STORED_REASON_KINDS.length;
    need(pad4(reasonBytes));
    const reasons = bytes.slice(at, at + reasonBytes);
    at += pad4(reasonBytes);
    lists = { perUser: shape.perUser, offsets, users, scores, reasons, followHash };
  }
  if (at !== bytes.length) throw new Error('Friend-model artifact has trailing bytes');
  const model: FriendModel = {
    version: header.version,
    featureNames: header.featureNames,
    candidates: header.candidates,
    validation: header.validation,
    ranker: { numFeatures: header.numFeatures, mean, invStd, layers },
  };
  return { model, lists };
}
