/**
 * The model's binary form: "IMDL", a u32 format version, a u32 header length, a JSON header
 * (scalars, config and an index of arrays), then each typed array's raw little-endian bytes
 * at 8-byte-aligned offsets. No code or object graphs are stored, so loading an artifact
 * cannot execute anything; deserialize(serialize(m)) scores exactly like m.
 */
import type { Csr } from '../sparse';
import { resolveConfig, type ItemModel, type ItemModelConfig } from './model';
import type { StoredLists } from './stored-lists';

const MAGIC = 0x4c444d49; // "IMDL" little-endian
const FORMAT_VERSION = 1;

type ArrayKind = 'i32' | 'f32' | 'f64';
type Typed = Int32Array | Float32Array | Float64Array;

interface ArrayEntry {
  name: string;
  kind: ArrayKind;
  offset: number;
  length: number;
}

interface Header {
  numUsers: number;
  numItems: number;
  now: number;
  itemItemKind: ItemModel['itemItemKind'];
  numTags: number;
  numCategories: number;
  ranker: { numFeatures: number; hidden: number; b2: number } | null;
  config: ItemModelConfig;
  /** Present when the artifact carries lists precomputed by training (stored-lists.ts). */
  lists?: { depth: number };
  arrays: ArrayEntry[];
}

const kindOf = (a: Typed): ArrayKind => (a instanceof Int32Array ? 'i32' : a instanceof Float32Array ? 'f32' : 'f64');
const align8 = (n: number) => (n + 7) & ~7;

export function serialize(model: ItemModel, lists: StoredLists | null = null): Uint8Array {
  const arrays = new Map<string, Typed>();
  const putCsr = (name: string, m: Csr | null) => {
    if (!m) return;
    arrays.set(`${name}.indptr`, m.indptr);
    arrays.set(`${name}.indices`, m.indices);
    if (m.values) arrays.set(`${name}.values`, m.values);
  };
  putCsr('itemItem', model.itemItem);
  putCsr('itemKnn', model.itemKnn);
  arrays.set('popularity.count', model.popularity.count);
  arrays.set('popularity.trending', model.popularity.trending);
  arrays.set('popularity.popularOrder', model.popularity.popularOrder);
  arrays.set('popularity.trendingOrder', model.popularity.trendingOrder);
  arrays.set('newest', model.newest);
  if (model.createdAt) arrays.set('createdAt', model.createdAt);
  putCsr('content.itemTags', model.content.itemTags);
  putCsr('content.tagItems', model.content.tagItems);
  arrays.set('content.category', model.content.category);
  putCsr('userItems', model.userItems);
  putCsr('itemUsers', model.itemUsers);
  putCsr('follows', model.follows);
  const r = model.ranker;
  if (r) for (const key of ['mean', 'std', 'w1', 'b1', 'w2', 'linear'] as const) arrays.set(`ranker.${key}`, r[key]);
  if (lists) for (const key of ['indptr', 'items', 'scores', 'keys'] as const) arrays.set(`lists.${key}`, lists[key]);

  const entries: ArrayEntry[] = [];
  let offset = 0;
  for (const [name, a] of arrays) {
    entries.push({ name, kind: kindOf(a), offset, length: a.length });
    offset = align8(offset + a.byteLength);
  }
  const header: Header = {
    numUsers: model.numUsers,
    numItems: model.numItems,
    now: model.now,
    itemItemKind: model.itemItemKind,
    numTags: model.content.numTags,
    numCategories: model.content.numCategories,
    ranker: r ? { numFeatures: r.numFeatures, hidden: r.hidden, b2: r.b2 } : null,
    config: model.config,
    ...(lists ? { lists: { depth: lists.depth } } : {}),
    arrays: entries,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = align8(12 + json.length);
  const out = new Uint8Array(dataStart + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, FORMAT_VERSION, true);
  view.setUint32(8, json.length, true);
  out.set(json, 12);
  entries.forEach((e) => {
    const a = arrays.get(e.name)!;
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), dataStart + e.offset);
  });
  return out;
}

