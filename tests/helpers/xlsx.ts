/**
 * Looks inside a workbook's XML the way a spreadsheet program does, for what exceljs does not read back:
 * a cell's style (cellXfs entry, e.g. quotePrefix) and its literal text.
 */
import { inflateRawSync } from 'node:zlib';

/** Every entry of a zip, as text. */
export function unzipText(buf: Buffer): Map<string, string> {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLength = buf.readUInt16LE(p + 28);
    const extra = buf.readUInt16LE(p + 30);
    const comment = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLength);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + size);
    out.set(name, (method === 8 ? inflateRawSync(data) : data).toString('utf8'));
    p += 46 + nameLength + extra + comment;
  }
  return out;
}

const unescape = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

/** The cell `ref` of the sheet named `sheet`: its style's <xf …> element and its text as stored. */
export function cellXml(buf: Buffer, sheet: string, ref: string): { xf: string; text: string | null } {
  const parts = unzipText(buf);
  const workbook = parts.get('xl/workbook.xml')!;
  const rid = new RegExp(`<sheet [^>]*name="${sheet}"[^>]*r:id="([^"]+)"`).exec(workbook)![1];
  const rels = parts.get('xl/_rels/workbook.xml.rels')!;
  const target =
    new RegExp(`<Relationship [^>]*Id="${rid}"[^>]*Target="([^"]+)"`).exec(rels)?.[1] ??
    new RegExp(`<Relationship [^>]*Target="([^"]+)"[^>]*Id="${rid}"`).exec(rels)![1]!;
  const xml = parts.get(`xl/${target.replace(/^\/?xl\//, '')}`)!;
  const cell = new RegExp(`<c r="${ref}"([^>]*?)(?:/>|>([\\s\\S]*?)</c>)`).exec(xml);
  if (!cell) throw new Error(`no cell ${ref} in ${sheet}`);
  const style = Number(/\ss="(\d+)"/.exec(cell[1]!)?.[1] ?? 0);
  const type = /\st="(\w+)"/.exec(cell[1]!)?.[1];
  const body = cell[2] ?? '';
  let text: string | null;
  if (type === 's') {
    const strings = [...parts.get('xl/sharedStrings.xml')!.matchAll(/<si>([\s\S]*?)<\/si>/g)];
    const si = strings[Number(/<v>(\d+)<\/v>/.exec(body)![1])]![1]!;
    text = [...si.matchAll(/<t[^>]*>([\s\S]*?)<\/t>/g)].map((m) => unescape(m[1]!)).join('');
  } else if (type === 'inlineStr') {
    text = unescape(/<t[^>]*>([\s\S]*?)<\/t>/.exec(body)![1]!);
  } else text = /<v>([\s\S]*?)<\/v>/.exec(body)?.[1] ?? null;
  const xfs = /<cellXfs[^>]*>([\s\S]*?)<\/cellXfs>/.exec(parts.get('xl/styles.xml')!)![1]!;
  const xf = xfs.match(/<xf\b[^>]*?(?:\/>|>[\s\S]*?<\/xf>)/g)![style]!;
  return { xf, text };
}
