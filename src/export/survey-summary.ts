/**
 * The survey summary workbook (summary.xlsx), the results page's figures for a spreadsheet: sheet 汇总 —
 * one row for the district, each 镇街 (pooled answers) and each 社区, with valid answers, target, 样本不足,
 * every rate the questionnaire names (rate, 95 % bounds, n) and every survey standard (rate, points);
 * sheet 题目 — per place and scored question: n, rate and bounds; sheet 选项 — per place, question and
 * option: how many valid answers chose it and their share. Rates are fractions shown as percentages.
 */
import ExcelJS from 'exceljs';
import { COUNT_FORMAT, RATE_FORMAT, SCORE_FORMAT, workbookBuffer } from '../excel/formats.ts';
import type { SurveyArea } from '../scoring/survey-round.ts';
import type { OptionCounts, SummaryExport } from '../services/survey-report-exports.ts';
import { answerText } from './survey-answers.ts';

interface Place {
  level: string;
  street: string;
  community: string;
  target: number | null;
  area: SurveyArea;
  options: OptionCounts;
}

function places(data: SummaryExport): Place[] {
  const { report, options } = data;
  const out: Place[] = [
    {
      level: '全区',
      street: '',
      community: '',
      target: null,
      area: report.district,
      options: options.district,
    },
  ];
  for (const s of report.streets)
    out.push({
      level: '镇街',
      street: s.name,
      community: '',
      target: null,
      area: s.area,
      options: options.streets.get(s.id)!,
    });
  for (const c of report.communities)
    out.push({
      level: '社区',
      street: c.streetName,
      community: c.name,
      target: c.target,
      area: c.area,
      options: options.communities.get(c.id)!,
    });
  return out;
}

/** Column widths and formats, then the header row in bold with the panes frozen under it. */
function sheet(wb: ExcelJS.Workbook, name: string, cols: [header: string, width: number, fmt?: string][]) {
  const ws = wb.addWorksheet(name, { views: [{ state: 'frozen', xSplit: 3, ySplit: 1 }] });
  ws.columns = cols.map(([, width, numFmt]) => ({ width, ...(numFmt ? { style: { numFmt } } : {}) }));
  const header = ws.addRow(cols.map(([h]) => h));
  header.font = { bold: true };
  header.alignment = { wrapText: true, vertical: 'top' };
  return ws;
}

const PLACE: [string, number][] = [
  ['层级', 6],
  ['镇街', 12],
  ['社区', 14],
];

export async function surveySummaryWorkbook(data: SummaryExport): Promise<Buffer> {
  const { report } = data;
  const q = report.survey.questionnaire;
  const rateNames = report.survey.rates.map((r) => r.name);
  const wb = new ExcelJS.Workbook();
  const all = places(data);

  const summary = sheet(wb, '汇总', [
    ...PLACE,
    ['有效答卷', 9, COUNT_FORMAT],
    ['样本目标', 9, COUNT_FORMAT],
    ['样本不足', 8],
    ...rateNames.flatMap((n): [string, number, string][] => [
      [n, 9, RATE_FORMAT],
      [`${n}下限`, 9, RATE_FORMAT],
      [`${n}上限`, 9, RATE_FORMAT],
      [`${n}样本数`, 9, COUNT_FORMAT],
    ]),
    ...report.standards.flatMap((s): [string, number, string][] => [
      [`${s.code} 比率`, 10, RATE_FORMAT],
      [`${s.code} 得分`, 9, SCORE_FORMAT],
      [`${s.code} 分值`, 9, SCORE_FORMAT],
    ]),
    ['问卷调查得分', 10, SCORE_FORMAT],
    ['应得分', 9, SCORE_FORMAT],
  ]);
  for (const p of all)
    summary.addRow([
      p.level,
      p.street,
      p.community,
      p.area.answers,
      p.target,
      p.area.insufficient ? '是' : null,
      ...rateNames.flatMap((n) => {
        const r = p.area.rates.find((x) => x.name === n)!;
        return [r.rate, r.interval?.low ?? null, r.interval?.high ?? null, r.n];
      }),
      ...report.standards.flatMap((s) => {
        const score = p.area.standards.get(s.code)!;
        return [score.rate, score.earned, score.possible];
      }),
      p.area.earned,
      p.area.possible,
    ]);

  // the tallied questions (knows / values): the figures have them, text and unscored ones not
  const scored = q.questions.filter((x) => report.district.questions.has(x.code));
  const questions = sheet(wb, '题目', [
    ...PLACE,
    ['题号', 6],
    ['题目', 40],
    ['计入', 8],
    ['样本数', 8, COUNT_FORMAT],
    ['比率', 9, RATE_FORMAT],
    ['下限', 9, RATE_FORMAT],
    ['上限', 9, RATE_FORMAT],
  ]);
  for (const p of all)
    for (const x of scored) {
      const f = p.area.questions.get(x.code)!;
      questions.addRow([
        p.level,
        p.street,
        p.community,
        x.code,
        x.text,
        x.rate ?? x.standard ?? '',
        f.n,
        f.rate,
        f.interval?.low ?? null,
        f.interval?.high ?? null,
      ]);
    }

  const chosen = q.questions.filter((x) => x.kind !== 'text');
  const options = sheet(wb, '选项', [
    ...PLACE,
    ['题号', 6],
    ['题目', 40],
    ['选项', 24],
    ['选择次数', 9, COUNT_FORMAT],
    ['占有效答卷', 10, RATE_FORMAT],
  ]);
  for (const p of all)
    for (const x of chosen) {
      const counts = p.options.get(x.code) ?? new Map<string, number>();
      const codes = x.options
        ? x.options.map((o) => o.code)
        : x.scale
          ? Array.from({ length: x.scale.max - x.scale.min + 1 }, (_, i) => String(x.scale!.min + i))
          : [];
      for (const code of codes) {
        const n = counts.get(code) ?? 0;
        options.addRow([
          p.level,
          p.street,
          p.community,
          x.code,
          x.text,
          answerText(x, code),
          n,
          p.area.answers ? n / p.area.answers : null,
        ]);
      }
    }
  return workbookBuffer(wb);
}
