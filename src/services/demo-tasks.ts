/**
 * The demo's 综合测评 round: 实地考察 + 材料审核 + 问卷调查 on the 2026 edition's second release (its
 * questionnaire frozen as it opens; the answers are seeded by demo-surveys.ts), opened 25 days
 * ago, so the tasks due 20 days from the start have passed (逾期未交 where nobody submitted) while those
 * due later or on a fixed date are still ahead. Units with a demo login (幸福社区, 东湖街道, 区城管局) have
 * submitted real files — PDFs with photos, photos, a PNG, an .xlsx 统计表格 — and the office has scored,
 * sent back and extended some, so the review queue, the completeness board and the 材料包 show every
 * state: 未提交, 逾期未交, 已提交, 退回补充, 已评分 合格 and 不合格 (the loss becomes a 材料 problem).
 *
 * The steps go through `DemoTaskSteps`, one small adapter. The office's steps (评分, 退回补充, 延期) are
 * the review services' (task-review.ts), so the 材料 problem of a loss is raised by the real code. The
 * units' uploads and submissions are written through the repositories (storeDocument +
 * insertDocumentFile + updateTask + appendTaskEvent + the audit log, as task-submit.ts does) because in
 * the story they happened days ago, before deadlines that have since passed — task-submit.ts rightly
 * refuses a change past the deadline today; the submission keeps the day it was made.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/connection.ts';
import { atomically } from '../db/connection.ts';
import { appendAudit } from '../db/repos/audit.ts';
import {
  appendTaskEvent,
  findTaskById,
  insertDocumentFile,
  roundTasks,
  updateTask,
  type DocumentTaskRow,
} from '../db/repos/document-tasks.ts';
import { listCommunities, listStreets } from '../db/repos/places.ts';
import { findUserById, findUserByUsername, listUsers, type UserRow } from '../db/repos/users.ts';
import { findUnitById } from '../db/repos/units.ts';
import { seededRandom } from '../util/random.ts';
import { createUser } from './accounts.ts';
import { SYSTEM } from './access.ts';
import { inspectDocument } from '../documents/inspect.ts';
import { storeDocument, type StoredDocument } from '../documents/store.ts';
import type { DocumentKind } from '../documents/kinds.ts';
import { tmpDir } from '../photos/files.ts';
import { addDays } from '../util/time.ts';
import type { CriteriaCache } from './criteria-registry.ts';
import { extendTask, returnTask, scoreTask } from './task-review.ts';
import { demoTaskFiles, type DemoFile } from './demo-task-files.ts';
import { createRound, openRound } from './rounds.ts';

export const DEMO_TASKS_CRITERIA_CODE = 'district-2026-2';
export const DEMO_TASKS_ROUND_NAME = '2026年12月综合测评';

/** What the demo does to a task; the day a step happened is given where the task row records it. */
export interface DemoTaskSteps {
  upload(task: DocumentTaskRow, user: UserRow, files: DemoFile[]): Promise<void>;
  submit(task: DocumentTaskRow, user: UserRow, note: string, on: string): void;
  score(
    task: DocumentTaskRow,
    office: UserRow,
    r: { result: 'ok' | 'fail'; cases: number; note: string },
  ): void;
  sendBack(task: DocumentTaskRow, office: UserRow, reason: string, dueOn: string): void;
  extend(task: DocumentTaskRow, office: UserRow, reason: string, dueOn: string): void;
}

/** A day's moment in ISO form (10:00 Shanghai), for the dates the task row keeps. */
const at = (day: string) => `${day}T02:00:00.000Z`;

