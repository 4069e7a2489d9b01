/**
 * The document tasks behind a round's totals, as the results pages show them: a 社区's and a 镇街's
 * tasks with their state, points and files (drill-down to the evidence, as answers lead to photos), and
 * the district page's figures — each method's points, where the most were lost across the methods (the
 * survey standards as the district's pooled answers score them), and the department and district tasks.
 * Access: each task is shown only when the actor may read it.
 */
import { findTaskById, taskFiles, type DocumentTaskRow } from '../db/repos/document-tasks.ts';
import type { IndexedStandard } from '../criteria/load.ts';
import { fieldFigures, type AreaMethods, type CountedTask, type MethodFigures } from '../scoring/methods.ts';
import { shanghaiDate } from '../util/time.ts';
import { can, type Actor } from './access.ts';
import { isTaskStandard, roundHasMethod, taskState, type TaskState } from './document-tasks.ts';
import type { ResultsCtx } from './results.ts';
import type { ResultsBase } from './results-pages.ts';

export interface PlaceTask {
  id: number;
  roundId: number;
  standard: IndexedStandard | undefined;
  code: string;
  level: DocumentTaskRow['level'];
  department: string | null;
  state: TaskState;
  kind: CountedTask['kind'];
  earned: number;
  possible: number;
  /** the task's current files */
  files: { id: number; name: string }[];
  /** the actor reviews it (the office: the review page), else it opens the unit's task page */
  reviewer: boolean;
}

/** The tasks of a round chosen by `which` that the actor may read, in task order, with their files. */
export function placeTasks(
  ctx: ResultsCtx,
  actor: Actor,
  base: Pick<ResultsBase, 'round' | 'results' | 'criteria'>,
  which: (t: CountedTask) => boolean,
): PlaceTask[] {
  const combined = base.results.combined;
  if (!combined) return [];
  const today = shanghaiDate();
  const shown: PlaceTask[] = [];
  for (const counted of combined.tasks) {
    if (!which(counted)) continue;
    const task = findTaskById(ctx.db, counted.id);
    if (!task) continue;
    const target = { task, round: base.round };
    if (!can(ctx.db, actor, 'task.read', target)) continue;
    shown.push({
      id: task.id,
      roundId: base.round.id,
      standard: base.criteria.byCode.get(task.standard_code),
      code: task.standard_code,
      level: task.level,
      department: task.department,
      state: taskState(task, today),
      kind: counted.kind,
      earned: counted.earned,
      possible: counted.possible,
      files: taskFiles(ctx.db, task.id)
        .filter((f) => f.removed_at === null)
        .map((f) => ({ id: f.id, name: f.name })),
      reviewer: can(ctx.db, actor, 'task.review', target),
    });
  }
  return shown;
}

/** One method's line on the district page. */
export interface MethodLine {
  method: 'field' | 'document' | 'survey';
  /** the version's standards of this method that the round counts, and their points at one place */
  standards: number;
  versionPoints: number;
  figures: MethodFigures;
  /** points of tasks not counted yet: submitted (暂定) and within their deadline */
  provisionalPoints: number;
  waitingPoints: number;
}

export interface LossItem {
  code: string;
  name: string;
  field: number;
  document: number;
  survey: number;
  total: number;
}

export interface LossStandard {
  code: string;
  method: 'field' | 'document' | 'survey';
  lost: number;
  /** answers or tasks that lost points, of those counted (a survey standard: 0 of the valid answers) */
  failures: number;
  counted: number;
}

export interface DistrictFigures {
  district: AreaMethods;
  methodLines: MethodLine[];
  lossItems: LossItem[];
  lossStandards: LossStandard[];
  /** department and district tasks */
  ownTasks: PlaceTask[];
}

const to4 = (n: number) => Math.round(n * 10000) / 10000;

