/**
 * The 网上申报 package of a round (materials.zip), as the district files it into the upper system: every
 * handed-in file in folders 测评项目 / 标准编码 标准名称 / 单位, and at the top an index workbook,
 * 申报材料清单.xlsx (序号, 测评项目, 测评标准, 单位, 文件名 as its path in the package, 提交时间 in
 * Asia/Shanghai, 审核结果, SHA-256). Built from plain data (no req/res): the caller plans it from the
 * rows, then streams it into any Writable.
 *
 * Memory stays flat however many files and bytes: each file is opened only when the zip reaches it
 * (yazl's addReadStreamLazy) and flows through with the output's backpressure; files are stored, not
 * deflated (PDFs, JPEGs and Office files are compressed already, and storing costs no CPU). The index is
 * written by exceljs's streaming writer (a few thousand rows: its bytes are a few hundred KB).
 */
import yazl from 'yazl';
import ExcelJS from 'exceljs';
import { createReadStream, type ReadStream } from 'node:fs';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { IndexedCriteria } from '../criteria/load.ts';
import type { MaterialFileRow } from '../db/repos/materials.ts';
import { DOCUMENT_KINDS } from '../documents/kinds.ts';
import { scoreStandard } from '../scoring/standard.ts';
import { formatShanghai } from '../util/time.ts';
import { NO_UNIT_NAME, TASK_LEVEL_NAMES } from '../labels.ts';
import { PackageNamer, shortenEnd } from './materials-names.ts';

export const INDEX_NAME = '申报材料清单.xlsx';
/** Characters of a standard's text in its folder's name (after the code). */
const STANDARD_TEXT = 24;

export interface PackageFile {
  /** where the bytes are */
  source: string;
  /** the path inside the package */
  path: string;
  bytes: number;
  mtime: Date;
}

export interface IndexRow {
  item: string;
  standard: string;
  unit: string;
  /** the path inside the package, or what happened to a file that is not there */
  path: string;
  submittedAt: string;
  review: string;
  sha256: string;
}

export interface PackagePlan {
  files: PackageFile[];
  index: IndexRow[];
}

const num = (n: number) => String(Math.round(n * 100) / 100);

/** The unit answering a task, or 无责任单位 with the place it stands for. */
export function unitName(
  row: Pick<MaterialFileRow, 'unit_name' | 'level' | 'community_name' | 'street_name' | 'department'>,
): string {
  if (row.unit_name) return row.unit_name;
  const place =
    row.level === 'community'
      ? row.community_name
      : row.level === 'street'
        ? row.street_name
        : row.level === 'department'
          ? row.department
          : TASK_LEVEL_NAMES.district;
  return `${NO_UNIT_NAME}（${place ?? ''}）`;
}

/** 审核结果: 待评分, or the review by the standard's mode (合格 / 不合格; the score of a deduction or grade). */
function reviewText(row: MaterialFileRow, version: IndexedCriteria): string {
  if (row.status !== 'scored' || !row.result) return '待评分';
  const standard = version.byCode.get(row.standard_code);
  if (!standard || standard.scoring.mode === 'passfail') return row.result === 'ok' ? '合格' : '不合格';
  const s = scoreStandard(
    standard,
    { result: row.result, cases: row.cases, fixedCases: 0 },
    version.version.rules,
  );
  const grade = s.grade ? `${s.grade} 级，` : '';
  return `${grade}${num(s.earned)} 分（满分 ${num(s.possible)} 分）`;
}

/**
 * Where each file goes and the index's rows, in the rows' order. `sourceOf` gives a file's place on disk
 * and `exists` whether it is there (a missing one is listed as such and left out, never a broken zip).
 */
export function planPackage(
  rows: readonly MaterialFileRow[],
  version: IndexedCriteria,
  sourceOf: (sha256: string) => string,
  exists: (row: MaterialFileRow) => boolean,
): PackagePlan {
  const namer = new PackageNamer();
  namer.reserve(INDEX_NAME);
  const order = new Map(version.standards.map((s, i) => [s.code, i]));
  const sorted = [...rows].sort(
    (a, b) =>
      (order.get(a.standard_code) ?? 1e9) - (order.get(b.standard_code) ?? 1e9) ||
      a.task_id - b.task_id ||
      a.file_id - b.file_id,
  );
  const plan: PackagePlan = { files: [], index: [] };
  for (const row of sorted) {
    const standard = version.byCode.get(row.standard_code);
    const item = standard ? `${standard.item.code} ${standard.item.name}` : '其他';
    const standardName = standard ? `${standard.code} ${standard.text}` : row.standard_code;
    const unit = unitName(row);
    const present = exists(row);
    const path = present
      ? namer.path(
          [item, `${row.standard_code} ${shortenEnd(standard?.text ?? '', STANDARD_TEXT)}`.trim(), unit],
          row.name,
          DOCUMENT_KINDS[row.kind]?.extensions[0],
        )
      : `（文件缺失，未打包）${row.name}`;
    if (present)
      plan.files.push({
        source: sourceOf(row.sha256),
        path,
        bytes: row.bytes,
        mtime: new Date(row.uploaded_at),
      });
    plan.index.push({
      item,
      standard: standardName,
      unit,
      path,
      submittedAt: formatShanghai(row.submitted_at),
      review: reviewText(row, version),
      sha256: row.sha256,
    });
  }
  return plan;
}

