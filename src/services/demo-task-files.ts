/**
 * The files the demo's units submit for their 材料任务: real photos (assets/demo-photos, resized camera
 * photos), PDFs made of them by sample-pdf.ts, a PNG, and one .xlsx 统计表格 made with exceljs — real
 * files, so the review page, the browser's PDF viewer and the 材料包 show what a unit's upload looks like.
 * Built once per demo seeding, in memory (a few hundred KB each).
 */
import ExcelJS from 'exceljs';
import sharp from 'sharp';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { samplePdf, type PdfImage } from '../documents/sample-pdf.ts';

const PHOTOS_DIR = fileURLToPath(new URL('../../assets/demo-photos/', import.meta.url));

/** A file as a unit would pick it on its phone or computer. */
export interface DemoFile {
  name: string;
  bytes: Buffer;
}

export interface DemoFiles {
  photos: DemoFile[];
  png: DemoFile;
  /** PDF titles are ASCII (the PDF's base font has none of CJK); the file names are Chinese */
  pdf: (name: string, title: string, photoIndexes: number[]) => DemoFile;
  volunteerTable: DemoFile;
}

async function volunteerWorkbook(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '幸福社区居委会';
  const ws = wb.addWorksheet('志愿服务时长');
  ws.columns = [
    { header: '序号', key: 'n', width: 6 },
    { header: '姓名', key: 'name', width: 10 },
    { header: '志愿服务项目', key: 'item', width: 24 },
    { header: '服务日期', key: 'date', width: 12 },
    { header: '时长（小时）', key: 'hours', width: 12 },
  ];
  const people = ['王秀英', '李建国', '张桂兰', '刘志强', '陈丽华', '杨明', '赵淑芬', '黄海'];
  const items = ['垃圾分类桶边督导', '文明交通劝导', '社区环境清洁', '关爱空巢老人', '文明实践站宣讲'];
  for (let i = 0; i < 24; i++)
    ws.addRow({
      n: i + 1,
      name: people[i % people.length],
      item: items[i % items.length],
      date: `2026-${String(9 + Math.floor(i / 8)).padStart(2, '0')}-${String(3 + (i % 8) * 3).padStart(2, '0')}`,
      hours: 2 + (i % 3),
    });
  ws.getRow(1).font = { bold: true };
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export async function demoTaskFiles(): Promise<DemoFiles> {
  const names = ['street-1.jpg', 'street-2.jpg', 'street-3.jpg', 'street-4.jpg'];
  const photos = await Promise.all(
    names.map(async (n) => ({ name: n, bytes: await readFile(`${PHOTOS_DIR}${n}`) })),
  );
  const images: PdfImage[] = await Promise.all(
    photos.map(async (p) => {
      const meta = await sharp(p.bytes).metadata();
      return { jpeg: p.bytes, width: meta.width, height: meta.height };
    }),
  );
  const png = await sharp(photos[2]!.bytes).resize({ width: 640 }).png().toBuffer();
  return {
    photos: photos.map((p, i) => ({ name: `活动现场照片${i + 1}.jpg`, bytes: p.bytes })),
    png: { name: '公示栏照片.png', bytes: png },
    pdf: (name, title, photoIndexes) => ({
      name,
      bytes: samplePdf(
        title,
        photoIndexes.map((i) => images[i]!),
      ),
    }),
    volunteerTable: { name: '注册志愿者服务时长统计表.xlsx', bytes: await volunteerWorkbook() },
  };
}
