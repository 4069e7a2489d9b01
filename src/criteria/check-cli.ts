/**
 * `npm run criteria:check [files…]`: validates the named criteria files (all shipped ones when none
 * is named) and exits non-zero on any problem, one line per problem: file, JSON path, what is wrong.
 */
import { relative } from 'node:path';
import { CriteriaFileError, loadCriteriaFile, shippedCriteriaFiles } from './load.ts';

const files = process.argv.slice(2);
const targets = files.length ? files : shippedCriteriaFiles();
let failed = 0;
for (const file of targets) {
  try {
    const { version } = loadCriteriaFile(file);
    const count = version.items.flatMap((i) => i.contents.flatMap((c) => c.standards)).length;
    console.log(`✓ ${relative(process.cwd(), file) || file}: ${version.name}（${count} 条标准）`);
  } catch (err) {
    if (!(err instanceof CriteriaFileError)) throw err;
    failed++;
    console.error(err.message);
  }
}
if (failed) {
  console.error(`测评体系检查未通过：${failed} 个文件有错误`);
  process.exit(1);
}
