/**
 * The tablet's wire protocol for a scoring sheet, as the server reads it: an autosave batch
 * { batchId, baseRevision, changes: [{ standard, result, cases, fixedCases, note }] }, the submit
 * { submitId, baseRevision }, and what a save answers. The envelope is checked as a whole (a batch
 * without an id cannot be deduplicated); each change on its own, so one answer the server refuses never
 * holds back the others of the same moment — it is reported back with its reason instead.
 *
 * Compatibility: batches queued by earlier versions of the page carry exactly these fields (no field
 * has been renamed or made required since), and the answer only gained fields (`refused`, a conflict's
 * `by`), so a tablet still running the earlier page reads it as before.
 */
import { z } from 'zod';
import { issueMessage } from './validate.ts';
import type { InspectionRow } from '../db/repos/inspections.ts';
import type { AnswerValues } from '../scoring/answer-rules.ts';

export const clientKey = z
  .string({ error: '客户端编号无效' })
  .regex(/^[A-Za-z0-9_-]{8,64}$/, '客户端编号无效');

export const changeSchema = z.object(
  {
    standard: z.string({ error: '标准编码无效' }).min(1, '标准编码无效').max(40, '标准编码无效'),
    result: z.enum(['ok', 'fail', 'na'], { error: '结果只能是 符合 / 不符合 / 不适用' }),
    cases: z
      .number({ error: '问题数必须是数字' })
      .int('问题数必须是整数')
      .min(0, '问题数不能为负数')
      .max(999, '问题数不能超过999'),
    fixedCases: z
      .number({ error: '当场整改数必须是数字' })
      .int('当场整改数必须是整数')
      .min(0, '当场整改数不能为负数')
      .max(999, '当场整改数不能超过999')
      .default(0),
    note: z.string({ error: '备注必须是文字' }).max(500, '备注不能超过500个字符').default(''),
  },
  { error: '保存的内容格式无效' },
);
export type AnswerChange = z.input<typeof changeSchema>;
export type ParsedChange = z.output<typeof changeSchema>;

const revisionSchema = z.number({ error: '版本号无效' }).int('版本号无效').min(0, '版本号无效');

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
export type SaveBatch = z.input<typeof batchSchema>;

/** One change of a batch: parsed, or refused with the reason (its standard's code when it has one). */
export type ChangeParse =
  { ok: true; change: ParsedChange } | { ok: false; standard: string; reason: string };

export function parseChange(raw: unknown): ChangeParse {
  const parsed = changeSchema.safeParse(raw);
  if (parsed.success) return { ok: true, change: parsed.data };
  const code = (raw as { standard?: unknown } | null)?.standard;
  return {
    ok: false,
    standard: typeof code === 'string' ? code.slice(0, 40) : '',
    reason: issueMessage(parsed.error, '保存的内容格式无效'),
  };
}

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

export interface SaveResult {
  revision: number;
  status: InspectionRow['status'];
  saved: string[];
  conflicts: SaveConflict[];
  refused: RefusedChange[];
}

export const submitRequestSchema = z.object({
  submitId: clientKey,
  baseRevision: z.number().int().min(0),
});

export interface SubmitResult {
  status: 'submitted';
  revision: number;
}

/** The words of a refused change, for a message: "标准 A01-2：选择“不符合”时至少记录1处问题". */
export function describeRefused(r: RefusedChange): string {
  return r.standard ? `标准 ${r.standard}：${r.reason}` : r.reason;
}
