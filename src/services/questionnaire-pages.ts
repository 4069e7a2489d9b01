/**
 * 调查问卷 on the criteria pages: the questionnaire versions linked to a criteria version (with the rounds
 * that froze each one), and one questionnaire as a resident reads it plus how it is scored — the survey
 * standards it scores with their text and points. Reading a questionnaire is `criteria.read` (any
 * logged-in user, like 计分规则说明): units and inspectors may see what residents are asked.
 */
import type { Db } from '../db/connection.ts';
import { listQuestionnairesFor, type QuestionnaireRow } from '../db/repos/surveys.ts';
import { listRounds } from '../db/repos/rounds.ts';
import type { IndexedCriteria, IndexedStandard } from '../criteria/load.ts';
import { NotFound } from '../errors.ts';
import { can, canOrReject, type Actor } from './access.ts';
import type { CriteriaCtx } from './criteria-pages.ts';
import { loadedSurvey, surveyStandardsOf, type LoadedSurvey } from './questionnaires.ts';

/** A round that froze a questionnaire version when it opened. */
export interface QuestionnaireRound {
  id: number;
  name: string;
}

/** A questionnaire version as the version page lists it. */
export interface QuestionnaireListing {
  row: Omit<QuestionnaireRow, 'content'>;
  population: string;
  rounds: QuestionnaireRound[];
}

function roundsUsing(db: Db): Map<number, QuestionnaireRound[]> {
  const byQuestionnaire = new Map<number, QuestionnaireRound[]>();
  for (const r of listRounds(db)) {
    if (r.questionnaire_id === null) continue;
    const list = byQuestionnaire.get(r.questionnaire_id) ?? [];
    list.push({ id: r.id, name: r.name });
    byQuestionnaire.set(r.questionnaire_id, list);
  }
  return byQuestionnaire;
}

/** The questionnaire versions of a criteria version, newest load first (the one a new round would take). */
export function versionQuestionnaires(db: Db, actor: Actor, versionId: number): QuestionnaireListing[] {
  canOrReject(db, actor, 'criteria.read', null);
  const rounds = roundsUsing(db);
  return listQuestionnairesFor(db, versionId).map((row) => ({
    row,
    population: loadedSurvey(db, row.id).questionnaire.population,
    rounds: rounds.get(row.id) ?? [],
  }));
}

/** What the questionnaire page shows. */
export interface QuestionnairePage {
  versionId: number;
  criteria: IndexedCriteria;
  survey: LoadedSurvey;
  /** the version's 问卷调查 standards, in version order (those the questionnaire scores and any it leaves) */
  surveyStandards: IndexedStandard[];
  rounds: QuestionnaireRound[];
  /** true for those who may open the criteria version's page and the rounds (the office) */
  manages: boolean;
}

/** One questionnaire of a criteria version; 404 for an unknown one or one linked to another version. */
export function questionnairePage(
  ctx: CriteriaCtx,
  actor: Actor,
  versionId: number,
  questionnaireId: number,
): QuestionnairePage {
  canOrReject(ctx.db, actor, 'criteria.read', null);
  const criteria = ctx.criteria.get(versionId);
  const survey = loadedSurvey(ctx.db, questionnaireId);
  if (survey.row.criteria_version_id !== versionId) throw new NotFound('该测评体系版本下没有这份调查问卷');
  return {
    versionId,
    criteria,
    survey,
    surveyStandards: surveyStandardsOf(criteria),
    rounds: roundsUsing(ctx.db).get(questionnaireId) ?? [],
    manages: can(ctx.db, actor, 'office.manage', null),
  };
}
