/**
 * The vocabulary of the table engine: what a table looks like (TableSpec, Column), how one cell
 * becomes a value (CellParser) and what a read returns (ReadResult). Each import — sites, units,
 * users, assignments, criteria — is one TableSpec; the engine itself knows nothing about them.
 */

/**
 * A cell after normalisation: trimmed text, a number, a boolean, or a date. Empty and
 * whitespace-only cells are null and never reach a parser. A Date holds Excel's wall-clock value in
 * its UTC fields (Excel dates have no time zone; see cells.ts).
 */
export type CellValue = string | number | boolean | Date | null;

/** What a parser returns to reject a cell; the message completes「第N行「列」…」. */
export interface CellError {
  error: string;
}

export interface ParseContext {
  /** the row number Excel shows */
  row: number;
}

/** Turns one non-empty cell into a value, or rejects it; may describe itself for templates. */
export interface CellParser<T = unknown> {
  (raw: Exclude<CellValue, null>, ctx: ParseContext): T | CellError;
  /** the only values allowed: listed in the template's 说明 sheet and offered as a dropdown */
  allowed?: readonly string[];
  /** one line for the 说明 sheet, e.g. '整数，1～365' */
  hint?: string;
  /** number format for the cells format() writes, e.g. 'yyyy-mm-dd' */
  numFmt?: string;
  /** value → cell, the inverse of the parser, for exports and prefilled templates */
  format?(value: T): CellValue;
}

export interface Column<K extends string = string> {
  /** field name in the parsed row object */
  key: K;
  /** Chinese header text, e.g. '点位名称' */
  header: string;
  /** an empty cell is an error (and the column itself must be present) */
  required?: boolean;
  /** a value may appear only once; the later row is reported, naming the earlier one */
  unique?: boolean;
  /** other accepted header spellings */
  aliases?: string[];
  /** column width in Excel units (about one Latin character; a Chinese character is two) */
  width?: number;
  /** shown in the template's 说明 sheet and as the header's comment */
  note?: string;
  example?: string | number;
  /** cell → value; without one the cell is read as text */
  parse?: CellParser;
  /**
   * Values offered as the template's dropdown when the parser takes free text (today's 镇街, unit
   * names …); the import still checks them against the database.
   */
  choices?: readonly string[];
  /** with choices: Excel refuses other values; otherwise it only warns (codes are accepted too) */
  choicesOnly?: boolean;
}

export interface TableSpec {
  /** what the rows are, e.g. '点位'; used in titles and the 说明 sheet */
  name: string;
  /** the sheet to read (the first sheet when absent) and to write */
  sheetName: string;
  columns: Column[];
  /** default 5000 */
  maxRows?: number;
  /** refuse the file when no sheet is called sheetName (for workbooks of several tables) */
  sheetRequired?: boolean;
  /** appended to the message about unknown columns, e.g. how dynamic columns are named */
  unknownColumnHint?: string;
}

export interface RowError {
  /** the row number Excel shows */
  row: number;
  /** the column's header */
  column: string;
  message: string;
}

export interface ReadFailure {
  ok: false;
  /** the whole file was refused (not a workbook, wrong columns, too many rows) */
  fatal?: string;
  /** the first MAX_ERRORS row errors, in row order */
  errors: RowError[];
  /** row errors beyond those listed */
  omitted: number;
  /** everything above as plain lines for a page: the fatal message, or one line per error */
  messages: string[];
  /** with row errors (not a fatal one): the rows that read without a problem */
  validRows?: Array<Record<string, unknown> & { _row: number }>;
}

export type ReadResult<T> =
  | {
      ok: true;
      rows: Array<T & { _row: number }>;
      /** keys of the columns the file has: an absent optional column is not the same as an empty one */
      columns: string[];
    }
  | ReadFailure;

export function isCellError(value: unknown): value is CellError {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Date) &&
    Object.keys(value).length === 1 &&
    typeof (value as CellError).error === 'string'
  );
}
