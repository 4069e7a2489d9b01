/**
 * The 12345 outcome workbook (办理结果): one row per work order — 工单号, 受理时间, 承办单位 as the platform
 * spelled it, the unit now responsible, 办理状态, 整改期限, 办结时间 and 回复内容 — for the office to paste
 * back into the hotline platform. Streamed by exceljs's WorkbookWriter without shared strings, page by
 * page, so a year of orders never sits in memory. The platform's and residents' text that starts with
 * = + - @ stays text (the Text format and quotePrefix, as every workbook of the app).
 */
import ExcelJS from 'exceljs';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import {
  instantToSerial,
  isFormulaLike,
  TEXT_FORMAT,
  TIME_FORMAT,
  withQuotePrefix,
} from '../excel/formats.ts';
import { cellText } from './survey-answers.ts';
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

interface Zip {
  append(data: string, opts: { name: string }): void;
}

/** Streams the workbook into `out`; resolves when every byte is written. */
export async function writeOutcomesWorkbook(data: OutcomeExport, out: Writable): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: true,
    useSharedStrings: false,
  });
  // the styles part is written last, after every row: add quotePrefix to the Text format's styles there
  const writer = wb as unknown as { addStyles(): Promise<void>; zip: Zip; styles: { xml: string } };
  writer.addStyles = async () =>
    writer.zip.append(withQuotePrefix(writer.styles.xml), { name: 'xl/styles.xml' });
  const ws = wb.addWorksheet('办理结果', { views: [{ state: 'frozen', xSplit: 1, ySplit: 1 }] });
  ws.columns = COLUMNS.map(([, width], i) => ({
    width,
    ...(i === 1 || i === 6 ? { style: { numFmt: TIME_FORMAT } } : {}),
    ...(i === 7 ? { style: { alignment: { wrapText: true, vertical: 'top' as const } } } : {}),
  }));
  const header = ws.addRow(COLUMNS.map(([h]) => h));
  header.font = { bold: true };
  header.commit();
  let after = 0;
  for (let rows = data.page(after); rows.length; rows = data.page(after)) {
    for (const o of rows) {
      const row = ws.addRow([
        cellText(o.order_no),
        instantToSerial(new Date(o.received_at)),
        cellText(o.handler),
        o.unit_name ?? '',
        HOTLINE_STATE_NAMES[o.state],
        deadlineWords(o),
        o.closed_at ? instantToSerial(new Date(o.closed_at)) : null,
        cellText(replyText(o)),
        cellText(o.batch),
      ]);
      row.eachCell((cell) => {
        if (isFormulaLike(cell.value)) cell.numFmt = TEXT_FORMAT;
      });
      row.commit();
    }
    after = rows[rows.length - 1]!.problem_id;
    // let the bytes written so far leave before reading the next page
    await new Promise((resolve) => setImmediate(resolve));
  }
  ws.commit();
  await wb.commit();
  await finished(out);
}
