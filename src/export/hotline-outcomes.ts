/**
 * The 12345 outcome workbook (办理结果): one row per work order — 工单号, 受理时间, 承办单位 as the platform
 * spelled it, the unit now responsible, 办理状态, 整改期限, 办结时间 and 回复内容 — for the office to paste
 * back into the hotline platform. Streamed page by page (streamed-sheet.ts), so a year of orders never
 * sits in memory; the platform's text that starts with = + - @ stays text.
 */
import type { Writable } from 'node:stream';
import { instantToSerial, TIME_FORMAT } from '../excel/formats.ts';
import { cellText } from './survey-answers.ts';
import { writeStreamedSheet } from './streamed-sheet.ts';
import { HOTLINE_STATE_NAMES } from '../labels.ts';
import { deadlineWords } from '../services/deadlines.ts';
import { replyText, type OutcomeExport } from '../services/hotline.ts';

const COLUMNS: [header: string, width: number][] = [
  ['工单号', 20],
  ['受理时间', 17],
  ['承办单位', 18],
  ['现责任单位', 18],
  ['办理状态', 12],
  ['整改期限', 17],
  ['办结时间', 17],
  ['回复内容', 60],
  ['导入批次', 18],
];
const TIMES = new Set([1, 6]);

/** Streams the workbook into `out`; resolves when every byte is written. */
export function writeOutcomesWorkbook(data: OutcomeExport, out: Writable): Promise<void> {
  return writeStreamedSheet(
    {
      name: '办理结果',
      frozenColumns: 1,
      columns: COLUMNS.map(([, width], i) => ({
        width,
        ...(TIMES.has(i) ? { style: { numFmt: TIME_FORMAT } } : {}),
      })),
      header: COLUMNS.map(([h]) => h),
      page: data.page,
      key: (o) => o.problem_id,
      cells: (o) => [
        cellText(o.order_no),
        instantToSerial(new Date(o.received_at)),
        cellText(o.handler),
        o.unit_name ?? '',
        HOTLINE_STATE_NAMES[o.state],
        deadlineWords(o),
        o.closed_at ? instantToSerial(new Date(o.closed_at)) : null,
        cellText(replyText(o)),
        cellText(o.batch),
      ],
    },
    out,
  );
}
