/**
 * Binary artifact of a FriendModel: magic "FRM1", a little-endian uint32 header length,
 * a UTF-8 JSON header (settings, shapes, validation) padded to 4 bytes, then every
 * Float32Array in header order. Floats are stored bit for bit, so a deserialised model
 * scores exactly like the original.
 */
import { FEATURE_NAMES } from './candidates';
import { FRIEND_MODEL_VERSION, FriendModel } from './model';

const MAGIC = 'FRM1';

interface Header {
  version: number;
  featureNames: string[];
  candidates: FriendModel['candidates'];
  validation: FriendModel['validation'];
  numFeatures: number;
  layers: { inSize: number; outSize: number }[];
}

export function serializeFriendModel(model: FriendModel): Uint8Array {
  const header: Header = {
    version: model.version,
    featureNames: model.featureNames,
    candidates: model.candidates,
    validation: model.validation,
    numFeatures: model.ranker.numFeatures,
    layers: model.ranker.layers.map(({ inSize, outSize }) => ({ inSize, outSize })),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = Math.ceil(json.length / 4) * 4;
  const arrays = [model.ranker.mean, model.ranker.invStd, ...model.ranker.layers.flatMap((l) => [l.weights, l.bias])];
  const floats = arrays.reduce((sum, a) => sum + a.length, 0);
  const bytes = new Uint8Array(8 + headerBytes + floats * 4);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(bytes.buffer).setUint32(4, json.length, true);
  bytes.fill(0x20, 8, 8 + headerBytes);
  bytes.set(json, 8);
  const view = new DataView(bytes.buffer, 8 + headerBytes);
  let at = 0;
  for (const array of arrays) {
    for (let i = 0; i < array.length; i++, at += 4) view.setFloat32(at, array[i], true);
  }
  return bytes;
}

/** Throws with the reason when the bytes are not a compatible friend model. */
export function deserializeFriendModel(bytes: Uint8Array): FriendModel {
  if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(0, 4)) !== MAGIC) {
    throw new Error('Not a friend-model artifact (bad magic)');
  }
  const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const jsonLength = data.getUint32(4, true);
  const headerBytes = Math.ceil(jsonLength / 4) * 4;
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + jsonLength))) as Header;
  if (header.version !== FRIEND_MODEL_VERSION) {
    throw new Error(`Friend-model artifact version ${header.version}; this build reads ${FRIEND_MODEL_VERSION}`);
  }
  if (header.featureNames.join(',') !== FEATURE_NAMES.join(',')) {
    throw new Error('Friend-model artifact was trained on different features; retrain it');
  }
  let at = 8 + headerBytes;
  const take = (length: number) => {
    if (at + length * 4 > bytes.length) throw new Error('Friend-model artifact is truncated');
    const out = new Float32Array(length);
    for (let i = 0; i < length; i++, at += 4) out[i] = data.getFloat32(at, true);
    return out;
  };
  const mean = take(header.numFeatures);
  const invStd = take(header.numFeatures);
  const layers = header.layers.map(({ inSize, outSize }) => ({
    inSize,
    outSize,
    weights: take(inSize * outSize),
    bias: take(outSize),
  }));
  if (at !== bytes.length) throw new Error('Friend-model artifact has trailing bytes');
  return {
    version: header.version,
    featureNames: header.featureNames,
    candidates: header.candidates,
    validation: header.validation,
    ranker: { numFeatures: header.numFeatures, mean, invStd, layers },
  };
}
