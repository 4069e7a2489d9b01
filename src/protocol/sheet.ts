/**
 * The scoring sheet's wire protocol, written once for the server and the tablet: the autosave batch
 * { batchId, baseRevision, changes: [{ standard, result, cases, fixedCases, note }] }, the queued submit
 * { submitId, baseRevision }, the answer part of the office's correction (a form post), and what the
 * server answers to each. The server parses with the zod schemas (services/sheets.ts,
 * services/review.ts, routes/sheets.ts); the tablet script (src/client/) imports only the types, so its
 * bundle carries no zod (zod would multiply the sheet script's size tenfold and cannot be built for the
 * tablets' Safari 14 target). No Node or database imports here, so esbuild can follow the type imports.
 *
 * Compatibility: batches queued by earlier versions of the page carry exactly these fields (no field
 * has been renamed or made required since; an earlier page left out fixedCases and note, which default),
 * and the answers only gained fields (`refused`, a conflict's `by`), so a tablet still running the
 * earlier page reads them as before.
 */
import { z } from 'zod';
import type { AnswerValues } from '../scoring/answer-rules.ts';
import { RESULT_NAMES } from '../labels.ts';

/** A scoring sheet's state on the server (测评表: 进行中 / 已提交 / 已退回 / 已通过); 'none' before the first save. */
export type SheetStatus = 'draft' | 'submitted' | 'returned' | 'approved';

/** An idempotency key made on the device (a batch's or a submit's id). */
export const clientKey = z
  .string({ error: '客户端编号无效' })
  .regex(/^[A-Za-z0-9_-]{8,64}$/, '客户端编号无效');

/** A case count (问题数, 当场整改数): from JSON as a number, from a form post as text (`coerce`). */
function count<S extends z.ZodNumber | z.ZodCoercedNumber>(base: S, word: string): S {
  return base.int(`${word}必须是整数`).min(0, `${word}不能为负数`).max(999, `${word}不能超过999`) as S;
}

/** The fields of one answer, the same for the tablet's changes and the office's correction. */
function answerFields(form: boolean) {
  const number = (word: string) =>
    form ? z.coerce.number({ error: `${word}必须是数字` }) : z.number({ error: `${word}必须是数字` });
  return {
    result: z.enum(['ok', 'fail', 'na'], { error: `结果只能是 ${Object.values(RESULT_NAMES).join(' / ')}` }),
    cases: count(number('问题数'), '问题数'),
    fixedCases: count(number('当场整改数'), '当场整改数').default(0),
    note: z.string({ error: '备注必须是文字' }).max(500, '备注不能超过500个字符').default(''),
  };
}

/** One answer of an autosave batch (or of the plain form, which the server turns into a batch). */
export const changeSchema = z.object(
  {
    standard: z.string({ error: '标准编码无效' }).min(1, '标准编码无效').max(40, '标准编码无效'),
    ...answerFields(false),
  },
  { error: '保存的内容格式无效' },
);
/** A change as the tablet sends it: every field. */
export type AnswerChange = z.output<typeof changeSchema>;
/** A change as the server accepts it (an earlier page's batch may lack fixedCases and note). */
export type AnswerChangeInput = z.input<typeof changeSchema>;

const revisionSchema = z.number({ error: '版本号无效' }).int('版本号无效').min(0, '版本号无效');

/** The batch's envelope; its changes are parsed one by one, so one refused answer holds back no other. */
export const batchSchema = z.object(
  {
    batchId: clientKey,
    baseRevision: revisionSchema,
    changes: z
      .array(z.unknown(), { error: '保存的内容格式无效' })
      .min(1, '没有要保存的内容')
      .max(300, '一次保存的内容太多'),
  },
  { error: '保存的内容格式无效' },
);
export type SaveBatch = Omit<z.output<typeof batchSchema>, 'changes'> & { changes: AnswerChange[] };

export const submitRequestSchema = z.object({
  submitId: clientKey,
  baseRevision: z.number().int().min(0),
});
export type SubmitRequest = z.output<typeof submitRequestSchema>;

/** The answer part of the office's correction (更正), a form post: numbers arrive as text. */
export const correctionAnswerSchema = z.object({
  standard: z.string({ error: '请选择要更正的标准' }).min(1, '请选择要更正的标准').max(40, '标准编码无效'),
  ...answerFields(true),
});

/** A change the server did not keep, and why (the rest of its batch was saved). */
export interface RefusedChange {
  standard: string;
  reason: string;
}

/**
 * A change from a device that had not seen a newer answer to the same standard: the answer on the
 * server stays, and the inspector chooses. `office` is the server's answer (the field's name from when
 * only the office's corrections counted); `by` says who wrote it: the office, or the inspector
 * themself on another device.
 */
export interface SaveConflict {
  standard: string;
  text: string;
  mine: AnswerValues;
  office: AnswerValues;
  by: 'office' | 'self';
}

/** The answer to an autosave batch. */
export interface SaveResult {
  revision: number;
  status: SheetStatus;
  saved: string[];
  conflicts: SaveConflict[];
  refused: RefusedChange[];
}

/** The answer to a queued submit. */
export interface SubmitResult {
  status: 'submitted';
  revision: number;
}

/** What keeps a sheet from being submitted (未评, 不符合但缺少照片), standard by standard. */
export interface SubmitBlocker {
  code: string;
  text: string;
  reason: string;
}

/** A refused request's body (4xx); a refused submit lists what blocks it. */
export interface RefusalReply {
  error: string;
  blockers?: SubmitBlocker[];
}

/** A photo the server stored, as the sheet shows it. */
export interface UploadedPhoto {
  id: number;
  thumbUrl: string;
  displayUrl: string;
  takenAt: string;
  flags: string[];
  /** null for a photo of the site as a whole */
  standard: string | null;
}

/** A sheet as the server has it (GET /api/rounds/:rid/sites/:sid). */
export interface SheetState {
  revision: number;
  status: SheetStatus | 'none';
  returnedReason: string | null;
  answers: (AnswerChange & { corrected: boolean })[];
  photos: UploadedPhoto[];
  blockers: SubmitBlocker[];
  /** My sites' card of this sheet, so the list can follow a sync without a reload */
  card: { state: SheetStatus | 'none'; stateText: string };
}
