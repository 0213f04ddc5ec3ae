/**
 * Opaque global ids: base64url of "<Type>:<id>". Decoding checks the type and that the number
 * fits the column it keys (int4 for most tables, int8 for interactions), so a forged id is
 * BAD_USER_INPUT here and never an out-of-range error from Postgres.
 */
import { badInput } from '../errors';

export type NodeType = 'User' | 'Item' | 'Interaction' | 'ModelVersion' | 'TrainingRun';

export const MAX_INT4 = 2147483647;
export const MAX_INT8 = 9223372036854775807n;

export function toGlobalId(type: NodeType, id: number | bigint): string {
  return Buffer.from(`${type}:${id}`).toString('base64url');
}

// Keyed by the row object: the serving caches hand out the same row to every request until it
// changes, so a page's ids are encoded once per row, not once per field (a Buffer round trip
// each). A changed row is a new object, and an entry lives only as long as its row.
const encodedIds = new WeakMap<object, string>();

/** `toGlobalId` of a row's id, remembered for that row object. */
export function rowGlobalId(type: NodeType, row: { id: number }): string {
  let encoded = encodedIds.get(row);
  if (encoded === undefined) encodedIds.set(row, (encoded = toGlobalId(type, row.id)));
  return encoded;
}

/** Type and decimal id of a well-formed global id (any type, any size), else null. */
export function parseGlobalId(globalId: string): { type: string; id: string } | null {
  if (!/^[A-Za-z0-9_-]{1,100}={0,2}$/.test(globalId)) return null;
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || !/^[1-9][0-9]{0,18}$/.test(decoded.slice(colon + 1))) return null;
  return { type: decoded.slice(0, colon), id: decoded.slice(colon + 1) };
}

/** True when a decimal id fits its type's primary key column. */
export function inKeyRange(type: string, id: string): boolean {
  return type === 'Interaction' ? BigInt(id) <= MAX_INT8 : Number(id) <= MAX_INT4;
}

function invalid(globalId: string, type: string, field: string) {
  return badInput(`"${globalId.slice(0, 100)}" is not a valid ${type} id`, field);
}

/** The numeric id of a global id of the expected type; BAD_USER_INPUT otherwise. */
export function fromGlobalId(globalId: string, type: Exclude<NodeType, 'Interaction'>, field = 'id'): number {
  const parsed = parseGlobalId(globalId);
  if (!parsed || parsed.type !== type || !inKeyRange(type, parsed.id)) throw invalid(globalId, type, field);
  return Number(parsed.id);
}

export function fromGlobalBigId(globalId: string, type: 'Interaction', field = 'id'): bigint {
  const parsed = parseGlobalId(globalId);
  if (!parsed || parsed.type !== type || !inKeyRange(type, parsed.id)) throw invalid(globalId, type, field);
  return BigInt(parsed.id);
}
