/**
 * The table import/export engine for office staff's spreadsheets (sites, units, users,
 * assignments, criteria): strict, row-numbered validation on the way in, tidy workbooks and
 * self-explaining templates on the way out. Callers import from here.
 */
export type {
  CellError,
  CellParser,
  CellValue,
  Column,
  ParseContext,
  ReadFailure,
  ReadResult,
  RowError,
  TableSpec,
} from './types.ts';
export { isCellError } from './types.ts';
export { date, integer, number, oneOf, raw, text, tick, yesNo } from './parsers.ts';
export {
  DEFAULT_MAX_ROWS,
  MAX_ERRORS,
  formatRowError,
  readTable,
  readWorkbook,
  tableOf,
  type Workbook,
} from './read.ts';
export { XLSX_LIMITS } from './zip.ts';
export { addListValidation, addTableSheet, toBuffer, writeTable, type SheetOptions } from './write.ts';
export {
  COUNT_FORMAT,
  DATE_FORMAT,
  RATE_FORMAT,
  SCORE_FORMAT,
  TIME_FORMAT,
  isFormulaLike,
  workbookBuffer,
} from './formats.ts';
export { writeTemplate, type TemplateOptions } from './template.ts';