/** The steps written through the repositories, with the same history and audit entries as the services. */
export function demoSteps(db: Db, criteria: CriteriaCache, uploadDir: string): DemoTaskSteps {
  const revisionOf = (t: DocumentTaskRow) => String(findTaskById(db, t.id)!.revision);
  const event = (
    t: DocumentTaskRow,
    user: UserRow,
    action: string,
    detail: Record<string, unknown>,
    step: { from?: string; to?: string; note?: string } = {},
  ) => {
    appendTaskEvent(db, { taskId: t.id, userId: user.id, action, ...step, data: detail });
    appendAudit(db, {
      userId: user.id,
      action: `task.${action}`,
      entity: 'task',
      entityId: t.id,
      roundId: t.round_id,
      detail: { task: t.id, standard: t.standard_code, ...detail },
    });
  };
  return {
    async upload(t, user, files) {
      const dir = tmpDir(uploadDir);
      await mkdir(dir, { recursive: true });
      const stored: (StoredDocument & { kind: DocumentKind; name: string })[] = [];
      for (const f of files) {
        const path = join(dir, `demo-${randomUUID()}`);
        await writeFile(path, f.bytes);
        try {
          const kind = await inspectDocument(path, f.name);
          stored.push({ ...(await storeDocument(uploadDir, path)), kind, name: f.name });
        } finally {
          await rm(path, { force: true });
        }
      }
      atomically(db, () => {
        const ids = stored.map((s) =>
          insertDocumentFile(db, {
            taskId: t.id,
            sha256: s.sha256,
            name: s.name,
            kind: s.kind,
            bytes: s.bytes,
            uploadedBy: user.id,
          }),
        );
        event(t, user, 'upload', {
          files: stored.map((s, i) => ({ id: ids[i], name: s.name, sha256: s.sha256 })),
        });
      });
    },
    submit(t, user, note, on) {
      atomically(db, () => {
        updateTask(db, t.id, { status: 'submitted', note, submitted_at: at(on), submitted_by: user.id });
        event(t, user, 'submit', {}, { from: t.status, to: 'submitted', note });
      });
    },
    // the office's steps are the review services' own (the 材料 problem of a loss included)
    score(t, office, r) {
      scoreTask({ db, criteria }, office, t.round_id, t.id, {
        result: r.result,
        cases: String(r.cases),
        note: r.note,
        revision: revisionOf(t),
      });
    },
    sendBack(t, office, reason, dueOn) {
      returnTask({ db, criteria }, office, t.round_id, t.id, { reason, dueOn, revision: revisionOf(t) });
    },
    extend(t, office, reason, dueOn) {
      extendTask({ db, criteria }, office, t.round_id, t.id, { reason, dueOn, revision: revisionOf(t) });
    },
  };
}

