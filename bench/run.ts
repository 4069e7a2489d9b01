/**
 * `npm run bench` (`-- --quick` for a tenth of the data): the city-scale measurements, printed as one
 * JSON object on the last line. Not part of the tests; timings are reported, never asserted.
 */
import { rmSync } from 'node:fs';
import { benchRanking } from './ranking.ts';
import { measureExport, seedProblems } from './problems-export.ts';

const quick = process.argv.includes('--quick');
const figures: Record<string, number> = { ...(await benchRanking(quick ? 0.1 : 1)) };
const { dir, roundId } = await seedProblems(quick ? 500 : 5000);
const exp = measureExport(dir, roundId);
rmSync(dir, { recursive: true, force: true });
figures.rect_export_problems = quick ? 500 : 5000;
figures.rect_export_s = exp.s;
figures.rect_export_peak_rss_mb = exp.peakRssMb;
console.log(JSON.stringify(figures));
