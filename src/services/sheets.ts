/**
 * Saving a scoring sheet's answers: the autosave batches of the tablet (and of the plain form, which the
 * route turns into one batch), and the tablet's location. Submitting and returning (退回) are in
 * sheet-submit.ts.
 *
 * Save protocol (src/protocol/sheet.ts; the offline queue replays exactly this): the tablet sends a
 * batch of the changes made within a moment. batchId is generated on the device and stored with the
 * answer it got in the same transaction as the write, so a retried batch changes nothing and gets the
 * same answer. Every batch that writes raises the sheet's revision; baseRevision tells which revision
 * the device had seen. Each answer is checked on its own (scoring/answer-rules.ts, the tablet's rules
 * too), so one the server refuses never holds back the others of the same moment: it is reported back
 * with its reason instead.
 */
import { z } from 'zod';
import { issueMessage } from './validate.ts';
import type { UserRow } from '../db/repos/users.ts';
import {
  bumpRevision,
  insertInspection,
  setOpenedLocation,
  upsertAnswers,
  listAnswersOf,
  type AnswerRow,
  type AnswerWrite,
} from '../db/repos/inspections.ts';
import { answerRevisions } from '../db/repos/answer-revisions.ts';
import { findIdempotent, saveIdempotent } from '../db/repos/idempotency.ts';
import { atomically, atomicallyTogether } from '../db/connection.ts';
import { appendAudit } from '../db/repos/audit.ts';
import { Conflict, InvalidInput } from '../errors.ts';
import { checkAnswer, describeRefused } from '../scoring/answer-rules.ts';
import type { IndexedStandard } from '../criteria/load.ts';
import type { Rules } from '../criteria/schema.ts';
import { requireEditable, sheetScope, type SheetCtx } from './sheet-access.ts';
import {
  batchSchema,
  changeSchema,
  type AnswerChange,
  type RefusedChange,
  type SaveConflict,
  type SaveResult,
} from '../protocol/sheet.ts';

type Batch = z.infer<typeof batchSchema>;

/** One change of a batch: parsed, or refused with the reason (its standard's code when it has one). */
type ChangeParse = { ok: true; change: AnswerChange } | { ok: false; standard: string; reason: string };

function parseChange(raw: unknown): ChangeParse {
  const parsed = changeSchema.safeParse(raw);
  if (parsed.success) return { ok: true, change: parsed.data };
  const code = (raw as { standard?: unknown } | null)?.standard;
  return {
    ok: false,
    standard: typeof code === 'string' ? code.slice(0, 40) : '',
    reason: issueMessage(parsed.error, '保存的内容格式无效'),
  };
}

/** Checks one change against its standard and the version's rules; returns the row to write. */
export function normalizeChange(
  change: AnswerChange,
  standard: IndexedStandard,
  rules: Pick<Rules, 'onTheSpotFix'>,
): AnswerWrite {
  const checked = checkAnswer(change, standard, rules);
  if (!checked.ok)
    throw new InvalidInput(describeRefused({ standard: standard.code, reason: checked.reason }));
  return { standardCode: standard.code, ...checked.answer };
}

function answerSnapshot(a: AnswerRow | undefined) {
  return a ? { result: a.result, cases: a.cases, fixedCases: a.fixed_cases, note: a.note } : null;
}

/**
 * Saves a batch: each valid change is written, each invalid one reported in `refused` with its reason
 * (a batch whose every change is refused is a 400, so a plain bad request still reads as one).
 */
export function saveChanges(
  ctx: SheetCtx,
  user: UserRow,
  roundId: number,
  siteId: number,
  input: unknown,
): SaveResult {
  const batch = parseBatch(input);
  return atomically(ctx.db, () => applyBatch(ctx, user, roundId, siteId, batch));
}

/**
 * The tablet's autosave: the same as saveChanges, its transaction shared with the other saves and
 * submits that arrive in the same turn of the event loop (db/connection.ts, `atomicallyTogether`);
 * answered once that transaction has committed.
 */
export function saveChangesTogether(
  ctx: SheetCtx,
  user: UserRow,
  roundId: number,
  siteId: number,
  input: unknown,
): Promise<SaveResult> {
  const batch = parseBatch(input);
  return atomicallyTogether(ctx.db, () => applyBatch(ctx, user, roundId, siteId, batch));
}

function parseBatch(input: unknown): Batch {
  const parsed = batchSchema.safeParse(input);
  if (!parsed.success) throw new InvalidInput(issueMessage(parsed.error, '保存的内容格式无效'));
  return parsed.data;
}

