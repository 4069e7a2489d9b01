/**
 * Child process of the `tasks` phase: the combined results (field + documents) of a round computed five
 * times from scratch (results cache emptied before each; its previous final round's ranks as kept in
 * round_ranks), alternating with the field-only ranked round of the same city computed the same way (for
 * comparison in one process), then the combined round five times from the cache. Prints the times as
 * JSON. `first`: the combined round once more with its sheet packs and kept ranks deleted first (the cost
 * of rebuilding them).
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config.ts';
import { databaseFile, openDatabase } from '../src/db/connection.ts';
import { CriteriaCache } from '../src/services/criteria-registry.ts';
import { clearResultsCache, resultsFor } from '../src/services/results.ts';
import { SYSTEM } from '../src/services/access.ts';

const [dir, combinedId, fieldId] = process.argv.slice(2).map((a, i) => (i === 0 ? a : Number(a))) as [
  string,
  number,
  number,
];
const config = loadConfig({ DATA_DIR: join(dir, 'data'), UPLOAD_DIR: join(dir, 'uploads'), DEMO: '0' });
const db = openDatabase(databaseFile(config.dataDir));
const ctx = { db, criteria: new CriteriaCache(db) };
const timed = (roundId: number, cold: boolean) => {
  if (cold) clearResultsCache(db);
  const t = performance.now();
  const view = resultsFor(ctx, SYSTEM, roundId);
  const ms = performance.now() - t;
  return { ms, view };
};
const cold: number[] = [];
const warm: number[] = [];
const field: number[] = [];
let counted = '';
// one untimed run of each first, then the two alternately: neither is measured on colder code than the other
timed(combinedId, true);
timed(fieldId, true);
for (let i = 0; i < 5; i++) {
  const { ms, view } = timed(combinedId, true);
  cold.push(ms);
  const tasks = view.results.combined?.district.tasks;
  counted = tasks ? JSON.stringify(tasks) : 'no combined results';
  field.push(timed(fieldId, true).ms);
}
timed(combinedId, true);
db.exec('DELETE FROM sheet_packs; DELETE FROM round_ranks');
const first = timed(combinedId, true).ms;
timed(combinedId, true);
for (let i = 0; i < 5; i++) warm.push(timed(combinedId, false).ms);
db.close();
console.log(JSON.stringify({ cold, warm, field, first, counted }));
