/**
 * The 整改清单 workbook (problems.xlsx), streamed: one row per problem with the problem photo and the
 * after photo embedded as thumbnails (and a link to the full photo, at the address the caller gives: BASE_URL
 * or the one the download was asked at), 整改时限 and 整改时间 as real Excel dates in Asia/Shanghai, scores
 * with two decimals, text starting with = + - @ kept as text (quotePrefix), frozen and filterable header, A4 landscape with the header on every page. Rows are read
 * in pages and images one at a time, so memory stays flat however long the list (see xlsx-parts.ts; the
 * pictures' anchors are written by xlsx-drawing.ts). A problem from a document task (来源 材料) has no
 * site and no photos: its 点位 columns are empty, its 镇街 and 社区 are its task's, and 材料所属 names the
 * task's place (a 社区, a 镇街, a department or 区级). A problem from outside rounds (督查, 随手拍, 12345, 媒体)
 * has no round and no deduction and maybe no site or standard: its before photo is its 督查 or residents'
 * photo. The board's workbook (every source, across rounds) adds 轮次, 工单号 and 地址 after the round's
 * columns, which stay as they were.
 */
import yazl from 'yazl';
import { createReadStream } from 'node:fs';
import { Readable, type Writable } from 'node:stream';
import type { Db } from '../db/connection.ts';
import { isOutsideSource, type ProblemFilter, type ProblemStatus } from '../db/repos/problems.ts';
import {
  exportRows,
  exportSkeleton,
  type ExportPhoto,
  type ExportRow,
  type ExportSkeleton,
} from '../db/repos/problem-export.ts';
import { isWholeJpeg, photoPaths } from '../photos/files.ts';
import type { CriteriaCache } from '../services/criteria-registry.ts';
import { findRoundById } from '../db/repos/rounds.ts';
import { cellDate, cellLink, cellNumber, cellText, cellTime, lines } from './xlsx-cells.ts';
import {
  columnLetter,
  contentTypes,
  coreProps,
  rootRels,
  sheetRels,
  STYLE,
  stylesXml,
  workbookRels,
  workbookXml,
  NS_MAIN,
  NS_REL,
} from './xlsx-parts.ts';
import { drawingRels, drawingXml, type Image } from './xlsx-drawing.ts';
import { PROBLEM_SOURCE_NAMES, PROBLEM_STATUS_NAMES, TASK_LEVEL_NAMES } from '../labels.ts';

const COLUMNS: [header: string, width: number][] = [
  ['序号', 6],
  ['镇街', 11],
  ['社区', 11],
  ['点位', 16],
  ['点位类型', 12],
  ['测评项目', 14],
  ['测评标准', 32],
  ['问题描述', 24],
  ['扣分', 6],
  ['问题照片', 16],
  ['责任单位', 15],
  ['整改时限', 12],
  ['状态', 13],
  ['整改情况', 22],
  ['整改后照片', 16],
  ['整改时间', 17],
  ['复查结果', 16],
  ['是否反复出现', 10],
  ['来源', 8],
  ['材料所属', 16],
];
/** The board's workbook's columns after the round's: its problems come from many rounds, or none. */
const BOARD_COLUMNS: [header: string, width: number][] = [
  ['轮次', 14],
  ['工单号', 16],
  ['地址', 24],
];
const PHOTO_COLS = { before: 9, after: 14 } as const; // zero-based: J and O
const PAGE = 100;
const PHOTO_ROW_PT = 78; // row height with pictures: the box plus a line for the link
const LINE_PT = 14; // one wrapped line of 9-point text

export interface ProblemsWorkbookInput {
  db: Db;
  criteria: CriteriaCache;
  uploadDir: string;
  /** the app's address for the photo links, without a trailing slash */
  baseUrl: string;
  filter: ProblemFilter;
  siteTypeNames: Map<string, string>;
  title: string;
  /** the board's workbook: 轮次, 工单号 and 地址 columns as well */
  board?: boolean;
  /** makes a photo's thumbnail that is not made yet (photos/versions.ts); without it such a photo is left out */
  makeThumb?: (photoId: number) => Promise<void>;
}

/** 材料所属: the document task's place and level, e.g. 幸福社区（社区）, 教育局（部门）, 区级. */
function documentPlace(r: ExportRow): string {
  const level = r.task_level ?? 'district';
  const name =
    level === 'community'
      ? r.community
      : level === 'street'
        ? r.street
        : level === 'department'
          ? r.task_department
          : null;
  return name ? `${name}（${TASK_LEVEL_NAMES[level]}）` : TASK_LEVEL_NAMES[level];
}

