/**
 * Child process of the `survey` phase: a round's survey figures (services/survey-results.ts) computed
 * from its answers six times, the cache emptied before each — the first in a fresh process (nothing
 * compiled yet), then five more — and, for where the time goes, the read of the valid answers alone
 * (the query and the answers' JSON parsed). Prints the times as JSON.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config.ts';
import { databaseFile, openDatabase } from '../src/db/connection.ts';
import { CriteriaCache } from '../src/services/criteria-registry.ts';
import { findRoundById } from '../src/db/repos/rounds.ts';
import { validSurveyAnswers } from '../src/db/repos/surveys.ts';
import { clearSurveyCache, surveyResults } from '../src/services/survey-results.ts';

const [dir, roundId] = [process.argv[2]!, Number(process.argv[3])];
const config = loadConfig({ DATA_DIR: join(dir, 'data'), UPLOAD_DIR: join(dir, 'uploads'), DEMO: '0' });
const db = openDatabase(databaseFile(config.dataDir));
const criteria = new CriteriaCache(db);
const round = findRoundById(db, roundId)!;
const timed = <T>(f: () => T): [number, T] => {
  const t = performance.now();
  const out = f();
  return [performance.now() - t, out];
};
const runs: number[] = [];
let answers = 0;
let communities = 0;
for (let i = 0; i < 6; i++) {
  clearSurveyCache(db);
  const [ms, results] = timed(() => surveyResults(db, criteria, round)!);
  runs.push(ms);
  answers = results.figures.district.answers;
  communities = results.figures.communities.size;
}
const read: number[] = [];
for (let i = 0; i < 3; i++)
  read.push(timed(() => validSurveyAnswers(db, roundId).map((r) => JSON.parse(r.answers) as unknown))[0]);
const [cachedMs] = timed(() => surveyResults(db, criteria, round));
db.close();
console.log(JSON.stringify({ first: runs[0], cold: runs.slice(1), read, cachedMs, answers, communities }));