/** The district's figures over every method (a field-only round: its field figures alone). */
export function districtFigures(
  base: Pick<ResultsBase, 'round' | 'results' | 'criteria'>,
  ctx?: ResultsCtx,
  actor?: Actor,
): DistrictFigures {
  const { results, criteria } = base;
  const combined = results.combined;
  const rules = criteria.version.rules;
  const field = fieldFigures(results.sites, rules);
  const district: AreaMethods = combined?.district ?? {
    field,
    document: { earned: 0, possible: 0, rate: null },
    survey: { earned: 0, possible: 0, rate: null },
    total: field.rate,
    possible: field.possible,
    tasks: { scored: 0, overdue: 0, provisional: 0, waiting: 0 },
  };
  const tasks = combined?.tasks ?? [];
  const sumOf = (kind: CountedTask['kind']) =>
    to4(tasks.filter((t) => t.kind === kind).reduce((s, t) => s + t.possible, 0));
  const fieldStandards = criteria.standards.filter((s) => s.method === 'field');
  const taskStds = criteria.standards.filter(isTaskStandard);
  const methodLines: MethodLine[] = [
    {
      method: 'field',
      standards: fieldStandards.length,
      versionPoints: to4(fieldStandards.reduce((s, x) => s + x.points, 0)),
      figures: district.field,
      provisionalPoints: 0,
      waitingPoints: 0,
    },
    ...(combined && roundHasMethod(base.round, 'document')
      ? [
          {
            method: 'document' as const,
            standards: taskStds.length,
            versionPoints: to4(taskStds.reduce((s, x) => s + x.points, 0)),
            figures: district.document,
            provisionalPoints: sumOf('provisional'),
            waitingPoints: sumOf('waiting'),
          },
        ]
      : []),
    ...(combined?.surveyDistrict
      ? [
          {
            method: 'survey' as const,
            standards: combined.surveyDistrict.standards.size,
            versionPoints: combined.surveyDistrict.possible,
            figures: district.survey,
            provisionalPoints: 0,
            waitingPoints: 0,
          },
        ]
      : []),
  ];

  // documents lost per standard: possible − earned of the scored and overdue tasks
  const docByStandard = new Map<string, { lost: number; failures: number; counted: number }>();
  for (const t of tasks) {
    if (t.kind !== 'scored' && t.kind !== 'overdue') continue;
    let st = docByStandard.get(t.standardCode);
    if (!st) docByStandard.set(t.standardCode, (st = { lost: 0, failures: 0, counted: 0 }));
    const lost = to4(t.possible - t.earned);
    st.lost = to4(st.lost + lost);
    st.counted++;
    if (lost > 0) st.failures++;
  }

  const items = new Map<string, LossItem>();
  const item = (code: string, name: string) => {
    let i = items.get(code);
    if (!i) items.set(code, (i = { code, name, field: 0, document: 0, survey: 0, total: 0 }));
    return i;
  };
  for (const w of results.weakItems) item(w.code, w.name).field = w.lost;
  const lossStandards: LossStandard[] = results.weakStandards.map((w) => ({
    code: w.code,
    method: 'field',
    lost: w.lost,
    failures: w.failures,
    counted: w.answers,
  }));
  for (const [code, st] of docByStandard) {
    const std = criteria.byCode.get(code);
    if (std) {
      const i = item(std.item.code, std.item.name);
      i.document = to4(i.document + st.lost);
    }
    lossStandards.push({ code, method: 'document', ...st });
  }
  // survey standards: what the district's pooled answers lost
  for (const [code, sc] of combined?.surveyDistrict?.standards ?? []) {
    const lost = to4(sc.possible - sc.earned);
    const std = criteria.byCode.get(code);
    if (std) item(std.item.code, std.item.name).survey = lost;
    lossStandards.push({ code, method: 'survey', lost, failures: 0, counted: sc.answers });
  }
  for (const i of items.values()) i.total = to4(i.field + i.document + i.survey);
  // stable sorts: equal losses keep version order (items) and field before documents (standards)
  const lossItems = [...items.values()].filter((i) => i.total > 0).sort((a, b) => b.total - a.total);
  lossStandards.sort((a, b) => b.lost - a.lost || b.failures - a.failures);

  return {
    district,
    methodLines,
    lossItems,
    lossStandards: lossStandards.filter((s) => s.lost > 0),
    ownTasks:
      ctx && actor
        ? placeTasks(ctx, actor, base, (t) => t.level === 'department' || t.level === 'district')
        : [],
  };
}
