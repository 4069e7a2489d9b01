/**
 * How every workbook the app writes shows its values, in one place: scores with two decimals (never
 * `0.##`, which Excel and WPS show as "254."), rates as percentages of a fraction, dates and times as
 * real Excel dates in Asia/Shanghai, and text that starts with = + - @ kept as text. For that last one
 * Excel marks the cell style `quotePrefix="1"` (what typing a leading apostrophe does): the cell stays
 * text when someone edits it, instead of becoming a formula or a number. exceljs 4.4 cannot write that
 * attribute, so such cells get the Text number format ('@') and the styles part is rewritten on its
 * way into the zip, adding quotePrefix to every cell style with that format.
 */
import type ExcelJS from 'exceljs';

export const SCORE_FORMAT = '0.00';
export const RATE_FORMAT = '0.00%';
export const COUNT_FORMAT = '0';
export const DATE_FORMAT = 'yyyy-mm-dd';
export const TIME_FORMAT = 'yyyy-mm-dd hh:mm';
/** Excel's built-in Text format; numFmtId 49 in styles.xml */
export const TEXT_FORMAT = '@';
export const TEXT_FORMAT_ID = 49;

/** Text a spreadsheet would read as a formula (=, +, -, @) when the cell is edited. */
export function isFormulaLike(value: unknown): value is string {
  return typeof value === 'string' && /^[=+\-@]/.test(value);
}

const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;
const DAY_MS = 86_400_000;
const SERIAL_1970 = 25569; // Excel's day number of 1970-01-01

/** 'YYYY-MM-DD' → Excel's day number for that calendar day (what a date cell holds). */
export function ymdToSerial(ymd: string): number {
  return Date.parse(`${ymd}T00:00:00Z`) / DAY_MS + SERIAL_1970;
}

/** A real instant → Excel's day number of its Asia/Shanghai wall-clock time, to the minute. */
export function instantToSerial(at: Date): number {
  const minutes = Math.round((at.getTime() + SHANGHAI_OFFSET_MS) / 60_000);
  return (minutes * 60_000) / DAY_MS + SERIAL_1970;
}

/** Adds quotePrefix="1" to each cell style (cellXfs) with the Text format. */
export function withQuotePrefix(stylesXml: string): string {
  return stylesXml.replace(/<cellXfs\b[\s\S]*?<\/cellXfs>/, (xfs) =>
    xfs.replace(
      new RegExp(`<xf\\b(?=[^>]*\\snumFmtId="${TEXT_FORMAT_ID}")(?![^>]*\\squotePrefix=)([^>]*?)(/?)>`, 'g'),
      '<xf$1 quotePrefix="1"$2>',
    ),
  );
}

interface StylesWriter {
  addStyles(
    zip: { append(data: string, opts: { name: string }): void },
    model: { styles: { xml: string } },
  ): Promise<void>;
}

/**
 * The workbook as xlsx bytes: every formula-like text cell formatted as Text, and the styles part
 * written with quotePrefix on those cells' styles.
 */
export async function workbookBuffer(wb: ExcelJS.Workbook): Promise<Buffer> {
  wb.eachSheet((ws) =>
    ws.eachRow((row) =>
      row.eachCell((cell) => {
        if (isFormulaLike(cell.value)) cell.numFmt = TEXT_FORMAT;
      }),
    ),
  );
  // exceljs renders the styles after every sheet, so this part sees the styles the cells use
  const writer = wb.xlsx as unknown as StylesWriter;
  writer.addStyles = async (zip, model) => {
    if (model.styles.xml) zip.append(withQuotePrefix(model.styles.xml), { name: 'xl/styles.xml' });
  };
  return Buffer.from(await wb.xlsx.writeBuffer());
}
