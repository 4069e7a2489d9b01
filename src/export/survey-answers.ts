/**
 * The answers workbook (answers.xlsx): one row per answer of a round — 社区, 镇街, channel, time, seconds,
 * state, flags, void reason, then one column per screening question and question (code and text in the
 * header) holding the chosen options' labels (several joined with 、), the scale point, or the text as
 * typed. Streamed by exceljs's WorkbookWriter without shared strings, rows committed page by page, so a
 * round of 30,000 answers never sits in memory. Residents type the text: a value starting with = + - @
 * is kept as text (the Text format and quotePrefix, as src/excel/formats.ts does for every workbook).
 */
import type { Writable } from 'node:stream';
import { instantToSerial, TIME_FORMAT } from '../excel/formats.ts';
import { writeStreamedSheet } from './streamed-sheet.ts';
import { SURVEY_ANSWER_STATE_NAMES, SURVEY_CHANNEL_NAMES, SURVEY_FLAG_NAMES } from '../labels.ts';
import type { Option } from '../surveys/schema.ts';
import type { AnswersExport } from '../services/survey-report-exports.ts';
import { answerState } from '../services/survey-admin-answers.ts';

/** What an answer column needs to know of its question (screening questions have options only). */
export interface AnswerColumn {
  code: string;
  text: string;
  options?: readonly Option[] | undefined;
  scale?: { labels?: Record<string, string> | undefined } | undefined;
}

/** Characters XML 1.0 cannot hold (a pasted control character would make the file unreadable). */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;
/** Excel's limit on a cell's text */
const CELL_MAX = 32767;

/** Text safe to put in a cell: XML-valid and within Excel's length. */
export function cellText(s: string): string {
  const clean = s.replace(NOT_XML, '');
  return clean.length > CELL_MAX ? clean.slice(0, CELL_MAX) : clean;
}

/** An answer as a person reads it: option labels (joined with 、), a scale point with its label, or the text. */
export function answerText(column: AnswerColumn, given: unknown): string | null {
  if (given === undefined || given === null) return null;
  const label = (v: unknown) => {
    const code = String(v);
    const option = column.options?.find((o) => o.code === code);
    if (option) return option.label;
    const point = column.scale?.labels?.[code];
    return point ? `${code}（${point}）` : code;
  };
  if (Array.isArray(given)) return given.map(label).join('、');
  return cellText(column.options || column.scale ? label(given) : String(given));
}

const FIXED: [header: string, width: number][] = [
  ['答卷编号', 9],
  ['镇街', 12],
  ['社区', 14],
  ['渠道', 10],
  ['提交时间', 17],
  ['用时（秒）', 9],
  ['状态', 11],
  ['标记', 22],
  ['作废原因', 20],
];

/** Streams the workbook into `out`; resolves when every byte is written. */
export function writeAnswersWorkbook(data: AnswersExport, out: Writable): Promise<void> {
  const q = data.survey.questionnaire;
  const columns: AnswerColumn[] = [...q.screening, ...q.questions];
  return writeStreamedSheet(
    {
      name: '答卷',
      frozenColumns: 3,
      columns: [
        ...FIXED.map(([, width], i) => ({ width, ...(i === 4 ? { style: { numFmt: TIME_FORMAT } } : {}) })),
        ...columns.map((c) => ({ width: Math.min(40, Math.max(12, c.text.length)) })),
      ],
      header: [...FIXED.map(([h]) => h), ...columns.map((c) => `${c.code} ${c.text}`)],
      page: data.page,
      key: (r) => r.id,
      cells: (r) => {
        const place = data.places.get(r.community_id);
        const answers = JSON.parse(r.answers) as Record<string, unknown>;
        return [
          r.id,
          place?.streetName ?? '',
          place?.name ?? '',
          SURVEY_CHANNEL_NAMES[r.channel],
          instantToSerial(new Date(r.submitted_at)),
          r.seconds,
          SURVEY_ANSWER_STATE_NAMES[answerState(r)],
          r.flags
            .split(',')
            .filter(Boolean)
            .map((f) => SURVEY_FLAG_NAMES[f as keyof typeof SURVEY_FLAG_NAMES] ?? f)
            .join('、'),
          r.void_reason === null ? null : cellText(r.void_reason),
          ...columns.map((c) => answerText(c, answers[c.code])),
        ];
      },
    },
    out,
  );
}
