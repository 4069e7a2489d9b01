/** Child process of the export benchmark: writes problems.xlsx for a round and prints time and peak RSS. */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config.ts';
import { databaseFile, openDatabase } from '../src/db/connection.ts';
import { CriteriaCache } from '../src/services/criteria-registry.ts';
import { siteTypeNames } from '../src/db/repos/places.ts';
import { writeProblemsWorkbook } from '../src/export/problems-xlsx.ts';
import { ownPeakRssMb } from './node-as-server.ts';

const [dir, roundId, out] = process.argv.slice(2);
const config = loadConfig({
  DATA_DIR: join(dir!, 'data'),
  UPLOAD_DIR: join(dir!, 'uploads'),
  DEMO: '0',
  LOG_LEVEL: 'silent',
});
const db = openDatabase(databaseFile(config.dataDir));
const started = performance.now();
await writeProblemsWorkbook(
  {
    db,
    criteria: new CriteriaCache(db),
    uploadDir: config.uploadDir,
    baseUrl: 'http://localhost:3000',
    filter: { roundId: Number(roundId) },
    siteTypeNames: siteTypeNames(db),
    title: 'bench',
  },
  createWriteStream(out!),
);
const s = (performance.now() - started) / 1000;
console.log(JSON.stringify({ s: Number(s.toFixed(2)), peakRssMb: ownPeakRssMb() }));
