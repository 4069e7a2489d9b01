/**
 * The rankings workbook (排名表) built from plain results: 镇街排名, 社区排名, 点位得分明细 and 红黑榜.
 * Every sheet names the round, the criteria version and the aggregation rule above a frozen, filterable
 * header; rates are fractions in a percent format and scores numbers with two decimals (never text,
 * so they sort and sum); A4 landscape with the header repeated on every printed page. A round that
 * counts several methods shows each counted method's 得分率 (网上申报 counted under 材料审核; 问卷调查 with
 * its points) beside the 综合得分率, the column it is ranked on; a field-only round's workbook is as it
 * always was.
 */
import ExcelJS from 'exceljs';
import type { RoundResultsView } from '../services/results.ts';
import type { AreaResult } from '../scoring/round.ts';
import { displayWidth } from '../excel/cells.ts';
import { COUNT_FORMAT, RATE_FORMAT, SCORE_FORMAT, workbookBuffer } from '../excel/formats.ts';
import { RANK_NAMES, ROUND_METHOD_LONG_NAMES } from '../labels.ts';
import { roundMethods, type RoundMethod } from '../services/document-tasks.ts';

export interface RankingsMeta {
  criteria: string;
  /** which methods the ranking counts (and what it leaves out) */
  methods: string;
  aggregation: string;
  status: string;
  siteTypeNames: Map<string, string>;
}

type Cell = string | number | null;
interface Col {
  header: string;
  /** a rate (0.8765 → 87.65%), a score (254 → 254.00) or a count (12) */
  format?: 'rate' | 'score' | 'count';
  /** short labels and places, centred so a number does not run into the text beside it */
  center?: boolean;
}

const NUM_FMT = { rate: RATE_FORMAT, score: SCORE_FORMAT, count: COUNT_FORMAT } as const;
const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFF2DCDB' } };
const round2 = (n: number) => Math.round(n * 100) / 100;

function addSheet(
  wb: ExcelJS.Workbook,
  name: string,
  title: string,
  meta: RankingsMeta,
  cols: Col[],
  rows: Cell[][],
): void {
  const ws = wb.addWorksheet(name, {
    views: [{ state: 'frozen', ySplit: 3 }],
    pageSetup: {
      paperSize: 9,
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      margins: { left: 0.4, right: 0.4, top: 0.5, bottom: 0.5, header: 0.3, footer: 0.3 },
      printTitlesRow: '3:3',
    },
    headerFooter: { oddFooter: '第 &P 页，共 &N 页' },
  });
  ws.addRow([title]).font = { bold: true, size: 14 };
  ws.addRow([`测评体系：${meta.criteria}；${meta.methods}；${meta.aggregation}；${meta.status}`]).font = {
    color: { argb: 'FF555555' },
  };
  const header = ws.addRow(cols.map((c) => c.header));
  header.font = { bold: true };
  header.eachCell((cell) => {
    cell.fill = HEADER_FILL;
    cell.alignment = { vertical: 'middle', horizontal: 'center' };
  });
  for (const r of rows) ws.addRow(r);
  cols.forEach((c, i) => {
    const column = ws.getColumn(i + 1);
    if (c.format) column.numFmt = NUM_FMT[c.format];
    // data rows only: the title above stays left-aligned
    if (c.center) rows.forEach((_, r) => (ws.getCell(4 + r, i + 1).alignment = { horizontal: 'center' }));
    const shown = (v: Cell | undefined) =>
      v === null || v === undefined
        ? ''
        : c.format === 'rate'
          ? '100.00%'
          : c.format === 'score' && typeof v === 'number'
            ? v.toFixed(2)
            : String(v);
    const widest = Math.max(displayWidth(c.header), ...rows.map((r) => displayWidth(shown(r[i]))));
    column.width = Math.min(60, Math.max(8, widest + 2));
  });
  ws.autoFilter = { from: { row: 3, column: 1 }, to: { row: 3 + rows.length, column: cols.length } };
}

/** A round over several methods: its methods, in order; null for a field-only round. */
type Multi = readonly RoundMethod[] | null;

