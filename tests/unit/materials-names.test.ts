// Names inside the 网上申报 package must open on Windows, on phones and in the upper system: each case
// below is a name a unit really sends (or a folder a long standard makes) and what it becomes.
import { describe, expect, it } from 'vitest';
import { PackageNamer, safePart, shortenEnd, shortenMiddle } from '../../src/export/materials-names.ts';

const len = (s: string) => [...s].length;

describe('safePart', () => {
  it('replaces what Windows refuses and drops what hides or disguises a name', () => {
    expect(safePart('a:b*?.pdf', { isFile: true })).toBe('a_b__.pdf');
    expect(safePart('报告<终稿>|"定".docx', { isFile: true })).toBe('报告_终稿___定_.docx');
    expect(safePart('上级/下发\\文件.pdf', { isFile: true })).toBe('上级_下发_文件.pdf');
    expect(safePart('行\u0001一\t二\n三.pdf', { isFile: true })).toBe('行_一 二 三.pdf');
    // a right-to-left override would show "fdp.exe" as "exe.pdf"
    expect(safePart('照片\u202egpj.pdf', { isFile: true })).toBe('照片gpj.pdf');
    expect(safePart('.隐藏.pdf', { isFile: true })).toBe('隐藏.pdf');
    expect(safePart('说明 . .', {})).toBe('说明');
    expect(safePart('说明. .pdf', { isFile: true })).toBe('说明.pdf');
    expect(safePart('???', {})).toBe('___');
    expect(safePart('  ', {})).toBe('未命名');
    expect(safePart('.pdf', { isFile: true, fallbackExt: 'pdf' })).toBe('pdf.pdf');
  });

  it('renames device names with any extension or case', () => {
    expect(safePart('CON.pdf', { isFile: true })).toBe('CON_.pdf');
    expect(safePart('nul', {})).toBe('nul_');
    expect(safePart('Com1.docx', { isFile: true })).toBe('Com1_.docx');
    expect(safePart('lpt9.tar.pdf', { isFile: true })).toBe('lpt9.tar_.pdf');
    expect(safePart('CONSOLE.pdf', { isFile: true })).toBe('CONSOLE.pdf');
    expect(safePart('com10.pdf', { isFile: true })).toBe('com10.pdf');
  });

  it('keeps the extension, adds the kind’s when there is none, and bounds the length', () => {
    expect(safePart('台账', { isFile: true, fallbackExt: 'xlsx' })).toBe('台账.xlsx');
    const long = safePart(`${'一二三四五六七八九十'.repeat(10)}.jpeg`, { isFile: true });
    expect(len(long)).toBe(60);
    // 100 + 5 characters: 27 kept at each end of the name, "…" between, then the extension
    expect(long).toBe(
      `${'一二三四五六七八九十'.repeat(2)}一二三四五六七…四五六七八九十${'一二三四五六七八九十'.repeat(2)}.jpeg`,
    );
    expect(len(safePart('文'.repeat(100), { max: 30 }))).toBe(30);
  });
});

describe('shortening', () => {
  it('cuts the middle or the end and says so with …', () => {
    expect(shortenMiddle('abcdefghij', 5)).toBe('ab…ij');
    expect(shortenMiddle('abc', 5)).toBe('abc');
    expect(shortenEnd('社区开展道德讲堂活动', 6)).toBe('社区开展道…');
    // characters, not UTF-16 units: an emoji is not split in half
    expect(shortenMiddle('😀😀😀😀😀😀', 3)).toBe('😀…😀');
  });
});

describe('PackageNamer', () => {
  it('numbers the same name in one folder, ignoring case, and not across folders', () => {
    const namer = new PackageNamer();
    expect(namer.path(['A 项目', 'A01 标准', '幸福社区'], '记录.pdf')).toBe(
      'A 项目/A01 标准/幸福社区/记录.pdf',
    );
    expect(namer.path(['A 项目', 'A01 标准', '幸福社区'], '记录.pdf')).toBe(
      'A 项目/A01 标准/幸福社区/记录 (2).pdf',
    );
    expect(namer.path(['A 项目', 'A01 标准', '幸福社区'], '记录.pdf')).toBe(
      'A 项目/A01 标准/幸福社区/记录 (3).pdf',
    );
    expect(namer.path(['A 项目', 'A01 标准', '幸福社区'], 'Photo.JPG')).toBe(
      'A 项目/A01 标准/幸福社区/Photo.JPG',
    );
    expect(namer.path(['A 项目', 'A01 标准', '幸福社区'], 'photo.jpg')).toBe(
      'A 项目/A01 标准/幸福社区/photo (2).jpg',
    );
    // two names that become the same once made safe
    expect(namer.path(['A 项目', 'A01 标准', '幸福社区'], 'a:b.pdf')).toBe(
      'A 项目/A01 标准/幸福社区/a_b.pdf',
    );
    expect(namer.path(['A 项目', 'A01 标准', '幸福社区'], 'a?b.pdf')).toBe(
      'A 项目/A01 标准/幸福社区/a_b (2).pdf',
    );
    expect(namer.path(['A 项目', 'A01 标准', '和平社区'], '记录.pdf')).toBe(
      'A 项目/A01 标准/和平社区/记录.pdf',
    );
  });

  it('keeps the index’s name for the index', () => {
    const namer = new PackageNamer();
    namer.reserve('申报材料清单.xlsx');
    expect(namer.path([], '申报材料清单.xlsx')).toBe('申报材料清单 (2).xlsx');
  });

  it('keeps every part within 60 characters and the whole path within 200, numbered ones too', () => {
    const namer = new PackageNamer();
    const folders = ['项'.repeat(90), '标'.repeat(90), '单'.repeat(90)];
    const name = `${'文'.repeat(150)}.pdf`;
    const first = namer.path(folders, name);
    const second = namer.path(folders, name);
    for (const p of [first, second]) {
      expect(len(p)).toBeLessThanOrEqual(200);
      for (const part of p.split('/')) expect(len(part)).toBeLessThanOrEqual(60);
      expect(p).toMatch(/\.pdf$/);
    }
    expect(second).toMatch(/ \(2\)\.pdf$/);
    expect(first).not.toBe(second);
  });
});
