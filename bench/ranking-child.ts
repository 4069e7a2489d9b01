/**
 * Child process of the ranking benchmark: computes one round's results once untimed (as tasks-child.ts
 * does: the first runs of a fresh process are slower), then once with the sheet packs and the kept ranks
 * deleted first (`first`: what rebuilding every pack costs, db/repos/sheet-packs.ts), then from its
 * answers' packs five times (`times`: the results cache emptied before each; the previous round's ranks
 * as kept in round_ranks), then five times with the kept ranks deleted too (`both`: the previous round is
 * computed as well), alternating, then the unchanged round again from the cache five times, and prints the
 * times as JSON. Its own process, like the server's, so the heap is not the one that just seeded a city.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config.ts';
import { databaseFile, openDatabase } from '../src/db/connection.ts';
import { CriteriaCache } from '../src/services/criteria-registry.ts';
import { clearResultsCache, resultsFor } from '../src/services/results.ts';
import { SYSTEM } from '../src/services/access.ts';

const [dir, roundId] = process.argv.slice(2);
const config = loadConfig({ DATA_DIR: join(dir!, 'data'), UPLOAD_DIR: join(dir!, 'uploads'), DEMO: '0' });
const db = openDatabase(databaseFile(config.dataDir));
const ctx = { db, criteria: new CriteriaCache(db) };
const cold = () => {
  clearResultsCache(db);
  const t = performance.now();
  resultsFor(ctx, SYSTEM, Number(roundId));
  return performance.now() - t;
};
cold();
db.exec('DELETE FROM sheet_packs; DELETE FROM round_ranks');
const first = cold();
const times: number[] = [];
const both: number[] = [];
for (let i = 0; i < 5; i++) {
  times.push(cold());
  db.exec('DELETE FROM round_ranks');
  both.push(cold());
}
const cached: number[] = [];
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  resultsFor(ctx, SYSTEM, Number(roundId));
  cached.push(performance.now() - t);
}
db.close();
console.log(JSON.stringify({ first, times, both, cached }));
