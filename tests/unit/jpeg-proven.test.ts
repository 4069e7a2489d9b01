// An upload is proven whole by reading every block of its JPEG here (provenWholeJpeg) rather than by
// libvips' decode. It may only ever say "whole" where libjpeg, at sharp's strictest level (failOn
// 'warning', as the upload's check asks), decodes the file without a word: checked on phone-like photos
// and on thousands of damaged copies of them. Where it cannot vouch, libvips decides, as before.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { provenWholeJpeg } from '../../src/photos/jpeg-band.ts';
import { storePhoto, REJECTIONS } from '../../src/photos/store.ts';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const fixture = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../fixtures/photos/${name}`, import.meta.url)));
const camera = fixture('gps-DSCN0010.jpg');

/** What libjpeg makes of the file at sharp's strictest level: the shown size, or null when it refuses. */
async function libjpeg(buf: Buffer): Promise<{ width: number; height: number } | null> {
  try {
    const meta = await sharp(buf, { limitInputPixels: false }).metadata();
    await sharp(buf, { failOn: 'warning', limitInputPixels: false }).raw().toBuffer();
    return { width: meta.autoOrient.width, height: meta.autoOrient.height };
  } catch {
    return null;
  }
}

/** mulberry32: the same damaged copies on every run */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Where the coded data starts (after the SOS segment) and where EOI is. */
function scanBounds(buf: Buffer): { start: number; eoi: number } {
  let at = 2;
  while (!(buf[at] === 0xff && buf[at + 1] === 0xda)) at += 2 + buf.readUInt16BE(at + 2);
  return { start: at + 2 + buf.readUInt16BE(at + 2), eoi: buf.lastIndexOf(Buffer.from([0xff, 0xd9])) };
}

/** `jpeg` with an EXIF block (APP1) that says only its orientation, after SOI. */
function withOrientation(jpeg: Buffer, orientation: number): Buffer {
  const tiff = Buffer.alloc(26);
  tiff.write('MM\0*', 0, 'latin1');
  tiff.writeUInt32BE(8, 4); // IFD0 right after the header
  tiff.writeUInt16BE(1, 8); // one entry
  tiff.writeUInt16BE(0x0112, 10); // Orientation, SHORT, 1 value
  tiff.writeUInt16BE(3, 12);
  tiff.writeUInt32BE(1, 14);
  tiff.writeUInt16BE(orientation, 18);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const head = Buffer.from([0xff, 0xe1, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), head, body, jpeg.subarray(2)]);
}

const splice = (buf: Buffer, at: number, remove: number, insert: number[] = []) =>
  Buffer.concat([buf.subarray(0, at), Buffer.from(insert), buf.subarray(at + remove)]);

/** Damaged copies: cut short (with and without EOI), bytes changed, put in and taken out, header bytes changed. */
function damaged(buf: Buffer, seed: number): { what: string; buf: Buffer }[] {
  const rnd = random(seed);
  const { start, eoi } = scanBounds(buf);
  const inScan = () => start + Math.floor(rnd() * (eoi - start));
  const out: { what: string; buf: Buffer }[] = [];
  for (let i = 1; i <= 40; i++) {
    const at = start + Math.floor(((eoi - start) * i) / 41);
    out.push({ what: `cut at ${at}`, buf: buf.subarray(0, at) });
    out.push({ what: `cut at ${at}, EOI after`, buf: splice(buf, at, eoi - at) });
  }
  for (const cut of [1, 2, 3])
    out.push({ what: `last ${cut} data bytes gone`, buf: splice(buf, eoi - cut, cut) });
  for (let i = 0; i < 150; i++) {
    const at = inScan();
    out.push({ what: `byte ${at} changed`, buf: splice(buf, at, 1, [Math.floor(rnd() * 256)]) });
  }
  for (let i = 0; i < 40; i++) {
    const at = inScan();
    const n = 1 + Math.floor(rnd() * 3);
    out.push({
      what: `${n} bytes put in at ${at}`,
      buf: splice(
        buf,
        at,
        0,
        Array.from({ length: n }, () => Math.floor(rnd() * 256)),
      ),
    });
    out.push({ what: `${n} bytes taken out at ${at}`, buf: splice(buf, at, n) });
  }
  for (const extra of [[0x12], [0x00, 0x34], [0xff, 0x00], [0x12, 0x34, 0x56, 0x78, 0x9a]])
    out.push({ what: `${extra.length} extraneous bytes before EOI`, buf: splice(buf, eoi, 0, extra) });
  out.push({ what: 'no EOI', buf: buf.subarray(0, eoi) });
  out.push({ what: 'another marker for EOI', buf: splice(buf, eoi + 1, 1, [0xfe]) });
  for (let i = 0; i < 60; i++) {
    const at = 2 + Math.floor(rnd() * (start - 2));
    out.push({ what: `header byte ${at} changed`, buf: splice(buf, at, 1, [Math.floor(rnd() * 256)]) });
  }
  return out;
}

describe('provenWholeJpeg', async () => {
  const small = await sharp(camera).resize(320, 240).jpeg({ quality: 70 }).toBuffer();
  const bases: [string, Buffer][] = [
    ['320×240 as the bench sends it', small],
    [
      '4:4:4',
      await sharp(camera).resize(320, 240).jpeg({ quality: 90, chromaSubsampling: '4:4:4' }).toBuffer(),
    ],
    ['333×251, not whole MCUs', await sharp(camera).resize(333, 251, { fit: 'fill' }).jpeg().toBuffer()],
    ['grey', await sharp(camera).resize(320, 240).greyscale().jpeg().toBuffer()],
    ['EXIF orientation 6', withOrientation(small, 6)],
    ['a camera photo as it came', camera],
    ['restart markers', fixture('crafted-dc-restart.jpg')],
  ];

  it('vouches for whole photos, with the size they are shown at', async () => {
    for (const [what, buf] of bases) {
      const proven = provenWholeJpeg(buf, 2_000_000);
      expect(proven, what).not.toBeNull();
      expect(proven, what).toEqual(await libjpeg(buf));
    }
    expect(provenWholeJpeg(bases[4]![1], 2_000_000)).toEqual({ width: 240, height: 320 });
  });

  it('never vouches for a damaged copy libjpeg refuses or warns at', async () => {
    let proven = 0;
    let refused = 0;
    for (const [n, [what, base]] of bases.entries()) {
      for (const copy of damaged(base, n + 1)) {
        const ours = provenWholeJpeg(copy.buf, 2_000_000);
        const theirs = await libjpeg(copy.buf);
        if (theirs === null) refused++;
        if (ours === null) continue;
        proven++;
        expect(theirs, `${what}: ${copy.what}`).toEqual(ours);
      }
    }
    // both kinds were met: copies libjpeg refuses, and changed bytes that still read as a whole photo
    expect(refused).toBeGreaterThan(500);
    expect(proven).toBeGreaterThan(20);
  }, 60_000);

  it('says no to data left before EOI (libjpeg may let a few bytes through) and to a missing EOI', async () => {
    const { eoi } = scanBounds(small);
    expect(provenWholeJpeg(splice(small, eoi, 0, [0x12, 0x34]), 2_000_000)).toBeNull();
    expect(provenWholeJpeg(small.subarray(0, eoi), 2_000_000)).toBeNull();
    // after EOI, anything (phones append their own data there): libjpeg reads no further
    const trailer = Buffer.concat([small, Buffer.from('trailing data')]);
    expect(await libjpeg(trailer)).not.toBeNull();
    expect(provenWholeJpeg(trailer, 2_000_000)).toEqual({ width: 320, height: 240 });
  });

  it('leaves to libvips what it cannot vouch for', async () => {
    const others = [
      await sharp(small).jpeg({ progressive: true }).toBuffer(),
      await sharp(small).withIccProfile('p3').jpeg().toBuffer(),
      small, // over the size given
    ];
    for (const [i, buf] of others.entries()) {
      expect(await libjpeg(buf)).not.toBeNull();
      expect(provenWholeJpeg(buf, i === 2 ? 320 * 240 - 1 : 2_000_000), String(i)).toBeNull();
    }
  });

  it('an upload cut short or with a byte changed that libjpeg refuses is still refused as damaged, keeping nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proven-'));
    try {
      const { eoi } = scanBounds(small);
      const refused: Buffer[] = [];
      for (const copy of damaged(small, 99)) if ((await libjpeg(copy.buf)) === null) refused.push(copy.buf);
      expect(refused.length).toBeGreaterThan(100);
      for (const buf of [small.subarray(0, eoi - 200), ...refused.slice(0, 60)])
        await expect(storePhoto(dir, buf, { lines: ['点位'] })).rejects.toThrow(REJECTIONS.corrupt);
      expect(
        readdirSync(dir).flatMap((d) => readdirSync(join(dir, d), { recursive: true, encoding: 'utf8' })),
      ).toEqual([]);
      const kept = await storePhoto(dir, small, { lines: ['点位'] });
      expect([kept.width, kept.height]).toEqual([320, 240]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