/** A parsed batch written, replayed or refused; call inside a transaction. */
function applyBatch(ctx: SheetCtx, user: UserRow, roundId: number, siteId: number, batch: Batch): SaveResult {
  const hit = findIdempotent(ctx.db, batch.batchId);
  if (hit) {
    if (hit.userId !== user.id) throw new Conflict('请求编号冲突，请刷新页面');
    return { refused: [], ...(hit.response as Omit<SaveResult, 'refused'>) };
  }
  const scope = sheetScope(ctx, user, roundId, siteId);
  requireEditable(ctx.db, user, scope);
  const applicable = new Map(scope.standards.map((s) => [s.code, s]));
  const refused: RefusedChange[] = [];
  const writes: AnswerWrite[] = [];
  for (const raw of batch.changes) {
    const p = parseChange(raw);
    if (!p.ok) {
      refused.push({ standard: p.standard, reason: p.reason });
      continue;
    }
    const standard = applicable.get(p.change.standard);
    if (!standard) {
      refused.push({ standard: p.change.standard, reason: '不适用于该点位类型，不能填写' });
      continue;
    }
    const checked = checkAnswer(p.change, standard, scope.criteria.version.rules);
    if (checked.ok) writes.push({ standardCode: standard.code, ...checked.answer });
    else refused.push({ standard: standard.code, reason: checked.reason });
  }
  if (!writes.length) throw new InvalidInput(refused.map(describeRefused).join('；') || '保存的内容格式无效');
  const sheet = scope.sheet ?? insertInspection(ctx.db, roundId, siteId, user.id);
  // a batch from a device that had not seen the sheet's latest revision: an answer written since
  // (from another device of the same inspector, at a later revision) or by the office wins, and the
  // device is told both versions so the inspector can choose
  const stale = batch.baseRevision < sheet.revision;
  const codes = writes.map((w) => w.standardCode);
  // what the answers were: only needed to compare (stale) or to audit (a submitted sheet)
  const before = new Map(
    stale || sheet.submitted_at
      ? listAnswersOf(ctx.db, sheet.id, codes).map((a) => [a.standard_code, a])
      : [],
  );
  const revisions = stale ? answerRevisions(ctx.db, sheet.id, codes) : new Map<string, number>();
  const conflicts: SaveConflict[] = [];
  const applied = writes.filter((w) => {
    const current = before.get(w.standardCode);
    if (!stale || !current) return true;
    const byOffice = current.updated_by !== null && current.updated_by !== user.id;
    const newer = (revisions.get(w.standardCode) ?? 0) > batch.baseRevision;
    if (!byOffice && !newer) return true;
    const mine = { result: w.result, cases: w.cases, fixedCases: w.fixedCases, note: w.note };
    const server = answerSnapshot(current)!;
    if (JSON.stringify(mine) !== JSON.stringify(server))
      conflicts.push({
        standard: w.standardCode,
        text: applicable.get(w.standardCode)!.text,
        mine,
        office: server,
        by: byOffice ? 'office' : 'self',
      });
    return false;
  });
  // the revision this save produces, stamped on the answers it writes in the same statement
  const revision = applied.length ? bumpRevision(ctx.db, sheet.id) : sheet.revision;
  upsertAnswers(ctx.db, sheet.id, applied, user.id, false, applied.length ? revision : undefined);
  for (const w of applied) {
    if (sheet.submitted_at) {
      appendAudit(ctx.db, {
        userId: user.id,
        action: 'answer.change',
        entity: 'inspection',
        entityId: sheet.id,
        roundId,
        siteId,
        detail: {
          standard: w.standardCode,
          old: answerSnapshot(before.get(w.standardCode)),
          new: { result: w.result, cases: w.cases, fixedCases: w.fixedCases, note: w.note },
        },
      });
    }
  }
  const result: SaveResult = {
    revision,
    status: sheet.status,
    saved: applied.map((w) => w.standardCode),
    conflicts,
    refused,
  };
  saveIdempotent(ctx.db, batch.batchId, user.id, result);
  return result;
}

const locationSchema = z.object({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) });

export function recordLocation(
  ctx: SheetCtx,
  user: UserRow,
  roundId: number,
  siteId: number,
  input: unknown,
): void {
  const parsed = locationSchema.safeParse(input);
  if (!parsed.success) throw new InvalidInput('位置信息无效');
  atomically(ctx.db, () => {
    const scope = sheetScope(ctx, user, roundId, siteId);
    requireEditable(ctx.db, user, scope);
    const sheet = scope.sheet ?? insertInspection(ctx.db, roundId, siteId, user.id);
    setOpenedLocation(ctx.db, sheet.id, parsed.data.lat, parsed.data.lng);
  });
}
