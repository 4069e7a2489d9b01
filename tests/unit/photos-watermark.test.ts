// Chinese captions must never turn into boxes (tofu). When a font lacks a character, Pango draws a
// "hex box": a frame of one fixed size with the code point's digits inside. So a character is tofu
// when its drawing has the same size and the same frame as a character no font has (U+E000). The
// checks below would fail if the bundled font went missing, lost characters, or were not used.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { BUNDLED_FONT, findCjkFont, fontCoverage, watermarkFont } from '../../src/photos/font.ts';
import { drawText, prepareLines } from '../../src/photos/watermark.ts';

const CAPTION = '拍摄时间 2026-05-12 09:31 清河区幸福街道幸福社区农贸市场（东门）测评员张三 第3轮：整改·复查';
const NO_FONT_HAS_IT = '\uE000';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Ink {
  width: number;
  height: number;
  mask: Uint8Array;
}

async function ink(png: Buffer): Promise<Ink> {
  const { data, info } = await sharp(png).extractChannel(3).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, mask: data.map((v) => (v > 128 ? 1 : 0)) };
}

/** Same size as the reference box, and the same pixels along a 2 px frame. */
function looksLikeTofu(glyph: Ink, box: Ink): boolean {
  if (glyph.width !== box.width || glyph.height !== box.height) return false;
  let same = 0;
  let frame = 0;
  for (let y = 0; y < box.height; y++) {
    for (let x = 0; x < box.width; x++) {
      if (x > 1 && y > 1 && x < box.width - 2 && y < box.height - 2) continue;
      frame++;
      if (glyph.mask[y * box.width + x] === box.mask[y * box.width + x]) same++;
    }
  }
  return same / frame > 0.9;
}

const characters = (text: string) => [...new Set(Array.from(text.replace(/\s/g, '')))];

describe('watermark font', () => {
  const font = watermarkFont()!;
  const draw = async (text: string) => ink((await drawText(text, font, 48, { onlyThisFont: true })).data);

  it('is the bundled subset, with all of GB2312 level 1 and the common characters it lacks', () => {
    expect(findCjkFont()).toBe(BUNDLED_FONT);
    expect(font.file).toBe(BUNDLED_FONT);
    const covers = fontCoverage(readFileSync(BUNDLED_FONT));
    const gbk = new TextDecoder('gbk');
    const missing: string[] = [];
    for (let hi = 0xb0; hi <= 0xd7; hi++) {
      for (let lo = 0xa1; lo <= 0xfe; lo++) {
        if (hi === 0xd7 && lo > 0xf9) break;
        const ch = gbk.decode(Uint8Array.of(hi, lo));
        if (!covers.has(ch.codePointAt(0)!)) missing.push(ch);
      }
    }
    expect(missing).toEqual([]);
    for (const ch of '啰瞭0123456789:-（）·') expect(covers.has(ch.codePointAt(0)!), ch).toBe(true);
  });

  it('can tell tofu: characters the font lacks come out as boxes of one size and frame', async () => {
    const box = await draw(NO_FONT_HAS_IT);
    expect(looksLikeTofu(await draw('\uE001'), box)).toBe(true);
    expect(looksLikeTofu(await draw('\uF8FF'), box)).toBe(true);
    expect(looksLikeTofu(await draw('堃'), box)).toBe(true); // real, but outside the subset
    expect(looksLikeTofu(await draw('测'), box)).toBe(false);
  });

  it('draws every character of a caption from the bundled font itself', async () => {
    const box = await draw(NO_FONT_HAS_IT);
    const tofu: string[] = [];
    for (const ch of characters(CAPTION)) if (looksLikeTofu(await draw(ch), box)) tofu.push(ch);
    expect(tofu).toEqual([]);
  });

  it('draws captions on a machine with no fonts installed at all', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-nofonts-'));
    const config = join(dir, 'fonts.conf');
    writeFileSync(config, `<?xml version="1.0"?>\n<fontconfig><cachedir>${dir}</cachedir></fontconfig>\n`);
    // In a child process whose fontconfig knows no font directory: first what the system alone can
    // draw (nothing), then the same through the bundled font file.
    const script = `
      import sharp from 'sharp';
      const { drawText } = await import('./src/photos/watermark.ts');
      const { watermarkFont } = await import('./src/photos/font.ts');
      const chars = JSON.parse(process.env.CHARS);
      const system = async (t) => (await sharp({ text: { text: t, font: 'Sans 48', dpi: 72, rgba: true } }).png().toBuffer()).toString('base64');
      const out = { systemBox: await system('${NO_FONT_HAS_IT}'), systemGlyph: await system('测'), glyphs: {} };
      const font = watermarkFont();
      out.box = (await drawText('${NO_FONT_HAS_IT}', font, 48)).data.toString('base64');
      for (const ch of chars) out.glyphs[ch] = (await drawText(ch, font, 48)).data.toString('base64');
      console.log(JSON.stringify(out));`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      env: { ...process.env, FONTCONFIG_FILE: config, CHARS: JSON.stringify(characters(CAPTION)) },
      encoding: 'utf8',
      timeout: 60_000,
    });
    rmSync(dir, { recursive: true, force: true });
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as Record<string, string> & { glyphs: Record<string, string> };
    const png = (b64: string) => ink(Buffer.from(b64, 'base64'));
    expect(looksLikeTofu(await png(out.systemGlyph!), await png(out.systemBox!))).toBe(true);
    const box = await png(out.box!);
    const tofu: string[] = [];
    for (const [ch, b64] of Object.entries(out.glyphs)) if (looksLikeTofu(await png(b64), box)) tofu.push(ch);
    expect(tofu).toEqual([]);
    expect(Object.keys(out.glyphs)).toHaveLength(characters(CAPTION).length);
  }, 60_000);

  it('writes 〓 for a character no font can draw, and keeps it when a system font can', () => {
    const lines = ['测评员 张堃\u0007', '', '<b>&'];
    expect(prepareLines(lines, { ...font, fallback: false })).toEqual(['测评员 张〓', '<b>&']);
    expect(prepareLines(lines, { ...font, fallback: true })).toEqual(['测评员 张堃', '<b>&']);
  });

  it('draws markup characters in a caption as text', async () => {
    const drawn = await drawText('A&B <i>点位</i> &amp;', font, 24);
    expect(drawn.width).toBeGreaterThan(await drawText('A&B 点位 &', font, 24).then((d) => d.width));
  });
});