export async function writeProblemsWorkbook(input: ProblemsWorkbookInput, out: Writable): Promise<void> {
  const { db } = input;
  const skeleton = exportSkeleton(db, input.filter);
  const images: Image[] = [];
  const thumb = (p: ExportPhoto | null) => (p ? photoPaths(input.uploadDir, p.sha256).thumb : null);
  // photos uploaded moments ago may still be waiting for their thumbnails, or have one a power cut left cut
  // short (versions are written without fsync): made here, one at a time; one that cannot be had is left out.
  // Each check reads the file's two ends (≈ 15 µs): autosaves get a turn every few hundred
  let checked = 0;
  for (const [i, s] of skeleton.entries())
    for (const kind of ['before', 'after'] as const) {
      const p = s[kind];
      const path = thumb(p);
      if (!p || !path) continue;
      if (++checked % 256 === 0) await new Promise((resolve) => setImmediate(resolve));
      let whole = isWholeJpeg(path);
      if (!whole && input.makeThumb) {
        await input.makeThumb(p.id).catch(() => {});
        whole = isWholeJpeg(path);
      }
      if (whole) images.push({ row: i + 1, col: PHOTO_COLS[kind], photo: p, path });
    }
  const withPhotos = new Set(images.map((im) => im.row));
  const lastRow = skeleton.length + 1;
  const lastCol = columnLetter(COLUMNS.length + (input.board ? BOARD_COLUMNS.length : 0));

  // yazl asks for each entry's stream only when it reaches that entry, so pictures are read one at a time
  const zip = new yazl.ZipFile();
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('close', resolve);
    out.on('error', reject);
    zip.outputStream.on('error', reject);
  });
  zip.outputStream.pipe(out);
  const text = (name: string, body: string) => zip.addBuffer(Buffer.from(body, 'utf8'), name);
  const lazy = (name: string, make: () => NodeJS.ReadableStream, compress = true) =>
    zip.addReadStreamLazy(name, { compress }, (cb) => cb(null, make()));
  text('[Content_Types].xml', contentTypes(images.length > 0));
  text('_rels/.rels', rootRels);
  text('docProps/core.xml', coreProps(input.title, new Date()));
  text('xl/workbook.xml', workbookXml('整改清单', lastRow, lastCol));
  text('xl/_rels/workbook.xml.rels', workbookRels);
  text('xl/styles.xml', stylesXml);
  lazy('xl/worksheets/sheet1.xml', () =>
    Readable.from(sheetXml(input, skeleton, withPhotos, images.length > 0)),
  );
  if (images.length) {
    text('xl/worksheets/_rels/sheet1.xml.rels', sheetRels);
    lazy('xl/drawings/drawing1.xml', () => Readable.from(drawingXml(images)));
    lazy('xl/drawings/_rels/drawing1.xml.rels', () => Readable.from(drawingRels(images.length)));
    images.forEach((im, i) => lazy(`xl/media/image${i + 1}.jpeg`, () => createReadStream(im.path), false));
  }
  zip.end();
  await done;
}