/** Seeds the round and its tasks' stories; returns the round's id. */
export async function seedDemoTasks(
  db: Db,
  criteria: CriteriaCache,
  uploadDir: string,
  office: UserRow,
  today: string,
  steps: DemoTaskSteps = demoSteps(db, criteria, uploadDir),
): Promise<number> {
  const { id: versionId } = criteria.getByCode(DEMO_TASKS_CRITERIA_CODE);
  const roundId = createRound({ db, criteria }, office, {
    name: DEMO_TASKS_ROUND_NAME,
    criteriaVersionId: versionId,
    startsOn: addDays(today, -25),
    endsOn: addDays(today, 23),
    selection: { mode: 'all' },
    methods: ['field', 'document', 'survey'],
  });
  openRound(db, office, roundId);

  const tasks = roundTasks(db, roundId);
  const communityId = (name: string) => listCommunities(db).find((c) => c.name === name)!.id;
  const streetId = (name: string) => listStreets(db).find((s) => s.name === name)!.id;
  const task = (code: string, place: { community?: string; street?: string; department?: string }) => {
    const found = tasks.find(
      (t) =>
        t.standard_code === code &&
        (place.community === undefined || t.community_id === communityId(place.community)) &&
        (place.street === undefined || (t.level === 'street' && t.street_id === streetId(place.street))) &&
        (place.department === undefined || t.department === place.department),
    );
    if (!found) throw new Error(`demo: no task ${code} for ${JSON.stringify(place)}`);
    return found;
  };
  const user = (username: string) => findUserByUsername(db, username)!;
  const xingfu = user('xingfu');
  const donghu = user('donghu');
  const chengguan = user('chengguan');
  const files = await demoTaskFiles();
  const day = (n: number) => addDays(today, n);
  const submitted = async (t: DocumentTaskRow, u: UserRow, f: DemoFile[], note: string, on: string) => {
    await steps.upload(t, u, f);
    steps.submit(t, u, note, on);
  };

  // 幸福社区: 合格, 不合格 with missing items (→ a 材料 problem), 退回补充, waiting for review, 延期
  const volunteering = task('B01-D1', { community: '幸福社区' });
  await submitted(
    volunteering,
    xingfu,
    [
      files.pdf('志愿服务活动记录（9-11月）.pdf', 'Volunteer service records, Sep-Nov 2026', [0, 1]),
      files.photos[0]!,
      files.photos[1]!,
    ],
    '9至11月志愿服务活动计划、签到表及活动照片。',
    day(-10),
  );
  steps.score(volunteering, office, { result: 'ok', cases: 0, note: '活动记录完整，照片清晰。' });

  const roster = task('B02-D1', { community: '幸福社区' });
  await submitted(roster, xingfu, [files.volunteerTable], '已与全国志愿服务信息系统数据核对。', day(-9));
  steps.score(roster, office, { result: 'ok', cases: 0, note: '' });

  const sorting = task('C02-D1', { community: '幸福社区' });
  await submitted(
    sorting,
    xingfu,
    [files.pdf('垃圾分类督导台账.pdf', 'Waste sorting supervision ledger', [2]), files.photos[2]!],
    '',
    day(-8),
  );
  steps.score(sorting, office, { result: 'fail', cases: 2, note: '缺少10月、11月桶边督导值守记录' });

  const goodPeople = task('A01-D2', { community: '幸福社区' });
  await submitted(
    goodPeople,
    xingfu,
    [files.pdf('道德讲堂活动记录.pdf', 'Moral lecture hall records 2026', [3])],
    '',
    day(-7),
  );
  steps.sendBack(goodPeople, office, '缺少第三季度“好人榜”更新的公示照片，请补充后重新提交', day(5));

  const pledge = task('C01-D1', { community: '幸福社区' });
  await submitted(
    pledge,
    xingfu,
    [files.pdf('居民公约（修订稿）.pdf', 'Residents pledge (revised 2026)', []), files.png],
    '居民公约已经居民会议表决通过，公示照片附后。',
    day(-6),
  );

  const minors = task('A03-D2', { community: '幸福社区' });
  steps.extend(minors, office, '社区换届，活动记录正在整理，同意延期', day(4));

  // 东湖街道: one 合格, one waiting for review (due today); 区城管局: waiting for review
  const ledger = task('F02-D1', { street: '东湖街道' });
  await submitted(
    ledger,
    donghu,
    [files.pdf('东湖街道创建工作台账.pdf', 'Donghu street civilization work ledger', [0, 2, 3])],
    '含工作方案、任务分解、督查通报及整改销号记录。',
    day(-8),
  );
  steps.score(ledger, office, { result: 'ok', cases: 0, note: '' });

  const summary = task('B01-D2', { street: '东湖街道' });
  await submitted(
    summary,
    donghu,
    [files.pdf('新时代文明实践所年度工作总结.pdf', 'Annual summary 2026', [])],
    '',
    day(-1),
  );

  const stalls = task('C03-D2', { department: '城管局' });
  await submitted(
    stalls,
    chengguan,
    [files.pdf('占道经营专项整治方案.pdf', 'Street vending campaign plan', [1]), files.photos[3]!],
    '附11月执法记录照片。',
    day(-9),
  );

  // the other units: most sent their materials before the deadline (已评分 合格, or 已提交 waiting for the
  // office); about one in seven did not (逾期未交, 0 points). Their 材料员 accounts have no demo password.
  const told = new Set(
    [volunteering, roster, sorting, goodPeople, pledge, minors, ledger, summary, stalls].map((t) => t.id),
  );
  const rand = seededRandom(20261202);
  const materials = files.pdf('工作材料汇编.pdf', 'Work materials 2026', []);
  const clerks = new Map<number, UserRow>();
  const clerkOf = async (unitId: number): Promise<UserRow> => {
    const known = clerks.get(unitId) ?? listUsers(db, 'unit').find((u) => u.unit_id === unitId);
    if (known) return known;
    const unit = findUnitById(db, unitId)!;
    const id = await createUser(db, SYSTEM, {
      username: `clerk-${unit.code.toLowerCase()}`,
      password: randomUUID(),
      role: 'unit',
      displayName: `${unit.name}材料员`,
      unit: unit.code,
    });
    const clerk = findUserById(db, id)!;
    clerks.set(unitId, clerk);
    return clerk;
  };
  for (const t of roundTasks(db, roundId)) {
    if (told.has(t.id) || t.status !== 'pending' || t.unit_id === null || t.due_on >= today) continue;
    const draw = rand();
    if (draw < 0.15) continue;
    const clerk = await clerkOf(t.unit_id);
    await submitted(t, clerk, [materials], '', addDays(t.due_on, -1 - Math.floor(rand() * 6)));
    if (draw >= 0.3) steps.score(t, office, { result: 'ok', cases: 0, note: '' });
  }
  return roundId;
}
