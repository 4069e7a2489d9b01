/**
 * Reads the questionnaires shipped in criteria/questionnaires/ and checks each against the shipped
 * criteria version it names. A file is a questionnaire when its top-level object has `criteriaCode`
 * (criteria files are strict and never have it); `criteria:check` uses that to pick the checker.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatIssues } from '../criteria/check.ts';
import {
  CRITERIA_DIR,
  CriteriaFileError,
  indexCriteria,
  loadShippedCriteria,
  type IndexedCriteria,
} from '../criteria/load.ts';
import { checkQuestionnaireText } from './check.ts';
import type { Questionnaire } from './schema.ts';

export const QUESTIONNAIRE_DIR = join(CRITERIA_DIR, 'questionnaires');

export interface LoadedQuestionnaire {
  file: string;
  text: string;
  questionnaire: Questionnaire;
}

/** True when the text is a JSON object with a top-level `criteriaCode`, i.e. a questionnaire. */
export function isQuestionnaireText(text: string): boolean {
  try {
    const data: unknown = JSON.parse(text);
    return typeof data === 'object' && data !== null && !Array.isArray(data) && 'criteriaCode' in data;
  } catch {
    return false;
  }
}

/** The shipped criteria versions indexed by code, for checking questionnaires against them. */
export function shippedCriteriaByCode(dir: string = CRITERIA_DIR): Map<string, IndexedCriteria> {
  return new Map(loadShippedCriteria(dir).map((l) => [l.version.code, indexCriteria(l.version)]));
}

/** Loads and checks one questionnaire; throws CriteriaFileError with every problem listed. */
export function loadQuestionnaireFile(
  path: string,
  criteriaByCode: ReadonlyMap<string, IndexedCriteria> = shippedCriteriaByCode(),
): LoadedQuestionnaire {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CriteriaFileError(`${path}: 无法读取文件：${(err as Error).message}`);
  }
  const result = checkQuestionnaireText(text, criteriaByCode);
  if (!result.ok) throw new CriteriaFileError(formatIssues(path, result.issues));
  return { file: path, text, questionnaire: result.questionnaire };
}

export function shippedQuestionnaireFiles(dir: string = QUESTIONNAIRE_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(dir, f));
}

/** Loads every shipped questionnaire; all problems of all files (and duplicate codes) in one error. */
export function loadShippedQuestionnaires(
  dir: string = QUESTIONNAIRE_DIR,
  criteriaByCode: ReadonlyMap<string, IndexedCriteria> = shippedCriteriaByCode(),
): LoadedQuestionnaire[] {
  const loaded: LoadedQuestionnaire[] = [];
  const errors: string[] = [];
  for (const file of shippedQuestionnaireFiles(dir)) {
    try {
      loaded.push(loadQuestionnaireFile(file, criteriaByCode));
    } catch (err) {
      if (err instanceof CriteriaFileError) errors.push(err.message);
      else throw err;
    }
  }
  const codes = new Map<string, string>();
  for (const l of loaded) {
    const other = codes.get(l.questionnaire.code);
    if (other) errors.push(`${l.file}: code: 问卷编码 "${l.questionnaire.code}" 与 ${other} 重复`);
    codes.set(l.questionnaire.code, l.file);
  }
  if (errors.length) throw new CriteriaFileError(errors.join('\n'));
  return loaded;
}
