/**
 * Child process of the `tasks` phase: writes a round's 网上申报 package (materials.zip) to a sink that
 * counts and drops the bytes, as the route does for a download, and prints its time, size and the
 * process's peak RSS — the package's own memory, apart from the server's baseline.
 */
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config.ts';
import { databaseFile, openDatabase } from '../src/db/connection.ts';
import { CriteriaCache } from '../src/services/criteria-registry.ts';
import { SYSTEM } from '../src/services/access.ts';
import { materialsPackage } from '../src/services/materials.ts';
import { writePackage } from '../src/export/materials-zip.ts';
import { ownPeakRssMb } from './node-as-server.ts';

const [dir, roundId] = process.argv.slice(2);
const config = loadConfig({
  DATA_DIR: join(dir!, 'data'),
  UPLOAD_DIR: join(dir!, 'uploads'),
  DEMO: '0',
  LOG_LEVEL: 'silent',
});
const db = openDatabase(databaseFile(config.dataDir));
const rssBefore = Math.round(process.memoryUsage().rss / 2 ** 20);
const started = performance.now();
const pkg = await materialsPackage(
  { db, criteria: new CriteriaCache(db), uploadDir: config.uploadDir },
  SYSTEM,
  Number(roundId),
);
let bytes = 0;
await writePackage(
  pkg.plan,
  pkg.index,
  new Writable({
    write(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      cb();
    },
  }),
);
const s = (performance.now() - started) / 1000;
console.log(
  JSON.stringify({
    s: Number(s.toFixed(2)),
    mb: Math.round((bytes / 2 ** 20) * 10) / 10,
    rssBeforeMb: rssBefore,
    peakRssMb: ownPeakRssMb(),
  }),
);
