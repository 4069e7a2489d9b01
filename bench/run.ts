/**
 * `npm run bench` (`-- --quick` for a tenth of the data): the city-scale measurements, printed as one
 * JSON object on the last line. Not part of the tests; timings are reported, never asserted.
 */
import { benchRanking } from './ranking.ts';

const quick = process.argv.includes('--quick');
const figures = { ...(await benchRanking(quick ? 0.1 : 1)) };
console.log(JSON.stringify(figures));
