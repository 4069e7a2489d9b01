/**
 * What the round pages show, loaded once per request after asking access.ts: the list of rounds, a
 * round's page (its counts; for the office also how its sites were chosen, the sheets waiting for
 * review and the progress by inspector and by 镇街), the new-round form, the review list and the
 * 测评分工 page. The presenters (web/presenters/rounds.ts) only put it into words.
 */
import type { CriteriaVersion } from '../criteria/schema.ts';
import { listSubmissions, type InspectionStatus, type SubmissionRow } from '../db/repos/inspections.ts';
import {
  listCommunities,
  listSiteTypes,
  listStreets,
  siteTypeNames,
  type CommunityRow,
  type StreetRow,
} from '../db/repos/places.ts';
import {
  progressByInspector,
  progressByStreet,
  roundAssignments,
  roundCounts,
  type AssignmentRow,
  type ProgressRow,
  type RoundRow,
} from '../db/repos/rounds.ts';
import { listUsers } from '../db/repos/users.ts';
import { InvalidInput } from '../errors.ts';
import { can, canOrReject, type Actor } from './access.ts';
import { readableRound, roundsVisibleTo } from './access-scopes.ts';
import { avoidancePolicy, type AvoidancePolicy } from './assignments.ts';
import { criteriaChoices, type LoadedVersion } from './criteria-pages.ts';
import { managedRound, type RoundCtx, type Selection } from './rounds.ts';
import { roundTasks } from '../db/repos/document-tasks.ts';
import {
  roundHasMethod,
  roundMethods,
  taskStandards,
  taskState,
  type RoundMethod,
  type TaskState,
} from './document-tasks.ts';
import { shanghaiDate } from '../util/time.ts';
import { surveyPanel, type SurveyPanel } from './survey-admin.ts';

/**
 * A round with its methods, its counts (sites still in it, those assigned) and the criteria version it
 * is frozen to.
 */
export interface RoundSummary {
  round: RoundRow;
  methods: RoundMethod[];
  counts: { sites: number; assigned: number };
  criteria: CriteriaVersion;
}

/** The summary of a round the caller has already been allowed to see (a list, a page's header). */
export function roundSummary(ctx: RoundCtx, round: RoundRow): RoundSummary {
  return {
    round,
    methods: roundMethods(round),
    counts: roundCounts(ctx.db, round.id),
    criteria: ctx.criteria.get(round.criteria_version_id).version,
  };
}

/** A round's 材料审核 at a glance: its tasks per state (逾期未交 as of today) and those without a unit. */
export interface RoundTaskFacts {
  /** the version's standards that become tasks (a draft has no tasks yet: they go out when it opens) */
  standards: number;
  total: number;
  byState: Record<TaskState, number>;
  /** scored 不合格 (losing points: each is a 材料 problem) */
  failed: number;
  noUnit: number;
}

export function roundTaskFacts(ctx: RoundCtx, round: RoundRow, today = shanghaiDate()): RoundTaskFacts {
  const byState: Record<TaskState, number> = { pending: 0, overdue: 0, submitted: 0, returned: 0, scored: 0 };
  let noUnit = 0;
  let failed = 0;
  const tasks = roundTasks(ctx.db, round.id);
  for (const t of tasks) {
    byState[taskState(t, today)] += 1;
    if (t.unit_id === null) noUnit += 1;
    if (t.status === 'scored' && t.result === 'fail') failed += 1;
  }
  return {
    standards: taskStandards(ctx.criteria.get(round.criteria_version_id)).length,
    total: tasks.length,
    byState,
    failed,
    noUnit,
  };
}

/** Tasks submitted and not yet scored (the close confirmation says how many; closing is not blocked). */
export const unscoredTasks = (db: RoundCtx['db'], round: RoundRow): number =>
  roundTasks(db, round.id).filter((t) => t.status === 'submitted').length;

/** GET /rounds: the rounds the actor may see, and whether they may create one. */
export function roundsPage(ctx: RoundCtx, actor: Actor): { rounds: RoundSummary[]; canCreate: boolean } {
  return {
    rounds: roundsVisibleTo(ctx.db, actor).map((round) => roundSummary(ctx, round)),
    canCreate: can(ctx.db, actor, 'office.manage', null),
  };
}

