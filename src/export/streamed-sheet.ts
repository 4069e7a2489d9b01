/**
 * One streamed sheet of rows read page by page (keyset pagination), for exports too large to hold in
 * memory: exceljs's WorkbookWriter without shared strings, each row committed as it is written, a
 * pause between pages so the bytes written so far can leave. Text that starts with = + - @ stays text
 * (the Text format, and quotePrefix added to those styles as the styles part is written, last).
 */
import ExcelJS from 'exceljs';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { isFormulaLike, TEXT_FORMAT, withQuotePrefix } from '../excel/formats.ts';

interface Zip {
  append(data: string, opts: { name: string }): void;
}

export interface StreamedSheet<T> {
  name: string;
  /** frozen columns on the left (the header row is always frozen) */
  frozenColumns: number;
  columns: Partial<ExcelJS.Column>[];
  header: string[];
  /** the rows after the one whose key is given (0: the first page); an empty page ends the sheet */
  page(after: number): T[];
  key(row: T): number;
  cells(row: T): unknown[];
}

/** Streams the sheet into `out`; resolves when every byte is written. */
export async function writeStreamedSheet<T>(sheet: StreamedSheet<T>, out: Writable): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: true,
    useSharedStrings: false,
  });
  // the styles part is written last, after every row: add quotePrefix to the Text format's styles there
  const writer = wb as unknown as { addStyles(): Promise<void>; zip: Zip; styles: { xml: string } };
  writer.addStyles = async () =>
    writer.zip.append(withQuotePrefix(writer.styles.xml), { name: 'xl/styles.xml' });
  const ws = wb.addWorksheet(sheet.name, {
    views: [{ state: 'frozen', xSplit: sheet.frozenColumns, ySplit: 1 }],
  });
  ws.columns = sheet.columns;
  const header = ws.addRow(sheet.header);
  header.font = { bold: true };
  header.alignment = { wrapText: true, vertical: 'top' };
  header.commit();
  let after = 0;
  for (let rows = sheet.page(after); rows.length; rows = sheet.page(after)) {
    for (const r of rows) {
      const row = ws.addRow(sheet.cells(r));
      row.eachCell((cell) => {
        if (isFormulaLike(cell.value)) cell.numFmt = TEXT_FORMAT;
      });
      row.commit();
    }
    after = sheet.key(rows[rows.length - 1]!);
    // let the bytes written so far leave before reading the next page
    await new Promise((resolve) => setImmediate(resolve));
  }
  ws.commit();
  await wb.commit();
  await finished(out);
}