async function* sheetXml(
  input: ProblemsWorkbookInput,
  skeleton: ExportSkeleton[],
  withPhotos: Set<number>,
  hasDrawing: boolean,
): AsyncGenerator<string> {
  const ids = skeleton.map((s) => s.id);
  const lastRow = ids.length + 1;
  const columns = input.board ? [...COLUMNS, ...BOARD_COLUMNS] : COLUMNS;
  const LAST_COL = columnLetter(columns.length);
  yield (
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="${NS_MAIN}" xmlns:r="${NS_REL}">` +
    `<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr><dimension ref="A1:${LAST_COL}${lastRow}"/>` +
    `<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>` +
    `<sheetFormatPr defaultRowHeight="15"/><cols>` +
    columns.map(([, w], i) => `<col min="${i + 1}" max="${i + 1}" width="${w}" customWidth="1"/>`).join('') +
    `</cols><sheetData><row r="1" ht="24" customHeight="1">` +
    columns.map(([h], i) => cellText(`${columnLetter(i + 1)}1`, h, STYLE.header)).join('') +
    `</row>`
  );
  // a standard is read in its round's version, or (from outside rounds) the one it was recorded under
  const roundVersion = new Map<number, number | null>();
  const versionIdOf = (r: ExportRow): number | null => {
    if (r.round_id === null) return r.criteria_version_id;
    if (!roundVersion.has(r.round_id))
      roundVersion.set(r.round_id, findRoundById(input.db, r.round_id)?.criteria_version_id ?? null);
    return roundVersion.get(r.round_id)!;
  };
  const standardOf = (r: ExportRow) => {
    const versionId = versionIdOf(r);
    return versionId === null || r.standard_code === null
      ? undefined
      : input.criteria.get(versionId).byCode.get(r.standard_code);
  };
  // the links point at the same photos as the embedded pictures
  const skeletonPhotos = new Map(skeleton.map((s) => [s.id, { before: s.before?.id, after: s.after?.id }]));
  for (let start = 0; start < ids.length; start += PAGE) {
    const page = ids.slice(start, start + PAGE);
    const rows = exportRows(input.db, page);
    let xml = '';
    page.forEach((id, k) => {
      const r = rows.get(id);
      const n = start + k + 2;
      if (!r) return;
      const std = standardOf(r);
      const photos = skeletonPhotos.get(id);
      const ref = (c: number) => `${columnLetter(c)}${n}`;
      const standardText = std ? `${std.code} ${std.text}` : (r.standard_code ?? '');
      // a row without pictures is as tall as its longest wrapped text (spreadsheets do not fit on open)
      const isDocument = r.source === 'document';
      const isOutside = isOutsideSource(r.source);
      const textLines = Math.max(
        lines(r.site ?? '', COLUMNS[3]![1]),
        lines(standardText, COLUMNS[6]![1]),
        lines(r.description, COLUMNS[7]![1]),
        lines(r.fix_note, COLUMNS[13]![1]),
        lines(r.review_note ?? '', COLUMNS[16]![1] - 5),
        input.board ? lines(r.address, BOARD_COLUMNS[2]![1]) : 1,
      );
      const height = withPhotos.has(n - 1) ? PHOTO_ROW_PT : textLines > 1 ? textLines * LINE_PT : 0;
      xml +=
        `<row r="${n}"${height ? ` ht="${height}" customHeight="1"` : ''}>` +
        cellNumber(ref(1), start + k + 1, STYLE.count) +
        cellText(ref(2), r.street) +
        cellText(ref(3), r.community ?? (isDocument || isOutside ? '' : '镇街直属')) +
        cellText(ref(4), r.site) +
        cellText(ref(5), r.site_type === null ? '' : (input.siteTypeNames.get(r.site_type) ?? r.site_type)) +
        cellText(ref(6), std?.item.name ?? '') +
        cellText(ref(7), standardText) +
        cellText(ref(8), r.description) +
        (isOutside
          ? cellText(ref(9), '')
          : cellNumber(ref(9), Math.round(r.points_lost * 100) / 100, STYLE.score)) +
        (photos?.before
          ? cellLink(ref(10), `${input.baseUrl}/photos/${photos.before}/display`)
          : cellText(ref(10), '')) +
        cellText(ref(11), r.unit ?? '（未指定）') +
        cellDate(ref(12), r.deadline, r.deadline_time) +
        cellText(ref(13), PROBLEM_STATUS_NAMES[r.status as ProblemStatus] ?? r.status) +
        cellText(ref(14), r.fix_note) +
        (photos?.after
          ? cellLink(ref(15), `${input.baseUrl}/photos/${photos.after}/display`)
          : cellText(ref(15), '')) +
        cellTime(ref(16), r.fixed_at) +
        cellText(
          ref(17),
          r.review === 'close'
            ? `${isDocument ? '审核通过' : '复查通过'}${r.review_note ? `：${r.review_note}` : ''}`
            : r.review === 'reject'
              ? `退回：${r.review_note ?? ''}`
              : '',
        ) +
        cellText(ref(18), r.repeat_count > 0 ? `是（第${r.repeat_count + 1}次）` : '否') +
        cellText(ref(19), PROBLEM_SOURCE_NAMES[r.source]) +
        cellText(ref(20), isDocument ? documentPlace(r) : '') +
        (input.board
          ? cellText(ref(21), r.round_name) +
            cellText(ref(22), r.external_ref) +
            cellText(ref(23), isOutside ? r.address : '')
          : '') +
        `</row>`;
    });
    yield xml;
  }
  yield (
    `</sheetData><autoFilter ref="A1:${LAST_COL}${lastRow}"/>` +
    `<pageMargins left="0.4" right="0.4" top="0.5" bottom="0.5" header="0.3" footer="0.3"/>` +
    `<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>` +
    (hasDrawing ? `<drawing r:id="rId1"/>` : '') +
    `</worksheet>`
  );
}
