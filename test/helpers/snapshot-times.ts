/** Prints a training snapshot's item ids and times as JSON (snapshot.test.ts runs it in another time zone). */
import { takeSnapshotAt } from '../../src/recommender/snapshot';

takeSnapshotAt(process.env.DATABASE_URL!).then((s) => {
  console.log(JSON.stringify({ offset: new Date(2026, 5, 1).getTimezoneOffset(), itemIds: [...s.itemIds], itemCreatedAt: [...s.itemCreatedAt], pairTimes: [...s.pairTimes] }));
});
