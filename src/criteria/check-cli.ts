/**
 * `npm run criteria:check [files…]`: validates the named criteria and questionnaire files (all shipped
 * ones when none is named) and exits non-zero on any problem, one line per problem: file, JSON path,
 * what is wrong. A file whose top-level object has `criteriaCode` is a questionnaire (see
 * src/surveys/load.ts) and is checked against the shipped criteria version it names.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { CriteriaFileError, loadCriteriaFile, shippedCriteriaFiles } from './load.ts';
import {
  isQuestionnaireText,
  loadQuestionnaireFile,
  shippedCriteriaByCode,
  shippedQuestionnaireFiles,
} from '../surveys/load.ts';

const files = process.argv.slice(2);
const targets = files.length ? files : [...shippedCriteriaFiles(), ...shippedQuestionnaireFiles()];
let criteriaByCode: ReturnType<typeof shippedCriteriaByCode> | undefined;

function isQuestionnaire(file: string): boolean {
  try {
    return isQuestionnaireText(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
}

/** Checks one file and returns its ✓ line; throws CriteriaFileError with its problem lines. */
function check(file: string): string {
  const shown = relative(process.cwd(), file) || file;
  if (isQuestionnaire(file)) {
    criteriaByCode ??= shippedCriteriaByCode();
    const { questionnaire: q } = loadQuestionnaireFile(file, criteriaByCode);
    const scored = Object.keys(q.standards).length;
    return `✓ ${shown}: ${q.name}（${q.questions.length} 道题，关联 ${scored} 条问卷调查标准）`;
  }
  const { version } = loadCriteriaFile(file);
  const count = version.items.flatMap((i) => i.contents.flatMap((c) => c.standards)).length;
  return `✓ ${shown}: ${version.name}（${count} 条标准）`;
}

let failed = 0;
for (const file of targets) {
  try {
    console.log(check(file));
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
