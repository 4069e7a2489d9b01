/**
 * Questionnaire versions (调查问卷) in the database, in step with criteria/questionnaires/: stored once,
 * frozen by hash like the criteria versions (a shipped file edited in place under the same code is
 * refused at start), handed out parsed by id. A round with 问卷调查 freezes, when it opens, the newest
 * version loaded for its criteria version; a typo fix is a new file with a new code, which rounds not
 * yet opened then take.
 */
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { atomically, type Db } from '../db/connection.ts';
import { findCriteriaVersionByCode } from '../db/repos/criteria-versions.ts';
import {
  findQuestionnaireByCode,
  findQuestionnaireById,
  insertQuestionnaire,
  listQuestionnairesFor,
  type QuestionnaireRow,
} from '../db/repos/surveys.ts';
import { CriteriaFileError, indexCriteria, type IndexedStandard, type LoadedFile } from '../criteria/load.ts';
import type { IndexedCriteria } from '../criteria/load.ts';
import { questionnaireSchema, type Question, type Questionnaire } from '../surveys/schema.ts';
import { loadShippedQuestionnaires, type LoadedQuestionnaire } from '../surveys/load.ts';
import type { SurveyQuestion, SurveyStandard } from '../scoring/survey.ts';
import { NotFound } from '../errors.ts';
import { sha256 } from './criteria-registry.ts';
import { join } from 'node:path';

/** The questionnaires shipped beside criteria files in `criteriaDir` (none when it has no questionnaires/ folder). */
export function loadQuestionnairesBeside(criteriaDir: string, criteria: LoadedFile[]): LoadedQuestionnaire[] {
  const dir = join(criteriaDir, 'questionnaires');
  if (!existsSync(dir)) return [];
  return loadShippedQuestionnaires(
    dir,
    new Map(criteria.map((f) => [f.version.code, indexCriteria(f.version)])),
  );
}

/** Stores questionnaire versions not yet in the database (after their criteria versions); returns their codes. */
export function syncShippedQuestionnaires(db: Db, files: LoadedQuestionnaire[]): string[] {
  const added: string[] = [];
  atomically(db, () => {
    for (const f of files) {
      const q = f.questionnaire;
      const content = JSON.stringify(q);
      const hash = sha256(content);
      const existing = findQuestionnaireByCode(db, q.code);
      if (existing) {
        if (existing.sha256 !== hash)
          throw new CriteriaFileError(
            `${f.file}: code: 问卷 "${q.code}" 的内容与数据库中已载入的不同。已载入的问卷不能原地修改，请以新的问卷编码发布修改后的版本。`,
          );
        continue;
      }
      const criteria = findCriteriaVersionByCode(db, q.criteriaCode);
      if (!criteria)
        throw new CriteriaFileError(`${f.file}: criteriaCode: 测评体系版本 "${q.criteriaCode}" 尚未载入`);
      insertQuestionnaire(db, {
        code: q.code,
        criteria_version_id: criteria.id,
        name: q.name,
        version: q.version,
        content,
        sha256: hash,
        source: `shipped:${basename(f.file)}`,
      });
      added.push(q.code);
    }
  });
  return added;
}

/** A stored questionnaire made ready for collecting and scoring. */
export interface LoadedSurvey {
  id: number;
  row: Omit<QuestionnaireRow, 'content'>;
  questionnaire: Questionnaire;
  /** questions by code */
  byCode: Map<string, Question>;
  /** the questions that are tallied (knows / values), for scoring/survey.ts */
  scored: SurveyQuestion[];
  /** rate names in first-question order, each with its question codes */
  rates: { name: string; questionCodes: string[] }[];
}

const cache = new WeakMap<Db, Map<number, LoadedSurvey>>();

/** A questionnaire version by id, parsed once per database (versions never change). */
export function loadedSurvey(db: Db, id: number): LoadedSurvey {
  let byId = cache.get(db);
  if (!byId) cache.set(db, (byId = new Map()));
  const hit = byId.get(id);
  if (hit) return hit;
  const row = findQuestionnaireById(db, id);
  if (!row) throw new NotFound('找不到该调查问卷版本');
  const questionnaire = questionnaireSchema.parse(JSON.parse(row.content));
  const rates = new Map<string, string[]>();
  for (const q of questionnaire.questions)
    if (q.rate) rates.set(q.rate, [...(rates.get(q.rate) ?? []), q.code]);
  const { content: _content, ...meta } = row;
  const loaded: LoadedSurvey = {
    id,
    row: meta,
    questionnaire,
    byCode: new Map(questionnaire.questions.map((q) => [q.code, q])),
    scored: questionnaire.questions
      .filter((q) => q.knows || q.values)
      .map((q) => ({ code: q.code, knows: q.knows, values: q.values })),
    rates: [...rates].map(([name, questionCodes]) => ({ name, questionCodes })),
  };
  byId.set(id, loaded);
  return loaded;
}

/** The questionnaire a new round of this criteria version would freeze: the newest loaded, or undefined. */
export function questionnaireForVersion(db: Db, criteriaVersionId: number): LoadedSurvey | undefined {
  const newest = listQuestionnairesFor(db, criteriaVersionId)[0];
  return newest ? loadedSurvey(db, newest.id) : undefined;
}

/** The version's 问卷调查 standards, in version order. */
export function surveyStandardsOf(version: IndexedCriteria): IndexedStandard[] {
  return version.standards.filter((s) => s.method === 'survey');
}

/** The survey standards scored by a questionnaire: points from the criteria, rule and questions from the questionnaire. */
export function scoredStandards(version: IndexedCriteria, survey: LoadedSurvey): SurveyStandard[] {
  const out: SurveyStandard[] = [];
  for (const s of surveyStandardsOf(version)) {
    const rule = survey.questionnaire.standards[s.code];
    // the checker makes every survey standard with a linked question carry a rule; one without any
    // question has no rule and no rate: it earns 0 of its points (never unscored)
    out.push({
      code: s.code,
      points: s.points,
      rule: rule ?? { mode: 'proportional' },
      questionCodes: survey.questionnaire.questions.filter((q) => q.standard === s.code).map((q) => q.code),
    });
  }
  return out;
}