/** What only the office sees on a round's page. */
export interface RoundOfficeFacts {
  selection: Selection;
  typeNames: ReadonlyMap<string, string>;
  /** sheets submitted and waiting for review */
  waiting: number;
  byInspector: ProgressRow[];
  byStreet: ProgressRow[];
  /** the 材料审核 panel, for a round that collects documents */
  tasks: RoundTaskFacts | null;
  /** the 问卷调查 panel, for a round with surveys */
  survey: SurveyPanel | null;
}

export interface RoundPage {
  summary: RoundSummary;
  office: RoundOfficeFacts | null;
}

/** GET /rounds/:id: 404 when there is no such round, 403 when it is not the actor's to see. */
export function roundPage(ctx: RoundCtx, actor: Actor, roundId: number): RoundPage {
  const round = readableRound(ctx.db, actor, roundId);
  const office = can(ctx.db, actor, 'office.manage', null)
    ? {
        selection: JSON.parse(round.selection) as Selection,
        typeNames: siteTypeNames(ctx.db),
        waiting: listSubmissions(ctx.db, round.id, 'submitted').length,
        byInspector: progressByInspector(ctx.db, round.id),
        byStreet: progressByStreet(ctx.db, round.id),
        tasks: roundHasMethod(round, 'document') ? roundTaskFacts(ctx, round) : null,
        survey: roundHasMethod(round, 'survey') ? surveyPanel(ctx.db, round) : null,
      }
    : null;
  return { summary: roundSummary(ctx, round), office };
}

/** The new-round form's choices: the criteria versions to freeze it to, the site types to limit it to. */
export function newRoundChoices(
  ctx: RoundCtx,
  actor: Actor,
): { versions: LoadedVersion[]; types: { code: string; name: string }[] } {
  canOrReject(ctx.db, actor, 'office.manage', null);
  return { versions: criteriaChoices(ctx, actor), types: listSiteTypes(ctx.db) };
}

const REVIEW_FILTERS: readonly string[] = ['draft', 'submitted', 'returned', 'approved'];

export interface ReviewPage {
  round: RoundRow;
  /** '' for every sheet */
  status: InspectionStatus | '';
  rows: (SubmissionRow & { site_type_name: string })[];
}

/** GET /rounds/:id/review?status=…: the round's sheets, of one status or all (400 for a filter not offered). */
export function reviewPage(ctx: RoundCtx, actor: Actor, roundId: number, status: string): ReviewPage {
  const round = managedRound(ctx.db, actor, roundId);
  if (status && !REVIEW_FILTERS.includes(status)) throw new InvalidInput('状态筛选无效');
  const filter = (status || null) as InspectionStatus | null;
  const types = siteTypeNames(ctx.db);
  const rows = listSubmissions(ctx.db, round.id, filter).map((s) => ({
    ...s,
    site_type_name: types.get(s.site_type) ?? s.site_type,
  }));
  return { round, status: filter ?? '', rows };
}

/** An inspector on duty, as the 测评分工 page offers them. */
export interface InspectorChoice {
  id: number;
  name: string;
  homeStreetId: number | null;
}

export interface AssignmentsPage {
  round: RoundRow;
  /** every site of the round; `avoid`: its inspector lives in its 镇街 (回避) */
  rows: (AssignmentRow & { avoid: boolean })[];
  inspectors: InspectorChoice[];
  streets: StreetRow[];
  communities: CommunityRow[];
  byInspector: ProgressRow[];
  byStreet: ProgressRow[];
  policy: AvoidancePolicy;
  /** assignments and exclusions may change until the round closes */
  editable: boolean;
}

/** GET /rounds/:id/assignments. */
export function assignmentsPage(ctx: RoundCtx, actor: Actor, roundId: number): AssignmentsPage {
  const round = managedRound(ctx.db, actor, roundId);
  const inspectors = listUsers(ctx.db, 'inspector')
    .filter((u) => u.active)
    .map((u) => ({ id: u.id, name: u.display_name, homeStreetId: u.home_street_id }));
  const homeOf = new Map(inspectors.map((i) => [i.id, i.homeStreetId]));
  return {
    round,
    rows: roundAssignments(ctx.db, round.id).map((a) => ({
      ...a,
      avoid: a.inspector_id !== null && homeOf.get(a.inspector_id) === a.street_id,
    })),
    inspectors,
    streets: listStreets(ctx.db),
    communities: listCommunities(ctx.db),
    byInspector: progressByInspector(ctx.db, round.id),
    byStreet: progressByStreet(ctx.db, round.id),
    policy: avoidancePolicy(ctx.db),
    editable: round.status === 'draft' || round.status === 'open',
  };
}