const areaCols = (withStreet: boolean, multi: Multi): Col[] => [
  { header: '名次', center: true },
  ...(withStreet ? [{ header: '镇街' }] : []),
  { header: withStreet ? '社区' : '镇街' },
  ...(multi
    ? ([
        ...multi.map((m) => ({ header: ROUND_METHOD_LONG_NAMES[m], format: 'rate' })),
        { header: '综合得分率', format: 'rate' },
        { header: '实地考察得分', format: 'score' },
        { header: '实地考察应得分', format: 'score' },
        ...(multi.includes('survey')
          ? [
              { header: '问卷调查得分', format: 'score' },
              { header: '问卷调查应得分', format: 'score' },
            ]
          : []),
        ...(multi.includes('document') ? [{ header: '待评分材料', format: 'count' }] : []),
      ] as Col[])
    : ([
        { header: '得分率', format: 'rate' },
        { header: '得分', format: 'score' },
        { header: '应得分', format: 'score' },
      ] as Col[])),
  { header: '及格率', format: 'rate' },
  { header: '问题数', format: 'count' },
  { header: '较上轮', center: true },
  { header: '红黑榜', center: true },
];

function movement(m: number | null): string {
  if (m === null) return '—';
  return m > 0 ? `上升${m}` : m < 0 ? `下降${-m}` : '持平';
}

function areaRow(a: AreaResult, street: string | null, multi: Multi): Cell[] {
  const m = a.methods;
  return [
    a.rank ?? RANK_NAMES.unranked,
    ...(street === null ? [] : [street]),
    a.name,
    // a round over several methods: each method's 得分率, then the 综合得分率 it is ranked on
    ...(multi && m
      ? [
          ...multi.map((method) => m[method].rate),
          a.rate,
          round2(a.earned),
          round2(a.possible),
          ...(multi.includes('survey') ? [round2(m.survey.earned), round2(m.survey.possible)] : []),
          ...(multi.includes('document') ? [m.tasks.provisional] : []),
        ]
      : [a.rate, round2(a.earned), round2(a.possible)]),
    a.passRate,
    a.problems,
    movement(a.movement),
    a.red ? '红榜' : a.black ? '黑榜' : '',
  ];
}

export async function rankingsWorkbook(view: RoundResultsView, meta: RankingsMeta): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '创城测评';
  const r = view.results;
  const name = view.round.name;
  const streetName = new Map(r.streets.map((s) => [s.id, s.name]));
  const communityName = new Map(r.communities.map((c) => [c.id, c.name]));
  const multi: Multi = r.combined !== undefined ? roundMethods(view.round) : null;

  addSheet(
    wb,
    '镇街排名',
    `${name} 镇街排名`,
    meta,
    areaCols(false, multi),
    r.streets.map((s) => areaRow(s, null, multi)),
  );
  addSheet(
    wb,
    '社区排名',
    `${name} 社区排名`,
    meta,
    areaCols(true, multi),
    r.communities.map((c) => areaRow(c, streetName.get(c.streetId ?? 0) ?? '', multi)),
  );
  addSheet(
    wb,
    '点位得分明细',
    `${name} 点位得分明细`,
    meta,
    [
      { header: '镇街' },
      { header: '社区' },
      { header: '点位' },
      { header: '点位类型' },
      { header: '得分率', format: 'rate' },
      { header: '得分', format: 'score' },
      { header: '应得分', format: 'score' },
      { header: '及格率', format: 'rate' },
      { header: '问题数', format: 'count' },
      { header: '已评标准数', format: 'count' },
    ],
    r.sites.map((s) => [
      streetName.get(s.streetId) ?? '',
      s.communityId === null ? '镇街直属' : (communityName.get(s.communityId) ?? ''),
      s.name,
      meta.siteTypeNames.get(s.siteType) ?? s.siteType,
      s.rate,
      round2(s.earned),
      round2(s.possible),
      s.passRate,
      s.problems,
      s.answered,
    ]),
  );
  const lists = [
    ...r.communities.filter((c) => c.red).map((c) => ['红榜', '社区', c]),
    ...r.streets.filter((s) => s.red).map((s) => ['红榜', '镇街', s]),
    ...r.communities.filter((c) => c.black).map((c) => ['黑榜', '社区', c]),
    ...r.streets.filter((s) => s.black).map((s) => ['黑榜', '镇街', s]),
  ] as [string, string, AreaResult][];
  addSheet(
    wb,
    '红黑榜',
    `${name} 红黑榜`,
    meta,
    [
      { header: '榜单', center: true },
      { header: '类别', center: true },
      { header: '名次', center: true },
      { header: '镇街' },
      { header: '名称' },
      { header: multi ? '综合得分率' : '得分率', format: 'rate' },
      { header: '问题数', format: 'count' },
      { header: '较上轮', center: true },
    ],
    lists.map(([list, kind, a]) => [
      list,
      kind,
      a.rank,
      kind === '社区' ? (streetName.get(a.streetId ?? 0) ?? '') : a.name,
      a.name,
      a.rate,
      a.problems,
      movement(a.movement),
    ]),
  );
  return workbookBuffer(wb);
}