/** The header and a typed-array reader over one artifact's bytes. */
function open(bytes: Uint8Array) {
  if (bytes.length < 12) throw new Error('item model artifact: too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new Error('item model artifact: bad magic number');
  const version = view.getUint32(4, true);
  if (version !== FORMAT_VERSION) throw new Error(`item model artifact: unsupported format version ${version}`);
  const jsonLength = view.getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + jsonLength))) as Header;
  const dataStart = align8(12 + jsonLength);
  const byName = new Map(header.arrays.map((e) => [e.name, e]));
  const get = <T extends Typed>(name: string): T => {
    const e = byName.get(name);
    if (!e) throw new Error(`item model artifact: missing array ${name}`);
    const ctor = e.kind === 'i32' ? Int32Array : e.kind === 'f32' ? Float32Array : Float64Array;
    const start = dataStart + e.offset;
    const end = start + e.length * ctor.BYTES_PER_ELEMENT;
    if (end > bytes.length) throw new Error(`item model artifact: truncated at ${name}`);
    // A view when the array is aligned (artifacts packed by artifact.ts are): the model then
    // holds the artifact's bytes once instead of a second copy of every array. Models are
    // never written to, so sharing the bytes is safe. An unaligned array can only be copied.
    const at = bytes.byteOffset + start;
    if (at % ctor.BYTES_PER_ELEMENT === 0) return new ctor(bytes.buffer as ArrayBuffer, at, e.length) as T;
    return new ctor(bytes.slice(start, end).buffer) as T;
  };
  return { header, get, has: (name: string) => byName.has(name) };
}

/** The lists precomputed by training, or null for an artifact without them. */
export function deserializeLists(bytes: Uint8Array): StoredLists | null {
  const { header, get } = open(bytes);
  if (!header.lists) return null;
  return { depth: header.lists.depth, indptr: get('lists.indptr'), items: get('lists.items'), scores: get('lists.scores'), keys: get('lists.keys') };
}

/** Throws on a wrong magic number, an unknown format version or a truncated buffer. */
export function deserialize(bytes: Uint8Array): ItemModel {
  const { header, get, has } = open(bytes);
  const getCsr = (name: string): Csr => ({
    indptr: get<Int32Array>(`${name}.indptr`),
    indices: get<Int32Array>(`${name}.indices`),
    ...(has(`${name}.values`) ? { values: get<Float32Array>(`${name}.values`) } : {}),
  });
  const full = (name: string) => getCsr(name) as Required<Csr>;
  const r = header.ranker;
  return {
    numUsers: header.numUsers,
    numItems: header.numItems,
    now: header.now,
    itemItemKind: header.itemItemKind,
    itemItem: full('itemItem'),
    itemKnn: has('itemKnn.indptr') ? full('itemKnn') : null,
    popularity: {
      count: get('popularity.count'),
      trending: get('popularity.trending'),
      popularOrder: get('popularity.popularOrder'),
      trendingOrder: get('popularity.trendingOrder'),
    },
    newest: get('newest'),
    createdAt: has('createdAt') ? get<Float64Array>('createdAt') : null,
    content: {
      numTags: header.numTags,
      numCategories: header.numCategories,
      itemTags: full('content.itemTags'),
      tagItems: getCsr('content.tagItems'),
      category: get('content.category'),
    },
    userItems: getCsr('userItems'),
    itemUsers: getCsr('itemUsers'),
    follows: has('follows.indptr') ? getCsr('follows') : null,
    ranker: r
      ? {
          numFeatures: r.numFeatures,
          hidden: r.hidden,
          b2: r.b2,
          mean: get('ranker.mean'),
          std: get('ranker.std'),
          w1: get('ranker.w1'),
          b1: get('ranker.b1'),
          w2: get('ranker.w2'),
          linear: get('ranker.linear'),
        }
      : null,
    // Artifacts written before a setting existed read it as its default.
    config: resolveConfig(header.config),
  };
}
