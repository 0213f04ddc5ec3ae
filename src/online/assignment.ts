/**
 * Sticky assignment of users to experiment arms. A pure function of (experiment id, user id)
 * through SHA-256, so every process, and every restart, puts a user in the same arm without
 * sharing state. Audience membership uses a differently salted hash so that the audience
 * share and the arm split are independent.
 */
import { createHash } from 'node:crypto';

export interface ArmShare {
  name: string;
  share: number;
}

/** A uniform number in [0, 1) from the first 48 bits of SHA-256 of the key. */
export function unitHash(key: string): number {
  const digest = createHash('sha256').update(key).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

export function inAudience(experimentId: number, userId: number, audienceShare: number): boolean {
  return unitHash(`audience:${experimentId}:${userId}`) < audienceShare;
}

/** The arm a user falls into: shares are weights (normalised here), in the stored order. */
export function armFor(experimentId: number, userId: number, arms: ArmShare[]): string {
  const total = arms.reduce((sum, arm) => sum + arm.share, 0);
  const u = unitHash(`arm:${experimentId}:${userId}`) * total;
  let cumulative = 0;
  for (const arm of arms) {
    cumulative += arm.share;
    if (u < cumulative) return arm.name;
  }
  return arms[arms.length - 1].name;
}
