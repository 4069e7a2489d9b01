/**
 * The "who is keeping up" workbook (单位整改排名): one sheet of responsible units and one of 包联 units
 * (their figures over the 社区 they 包联), in the page's order, under a line naming the period, the 来源
 * and the round the 得分率 comes from. Rates are fractions in a percent format and counts numbers (they
 * sort and sum); the average time to fix is one column per deadline unit, so each stays a number.
 */
import ExcelJS from 'exceljs';
import type { StandingPage, StandingRow } from '../services/unit-standing.ts';
import type { DeadlineUnit } from '../db/repos/problems.ts';
import { displayWidth } from '../excel/cells.ts';
import { COUNT_FORMAT, RATE_FORMAT, workbookBuffer } from '../excel/formats.ts';
import { PROBLEM_SOURCE_NAMES, UNIT_KIND_NAMES } from '../labels.ts';

type Cell = string | number | null;
const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFF2DCDB' } };
const AVERAGE_FORMAT = '0.0';

const COLUMNS: { header: string; format?: string }[] = (
  [
    ['名次', COUNT_FORMAT],
    ['单位'],
    ['类别'],
    ...['问题数', '已销号'].map((h) => [h, COUNT_FORMAT]),
    ['整改率', RATE_FORMAT],
    ...['逾期数', '反复出现'].map((h) => [h, COUNT_FORMAT]),
    ...['天', '工作日', '小时'].map((u) => [`平均整改用时（${u}）`, AVERAGE_FORMAT]),
    ...['应交材料', '按时提交'].map((h) => [h, COUNT_FORMAT]),
    ...['材料按时率', '得分率'].map((h) => [h, RATE_FORMAT]),
  ] as [string, string?][]
).map(([header, format]) => (format ? { header, format } : { header }));

const average = (r: StandingRow, unit: DeadlineUnit): number | null => {
  const t = r.fixTimes.find((f) => f.unit === unit);
  return t ? Math.round(t.average * 10) / 10 : null;
};

const cells = (r: StandingRow, place: number): Cell[] => [
  place,
  r.name,
  UNIT_KIND_NAMES[r.kind],
  r.problems,
  r.closed,
  r.fixRate,
  r.overdue,
  r.repeats,
  average(r, 'calendar'),
  average(r, 'workdays'),
  average(r, 'hours'),
  r.tasksDue,
  r.tasksOnTime,
  r.taskRate,
  r.scoreRate,
];

function addSheet(
  wb: ExcelJS.Workbook,
  name: string,
  title: string,
  note: string,
  rows: Cell[][],
  extra?: string,
) {
  const cols = extra ? [...COLUMNS, { header: extra }] : COLUMNS;
  const ws = wb.addWorksheet(name, {
    views: [{ state: 'frozen', ySplit: 3, xSplit: 2 }],
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
  });
  ws.addRow([title]).font = { bold: true, size: 14 };
  ws.addRow([note]).font = { color: { argb: 'FF555555' } };
  const header = ws.addRow(cols.map((c) => c.header));
  header.font = { bold: true };
  header.eachCell((cell) => (cell.fill = HEADER_FILL));
  for (const r of rows) ws.addRow(r);
  cols.forEach((c, i) => {
    const column = ws.getColumn(i + 1);
    if (c.format) column.numFmt = c.format;
    const widest = Math.max(displayWidth(c.header), ...rows.map((r) => displayWidth(String(r[i] ?? ''))));
    column.width = Math.min(50, Math.max(8, widest + 2));
  });
  ws.autoFilter = { from: { row: 3, column: 1 }, to: { row: 3 + rows.length, column: cols.length } };
}

export function unitStandingWorkbook(p: StandingPage): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const source = p.filter.source ? PROBLEM_SOURCE_NAMES[p.filter.source] : '全部来源';
  const note =
    `问题登记于 ${p.filter.from} 至 ${p.filter.to}（${source}）；逾期数截至 ${p.today}；` +
    `材料为截止日在此期间的材料任务；得分率：${p.round ? p.round.name : '还没有已发布的测评轮次'}`;
  addSheet(
    wb,
    '责任单位',
    '责任单位整改排名',
    note,
    p.units.map((r, i) => cells(r, i + 1)),
  );
  addSheet(
    wb,
    '包联单位',
    '包联单位整改排名（按所包联社区统计）',
    note,
    p.liaisons.map((r, i) => [...cells(r, i + 1), r.communities.join('、')]),
    '包联社区',
  );
  return workbookBuffer(wb);
}
