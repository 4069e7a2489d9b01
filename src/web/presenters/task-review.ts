/**
 * The office's 材料任务 pages as the templates read them: names, dates, states and points formatted; the
 * scoring rule of a standard in words with what each choice costs (so the reviewer sees the score a
 * missing-item count or a case count gives before saving, without script).
 */
import type { IndexedStandard } from '../../criteria/load.ts';
import type { Rules } from '../../criteria/schema.ts';
import type { DocumentFileRow } from '../../db/repos/document-tasks.ts';
import { DOCUMENT_KINDS } from '../../documents/kinds.ts';
import { gradeFor } from '../../scoring/standard.ts';
import type { TaskState } from '../../services/document-tasks.ts';
import type { QueueRow, ReviewPage } from '../../services/task-board.ts';
import { formatShanghai } from '../../util/time.ts';
import {
  MATERIAL_NAMES,
  METHOD_NAMES,
  DEADLINE_UNIT_NAMES,
  NO_UNIT_NAME,
  PROBLEM_STATUS_NAMES,
  TASK_EVENT_NAMES,
  TASK_STATE_NAMES,
} from '../../labels.ts';

const round4 = (n: number) => Math.round(n * 10000) / 10000;

export const shorten = (text: string, max = 36): string =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;

/** The badge class of a state (the sheets' colours: waiting on the office is blue, sent back amber …). */
export const STATE_CLASS: Record<TaskState, string> = {
  pending: 'state-none',
  submitted: 'state-submitted',
  returned: 'state-returned',
  overdue: 'red-badge',
  scored: 'state-approved',
};

export function queueRowView(r: QueueRow, roundId: number) {
  return {
    href: `/rounds/${roundId}/tasks/${r.task.id}`,
    item: r.standard.item.name,
    code: r.standard.code,
    text: shorten(r.standard.text),
    fullText: r.standard.text,
    method: METHOD_NAMES[r.standard.method],
    unit: r.unitName ?? NO_UNIT_NAME,
    noUnit: r.task.unit_id === null,
    place: r.place.name,
    placeHref: r.place.href,
    deadline: r.deadline,
    extendedFrom: r.task.extended_to ? r.task.due_on : '',
    state: TASK_STATE_NAMES[r.state],
    stateClass: STATE_CLASS[r.state],
    files: r.files,
    score: r.score ? `${r.score.earned} / ${r.score.possible}` : '',
    lost: (r.score?.lost ?? 0) > 0,
  };
}

/** One line of what a score costs: the input and the points it leaves. */
interface CostLine {
  input: string;
  grade: string;
  lost: number;
  earned: number;
}

/** The standard's scoring rule in words, and a table of what each count costs. */
export function scoringRule(s: IndexedStandard, rules: Rules): { words: string; costs: CostLine[] } {
  const sc = s.scoring;
  if (sc.mode === 'passfail')
    return { words: `合格制：合格得 ${s.points} 分，不合格得 0 分（扣 ${s.points} 分）。`, costs: [] };
  if (sc.mode === 'deduction') {
    const n = Math.min(12, Math.ceil(s.points / sc.perCase));
    const costs = Array.from({ length: n }, (_, i) => {
      const lost = round4(Math.min(s.points, sc.perCase * (i + 1)));
      return { input: `缺 ${i + 1} 项`, grade: '', lost, earned: round4(s.points - lost) };
    });
    return {
      words: `扣分制：每缺 1 项扣 ${sc.perCase} 分（${sc.perCase} × 缺项数），扣完 ${s.points} 分为止。`,
      costs,
    };
  }
  const t = sc.thresholds;
  const costs = [0, t.B, t.C, t['C#']].map((cases) => {
    const grade = gradeFor(cases, t);
    const earned = round4(s.points * rules.gradeShares[grade]);
    return {
      input: cases === 0 ? '不缺' : `缺 ${cases} 次及以上`,
      grade,
      lost: round4(s.points - earned),
      earned,
    };
  });
  return {
    words: `等级制：按缺少的次数评定等级（缺 ${t.B} 次起为 B 级，${t.C} 次起为 C 级，${t['C#']} 次起为 C# 级），各等级得分为分值 × 等级系数。`,
    costs,
  };
}

export function fileView(f: DocumentFileRow) {
  const info = DOCUMENT_KINDS[f.kind];
  return {
    id: f.id,
    name: f.name,
    kind: info.label,
    inline: info.disposition === 'inline',
    size:
      f.bytes >= 1024 * 1024
        ? `${(f.bytes / 1024 / 1024).toFixed(1)} MB`
        : `${Math.max(1, Math.round(f.bytes / 1024))} KB`,
    at: formatShanghai(f.uploaded_at),
    removedAt: formatShanghai(f.removed_at),
    replaced: f.replaced_by !== null,
  };
}

export function reviewPageView(p: ReviewPage) {
  const s = p.standard;
  const task = s.task;
  return {
    roundId: p.round.id,
    roundName: p.round.name,
    taskId: p.task.id,
    revision: p.task.revision,
    status: p.task.status,
    code: s.code,
    text: s.text,
    item: `${s.item.name} / ${s.content.name}`,
    points: s.points,
    fixTime: `${s.deadlineDays} ${DEADLINE_UNIT_NAMES[s.deadlineUnit ?? 'calendar']}`,
    method: METHOD_NAMES[s.method],
    mode: s.scoring.mode,
    rule: scoringRule(s, p.rules),
    materials: (task?.materials ?? []).map((m) => MATERIAL_NAMES[m]).join('、'),
    period: task?.period ?? '',
    requirement: task?.requirement ?? '',
    unit: p.unitName ?? NO_UNIT_NAME,
    noUnit: p.task.unit_id === null,
    place: p.place,
    dueOn: p.task.due_on,
    deadline: p.deadline,
    extended: p.task.extended_to !== null,
    state: TASK_STATE_NAMES[p.state],
    stateClass: STATE_CLASS[p.state],
    canScore: (p.task.status === 'submitted' || p.task.status === 'scored') && p.round.status !== 'published',
    correcting: p.task.status === 'scored',
    canReturn: p.task.status === 'submitted' && p.round.status === 'open',
    canExtend: (p.task.status === 'pending' || p.task.status === 'returned') && p.round.status === 'open',
    roundNote:
      p.round.status === 'published'
        ? '本轮结果已发布：如需更正评分，请先撤回发布。'
        : p.round.status === 'closed'
          ? '本轮测评已结束：仍可评分，不能再退回补充或延期。'
          : '',
    note: p.task.note,
    submittedAt: formatShanghai(p.task.submitted_at),
    returnReason: p.task.return_reason ?? '',
    result: p.task.result,
    cases: p.task.cases,
    reviewNote: p.task.review_note,
    score: p.score,
    problem: p.problem
      ? {
          id: p.problem.id,
          status: PROBLEM_STATUS_NAMES[p.problem.status],
          deadline: p.problem.deadline,
          lost: p.problem.points_lost,
        }
      : null,
    files: p.files.map(fileView),
    history: p.history.map(fileView),
    events: p.events.map((e) => ({
      at: formatShanghai(e.at),
      who: e.user_name ?? '',
      name: TASK_EVENT_NAMES[e.action] ?? e.action,
      change:
        e.from_status && e.to_status && e.from_status !== e.to_status
          ? `${TASK_STATE_NAMES[e.from_status as TaskState] ?? e.from_status} → ${TASK_STATE_NAMES[e.to_status as TaskState] ?? e.to_status}`
          : '',
      note: e.note,
    })),
    today: p.today,
  };
}
