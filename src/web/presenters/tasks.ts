/**
 * A unit's 材料任务 pages in words: states by their names (逾期 in red), deadlines as 还剩 n 天 / 逾期 n 天,
 * the standard's code with its text shortened on the list, the requirement and scoring in sentences,
 * files with their type, size and links (PDFs and images open, Office and OFD files download).
 */
import type { TaskPage, UnitTask, UnitTaskList } from '../../services/task-pages.ts';
import type { DocumentFileRow } from '../../db/repos/document-tasks.ts';
import { DOCUMENT_KINDS, DOCUMENT_LIMITS } from '../../documents/kinds.ts';
import {
  MATERIAL_NAMES,
  NO_UNIT_NAME,
  ROUND_STATUS_NAMES,
  TASK_EVENT_NAMES,
  TASK_STATE_NAMES,
} from '../../labels.ts';
import { formatShanghai } from '../../util/time.ts';
import { deadlineText } from './home.ts';
import { scoringText } from './sheet.ts';

const short = (s: string, n = 40) => ([...s].length > n ? `${[...s].slice(0, n).join('')}…` : s);

const md = (date: string) => `${Number(date.slice(5, 7))}月${Number(date.slice(8, 10))}日`;

export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** What the upload form's file input accepts: every extension and MIME type of DOCUMENT_KINDS. */
export const ACCEPT_ATTRIBUTE = Object.values(DOCUMENT_KINDS)
  .flatMap((k) => [...k.extensions.map((e) => `.${e}`), k.mime])
  .join(',');

function presentDeadline(t: UnitTask['task'], state: UnitTask['state'], today: string) {
  const deadline = t.extended_to ?? t.due_on;
  const open = state === 'pending' || state === 'returned' || state === 'overdue';
  const d = deadlineText(deadline, today);
  return {
    deadline,
    deadlineDay: md(deadline),
    extended: t.extended_to !== null && t.extended_to !== t.due_on,
    dueOn: t.due_on,
    // days left only matter while the unit still has to act
    deadlineText: open ? d.text : '',
    overdue: state === 'overdue',
  };
}

function presentListTask(u: UnitTask, today: string) {
  const s = u.standard;
  return {
    id: u.task.id,
    href: `/tasks/${u.task.id}`,
    code: u.task.standard_code,
    text: s ? short(s.text) : '',
    item: s ? s.item.name : '',
    unit: u.unitName || NO_UNIT_NAME,
    state: u.state,
    stateName: TASK_STATE_NAMES[u.state],
    files: u.files,
    ...presentDeadline(u.task, u.state, today),
  };
}

export function presentTaskList(list: UnitTaskList) {
  const rounds = list.rounds.map((g) => ({
    id: g.round.id,
    name: g.round.name,
    open: g.round.status === 'open',
    statusName: ROUND_STATUS_NAMES[g.round.status],
    tasks: g.tasks.map((u) => presentListTask(u, list.today)),
  }));
  return { title: '材料任务', rounds, total: rounds.reduce((n, r) => n + r.tasks.length, 0) };
}

function presentFile(f: DocumentFileRow, users: Map<number, string>, replacedBy: Map<number, string>) {
  const kind = DOCUMENT_KINDS[f.kind];
  return {
    id: f.id,
    name: f.name,
    kindLabel: kind?.label ?? f.kind,
    inline: kind?.disposition === 'inline',
    size: sizeText(f.bytes),
    uploadedAt: formatShanghai(f.uploaded_at),
    uploadedBy: users.get(f.uploaded_by) ?? '',
    removedAt: formatShanghai(f.removed_at),
    removedBy: f.removed_by === null ? '' : (users.get(f.removed_by) ?? ''),
    replacedBy: f.replaced_by === null ? '' : (replacedBy.get(f.replaced_by) ?? ''),
    view: `/documents/${f.id}`,
    download: `/documents/${f.id}?download=1`,
  };
}

function eventText(action: string, data: string | null): string {
  const d = data ? (JSON.parse(data) as Record<string, unknown>) : {};
  const names = (list: unknown) =>
    Array.isArray(list)
      ? list
          .map((f) =>
            f && typeof f === 'object' && 'name' in f ? String((f as { name: unknown }).name) : '',
          )
          .filter(Boolean)
          .join('、')
      : '';
  const one = (f: unknown) => (f && typeof f === 'object' && 'name' in f ? String(f.name) : '');
  if (action === 'upload') return names(d.files);
  if (action === 'remove') return one(d.file);
  if (action === 'replace') return `${one(d.old)} → ${one(d.new)}`;
  if (action === 'extend' && typeof d.to === 'string') return `延至 ${d.to}`;
  if (action === 'return' && typeof d.dueOn === 'string') return `新的提交期限 ${d.dueOn}`;
  return '';
}

export function presentTaskPage(page: TaskPage) {
  const { task, standard, state } = page;
  const names = new Map([...page.files, ...page.history].map((f) => [f.id, f.name]));
  return {
    title: `材料任务 · ${task.standard_code}`,
    id: task.id,
    roundName: page.round.name,
    unit: page.unitName || NO_UNIT_NAME,
    code: task.standard_code,
    standardText: standard?.text ?? '',
    item: standard ? `${standard.item.code} ${standard.item.name}` : '',
    content: standard ? `${standard.content.code} ${standard.content.name}` : '',
    scoring: standard ? scoringText(standard.points, standard.scoring) : '',
    materials: (standard?.task?.materials ?? []).map((m) => MATERIAL_NAMES[m]),
    period: standard?.task?.period ?? '',
    requirement: standard?.task?.requirement ?? '',
    guidance: standard?.guidance ?? '',
    state,
    stateName: TASK_STATE_NAMES[state],
    returned: task.status === 'returned' || (state === 'overdue' && task.return_reason !== null),
    returnReason: task.return_reason ?? '',
    reviewNote: task.review_note,
    submittedAt: formatShanghai(task.submitted_at),
    submittedBy: task.submitted_by === null ? '' : (page.users.get(task.submitted_by) ?? ''),
    note: task.note,
    ...presentDeadline(task, state, page.today),
    templates: page.templates.map((t) => ({
      id: t.id,
      material: MATERIAL_NAMES[t.template_material as keyof typeof MATERIAL_NAMES] ?? t.template_material,
      name: t.name,
      href: `/documents/${t.id}?download=1`,
    })),
    files: page.files.map((f) => presentFile(f, page.users, names)),
    history: page.history.map((f) => presentFile(f, page.users, names)),
    events: page.events.map((e) => ({
      at: formatShanghai(e.at),
      who: e.user_name ?? '',
      name: TASK_EVENT_NAMES[e.action] ?? e.action,
      text: eventText(e.action, e.data),
      note: e.note,
    })),
    canChange: page.canChange,
    closedReason: page.closedReason,
    room: DOCUMENT_LIMITS.maxFilesPerTask - page.files.length,
    maxFiles: DOCUMENT_LIMITS.maxFilesPerTask,
    maxMb: DOCUMENT_LIMITS.maxBytes / 1024 / 1024,
    accept: ACCEPT_ATTRIBUTE,
  };
}
