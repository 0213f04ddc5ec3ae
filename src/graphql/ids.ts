/** Opaque global ids: base64url of "<Type>:<id>". Decoding checks the type. */
import { badInput } from '../errors';

export type NodeType = 'User' | 'Item' | 'Interaction' | 'ModelVersion' | 'TrainingRun';

export function toGlobalId(type: NodeType, id: number | bigint): string {
  return Buffer.from(`${type}:${id}`).toString('base64url');
}

export function parseGlobalId(globalId: string): { type: string; id: string } | null {
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || !/^[1-9][0-9]{0,18}$/.test(decoded.slice(colon + 1))) return null;
  return { type: decoded.slice(0, colon), id: decoded.slice(colon + 1) };
}

/** The numeric id of a global id of the expected type; BAD_USER_INPUT otherwise. */
export function fromGlobalId(globalId: string, type: NodeType, field = 'id'): number {
  const parsed = parseGlobalId(globalId);
  const id = parsed ? Number(parsed.id) : NaN;
  if (!parsed || parsed.type !== type || !Number.isSafeInteger(id) || id > 2147483647) {
    throw badInput(`"${globalId}" is not a valid ${type} id`, field);
  }
  return id;
}

export function fromGlobalBigId(globalId: string, type: NodeType, field = 'id'): bigint {
  const parsed = parseGlobalId(globalId);
  if (!parsed || parsed.type !== type) throw badInput(`"${globalId}" is not a valid ${type} id`, field);
  return BigInt(parsed.id);
}