const COLUMNS: [header: string, key: keyof IndexRow | 'n', width: number][] = [
  ['序号', 'n', 6],
  ['测评项目', 'item', 18],
  ['测评标准', 'standard', 40],
  ['单位', 'unit', 18],
  ['文件名', 'path', 60],
  ['提交时间', 'submittedAt', 17],
  ['审核结果', 'review', 20],
  ['SHA-256', 'sha256', 66],
];

/** The index workbook: a title, what the package holds, then one row per file (or one saying there is none). */
export async function indexWorkbook(
  plan: PackagePlan,
  meta: { roundName: string; returnedTasks: number; madeAt: string },
): Promise<Buffer> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: sink,
    useStyles: true,
    useSharedStrings: false,
  });
  const ws = wb.addWorksheet('申报材料清单', { views: [{ state: 'frozen', ySplit: 3 }] });
  ws.columns = COLUMNS.map(([, , width]) => ({ width }));
  const title = ws.addRow([`${meta.roundName} 申报材料清单`]);
  title.font = { bold: true, size: 14 };
  title.commit();
  const returned = meta.returnedTasks
    ? `；另有 ${meta.returnedTasks} 项任务已退回补充，其文件待单位重新提交后收录，未在本包内`
    : '；退回补充的任务待单位重新提交后收录';
  ws.addRow([
    `收录已提交（待评分）和已评分任务的现有文件（已删除、已替换的文件不收录）${returned}。生成时间：${meta.madeAt}`,
  ]).commit();
  const header = ws.addRow(COLUMNS.map(([h]) => h));
  header.font = { bold: true };
  header.commit();
  if (!plan.index.length) ws.addRow([null, '本轮尚无已提交的申报材料']).commit();
  plan.index.forEach((r, i) => {
    // every cell is text (a name starting with "=" stays a name), the number is a number
    ws.addRow([i + 1, r.item, r.standard, r.unit, r.path, r.submittedAt, r.review, r.sha256]).commit();
  });
  ws.commit();
  await wb.commit();
  await finished(sink);
  return Buffer.concat(chunks);
}

/** Bytes of a zip64 end of central directory record and its locator. */
const ZIP64_END = 56 + 20;

/**
 * What yazl 3.3.1's predicted size counts that it never writes: it adds a zip64 end record when the
 * central directory reaches 64 KB (≈ 600 files with Chinese paths), while it writes one only when that
 * directory reaches 4 GB, the directory starts beyond 4 GB or there are 65,535 entries. Below 4 GB no
 * entry needs zip64 fields, so the directory is exactly 46 bytes + the name + a 9-byte timestamp field
 * per entry.
 */
function yazlOvercount(plan: PackagePlan, predicted: number): number {
  const entries = plan.files.length + 1;
  const directory = [INDEX_NAME, ...plan.files.map((f) => f.path)].reduce(
    (sum, name) => sum + 46 + Buffer.byteLength(name) + 9,
    0,
  );
  const directoryStart = predicted - directory - ZIP64_END - 22;
  const overcounted =
    directory >= 0xffff && directory < 0xffffffff && entries < 0xffff && directoryStart < 0xffffffff;
  return overcounted ? ZIP64_END : 0;
}

/**
 * Streams the package into `out`: the index first, then each file in turn, each opened only when the zip
 * reaches it. Resolves when `out` has taken the last byte, or when `out` closed early (the client went
 * away: the file being read is closed and no other is opened). Rejects when a file cannot be read.
 * `onSize` learns the package's exact size before its first byte is written.
 */
export async function writePackage(
  plan: PackagePlan,
  index: Buffer,
  out: Writable,
  options: { madeAt?: Date; onSize?: (bytes: number) => void } = {},
): Promise<void> {
  const zip = new yazl.ZipFile();
  const reading: { stream: ReadStream | null } = { stream: null };
  const done = new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    out.on('error', reject);
    out.on('finish', () => resolve());
    out.on('close', () => {
      if (out.writableFinished) return resolve();
      reading.stream?.destroy();
      zip.outputStream.unpipe(out);
      (zip.outputStream as Readable).destroy();
      resolve();
    });
  });
  // an xlsx is a zip already: stored like the files, every size is known and so is the package's
  zip.addBuffer(index, INDEX_NAME, { mtime: options.madeAt ?? new Date(), compress: false });
  for (const f of plan.files)
    zip.addReadStreamLazy(f.path, { mtime: f.mtime, compress: false, size: f.bytes }, (cb) => {
      if (out.destroyed) return;
      const stream = createReadStream(f.source);
      // yazl does not listen for a read error: a file gone or unreadable ends the package with an error
      stream.on('error', (err) => zip.emit('error', err));
      reading.stream = stream;
      cb(null, stream);
    });
  // yazl tells the size as soon as every entry's is known: here, at once (a download's Content-Length)
  const announce = (bytes: number) => {
    if (bytes >= 0) options.onSize?.(bytes - yazlOvercount(plan, bytes));
  };
  zip.end({ forceZip64Format: false, comment: '' }, announce as () => void);
  // piped only now: a flowing stream may hand the first bytes on at once, before the size is known
  zip.outputStream.pipe(out);
  await done;
}
