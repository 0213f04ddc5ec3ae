/**
 * The user-state cache is bounded by bytes as well as by count: states differ in size by
 * orders of magnitude, so the byte bound is the one that holds memory.
 */
import { createLogger } from '../../../src/logger';
import { stateBytes } from '../../../src/recommender/serve/user-state';
import { UserStates, type StateEntry } from '../../../src/recommender/serve/user-states';
import { createTestDatabase, type TestDatabase } from '../../helpers/db';
import { plantCommunities, type Planted } from '../../helpers/planted';

describe('user states', () => {
  let database: TestDatabase;
  let planted: Planted;

  beforeAll(async () => {
    database = await createTestDatabase();
    planted = await plantCommunities(database.db);
  }, 120_000);

  afterAll(() => database.drop());

  async function loadAll(states: UserStates, users: number[]): Promise<{ bytes: number; entries: StateEntry[] }> {
    let bytes = 0;
    const entries: StateEntry[] = [];
    for (const user of users) {
      const entry = states.get(user);
      entries.push(entry);
      bytes += stateBytes(await entry.state);
    }
    return { bytes, entries };
  }

  it('keeps the measured bytes of its states within its byte bound, newest first', async () => {
    const users = planted.communities.flatMap((c) => c.users);
    const unbounded = new UserStates(database.db, createLogger('silent'));
    unbounded.liveChanged(true);
    const { bytes: total } = await loadAll(unbounded, users);
    expect(unbounded.size).toBe(users.length);
    expect(unbounded.bytes).toBe(total);

    const bound = Math.floor(total / 3);
    const states = new UserStates(database.db, createLogger('silent'), bound);
    states.liveChanged(true);
    const { entries } = await loadAll(states, users);
    expect(states.bytes).toBeLessThanOrEqual(bound);
    expect(states.size).toBeGreaterThan(0);
    expect(states.size).toBeLessThan(users.length / 2);
    // The last user loaded is served from memory; the first was evicted and loads anew.
    expect(states.get(users[users.length - 1])).toBe(entries[entries.length - 1]);
    expect(states.get(users[0])).not.toBe(entries[0]);
  });
});
