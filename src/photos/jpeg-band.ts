/**
 * A small photo's display version without decoding its pixels. When the display version is the photo at
 * its own size with the caption band under it, the picture's part of the JPEG is the original's own
 * DCT coefficients: they are read (Huffman decoding only, no inverse DCT, no colour conversion), the
 * band's coefficients are appended below them (computed once per band, quantised with the photo's own
 * tables, cached), and the whole scan is Huffman-coded again with the standard tables (ITU T.81 Annex K.3).
 * The picture is therefore not compressed a second time (no second generation of JPEG loss), and a
 * 320×240 photo costs well under a millisecond instead of a decode and an encode.
 *
 * Only what this module can vouch for is taken: an 8-bit baseline or extended Huffman JPEG with one
 * sequential scan of all its components (one, or three YCbCr), sampling factors 1–2, a picture height
 * that ends on an MCU boundary (so the band starts on a fresh MCU row). Anything else, or any
 * inconsistency met while decoding, answers null and the caller encodes from the pixels as before.
 */
import { bandCoefficients } from './jpeg-band-dct.ts';
import { scanEnd } from './jpeg-strip.ts';
import {
  AC_BITS,
  AC_VALS,
  BitReader,
  BitWriter,
  BLOCK_FAILED,
  DC_BITS,
  DC_VALS,
  decoderFor,
  STANDARD_AC,
  STANDARD_DC,
  type Decoder,
} from './jpeg-huffman.ts';
import type { Band } from './watermark.ts';

export interface Component {
  id: number;
  h: number;
  v: number;
  tq: number;
  dc: Decoder | null;
  ac: Decoder | null;
}

/** What the header says, for a JPEG this module can take. */
export interface Parsed {
  width: number;
  height: number;
  comps: Component[];
  hmax: number;
  vmax: number;
  /** quantisation tables by id, in zigzag order */
  quant: (Uint16Array | undefined)[];
  /** the DQT and DHT segments as they were, copied into the result */
  dqt: Buffer[];
  dht: Buffer[];
  /** the SOS segment as it was */
  sos: Buffer;
  restartInterval: number;
  /** EXIF orientation (1 when there is none), null when the EXIF cannot be read here */
  orientation: number | null;
  /** whether an ICC profile is embedded (APP2 ICC_PROFILE) */
  icc: boolean;
  scanStart: number;
}

/**
 * Every component and every header is made here, by one object literal each, never by spreading another:
 * objects from one literal share one map V8 keeps. A spread's map is made by transition and dropped at the
 * next full collection once no object has it, so the next photo's header had a new map, and the scan's
 * compiled code (decodeScan, encodeScan, the band's DCT) was thrown away and compiled again, ≈ 80 times a
 * 5,000-photo burst (seen with node --trace-opt --trace-deopt).
 */
function component(
  id: number,
  h: number,
  v: number,
  tq: number,
  dc: Decoder | null,
  ac: Decoder | null,
): Component {
  return { id, h, v, tq, dc, ac };
}

const EXIF = Buffer.from('Exif\0\0', 'latin1');
const ICC_PROFILE = Buffer.from('ICC_PROFILE\0', 'latin1');

/** The Orientation tag (0x0112) of IFD0 in a TIFF block: 1 when absent, null when the block is odd. */
function exifOrientation(tiff: Buffer): number | null {
  if (tiff.length < 8) return null;
  const little = tiff[0] === 0x49 && tiff[1] === 0x49;
  if (!little && !(tiff[0] === 0x4d && tiff[1] === 0x4d)) return null;
  const u16 = (at: number) => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (little ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  if (u16(2) !== 42) return null;
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return null;
  const count = u16(ifd);
  if (ifd + 2 + 12 * count > tiff.length) return null;
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + 12 * i;
    if (u16(entry) !== 0x0112) continue;
    const value = u16(entry + 2) === 3 && u32(entry + 4) === 1 ? u16(entry + 8) : 0;
    return value >= 1 && value <= 8 ? value : null;
  }
  return 1;
}

function segments(buf: Buffer): Parsed | null {
  if (buf.length < 4 || buf[0] !== 0xff || buf[1] !== 0xd8) return null;
  const quant: (Uint16Array | undefined)[] = [];
  const dqt: Buffer[] = [];
  const dht: Buffer[] = [];
  const dcTables: (Decoder | null)[] = [];
  const acTables: (Decoder | null)[] = [];
  let frame: Pick<Parsed, 'width' | 'height' | 'comps' | 'hmax' | 'vmax'> | null = null;
  let restartInterval = 0;
  let orientation: number | null = 1;
  let exifSeen = false;
  let icc = false;
  let at = 2;
  while (at + 4 <= buf.length) {
    if (buf[at] !== 0xff) return null;
    const marker = buf[at + 1]!;
    if (marker === 0xff) {
      at++;
      continue;
    }
    const end = at + 2 + buf.readUInt16BE(at + 2);
    if (end > buf.length || end < at + 4) return null;
    const body = buf.subarray(at + 4, end);
    if (marker === 0xc0 || marker === 0xc1) {
      if (frame || body[0] !== 8) return null;
      const count = body[5]!;
      if ((count !== 1 && count !== 3) || body.length !== 6 + 3 * count) return null;
      const comps: Component[] = [];
      for (let i = 0; i < count; i++) {
        const hv = body[7 + 3 * i]!;
        comps.push(component(body[6 + 3 * i]!, hv >> 4, hv & 15, body[8 + 3 * i]!, null, null));
      }
      if (comps.some((c) => c.h < 1 || c.h > 2 || c.v < 1 || c.v > 2 || c.tq > 3)) return null;
      // component ids 'R', 'G', 'B' tell libjpeg the data is RGB, not YCbCr
      if (count === 3 && comps[0]!.id === 0x52 && comps[1]!.id === 0x47 && comps[2]!.id === 0x42) return null;
      // one component: one block per MCU
      if (count === 1) comps[0] = component(comps[0]!.id, 1, 1, comps[0]!.tq, null, null);
      frame = {
        height: body.readUInt16BE(1),
        width: body.readUInt16BE(3),
        comps,
        hmax: count === 1 ? 1 : Math.max(comps[0]!.h, comps[1]!.h, comps[2]!.h),
        vmax: count === 1 ? 1 : Math.max(comps[0]!.v, comps[1]!.v, comps[2]!.v),
      };
    } else if (marker === 0xdb) {
      for (let p = 0; p < body.length;) {
        const precision = body[p]! >> 4;
        const id = body[p]! & 15;
        const size = precision ? 128 : 64;
        if (id > 3 || precision > 1 || p + 1 + size > body.length) return null;
        const table = new Uint16Array(64);
        for (let k = 0; k < 64; k++)
          table[k] = precision ? body.readUInt16BE(p + 1 + 2 * k) : body[p + 1 + k]!;
        if (table.includes(0)) return null;
        quant[id] = table;
        p += 1 + size;
      }
      dqt.push(buf.subarray(at, end));
    } else if (marker === 0xc4) {
      for (let p = 0; p < body.length;) {
        const cls = body[p]! >> 4;
        const id = body[p]! & 15;
        if (cls > 1 || id > 3 || p + 17 > body.length) return null;
        const bits = body.subarray(p + 1, p + 17);
        const total = bits.reduce((s, b) => s + b, 0);
        if (p + 17 + total > body.length) return null;
        const table = decoderFor(bits, body.subarray(p + 17, p + 17 + total));
        if (!table) return null;
        (cls === 0 ? dcTables : acTables)[id] = table;
        p += 17 + total;
      }
      dht.push(buf.subarray(at, end));
    } else if (marker === 0xdd) {
      restartInterval = body.readUInt16BE(0);
    } else if (marker === 0xda) {
      if (!frame) return null;
      const count = body[0]!;
      if (count !== frame.comps.length || body.length !== 4 + 2 * count) return null;
      const comps: Component[] = [];
      for (let i = 0; i < count; i++) {
        // interleaved in frame order, as every encoder writes it
        const f = frame.comps[i]!;
        if (body[1 + 2 * i] !== f.id) return null;
        const dc = dcTables[body[2 + 2 * i]! >> 4] ?? null;
        const ac = acTables[body[2 + 2 * i]! & 15] ?? null;
        if (!dc || !ac || !quant[f.tq]) return null;
        comps.push(component(f.id, f.h, f.v, f.tq, dc, ac));
      }
      const [ss, se, a] = [body[1 + 2 * count], body[2 + 2 * count], body[3 + 2 * count]];
      if (ss !== 0 || se !== 63 || a !== 0) return null;
      const sos = buf.subarray(at, end);
      return {
        width: frame.width,
        height: frame.height,
        comps,
        hmax: frame.hmax,
        vmax: frame.vmax,
        quant,
        dqt,
        dht,
        sos,
        restartInterval,
        orientation,
        icc,
        scanStart: end,
      };
    } else if (marker === 0xe1 && !exifSeen && body.subarray(0, 6).equals(EXIF)) {
      exifSeen = true;
      orientation = exifOrientation(body.subarray(6));
    } else if (marker === 0xe2 && body.subarray(0, 12).equals(ICC_PROFILE)) {
      icc = true;
    } else if (!((marker >= 0xe0 && marker <= 0xef && marker !== 0xee) || marker === 0xfe)) {
      return null; // SOF2 and the rest, APP14 (Adobe colour transform), DNL…
    }
    at = end;
  }
  return null;
}

/** The JPEG's header when its scan can be read and extended here (see the module comment); else null. */
export function parseForBand(buf: Buffer): Parsed | null {
  const parsed = segments(buf);
  if (!parsed || parsed.width === 0 || parsed.height === 0) return null;
  if (parsed.height % (8 * parsed.vmax) !== 0) return null;
  return parsed;
}

/**
 * The size (as shown, after EXIF rotation) of a JPEG whose every block was read and found whole — the
 * upload's proof that the photo is complete, without libvips' decode (its inverse DCT and colour
 * conversion cannot fail once the coded data reads through; the blocks can) — or null when this module
 * cannot vouch for the photo and libvips must decide: not the kind of JPEG it reads (see the module
 * comment), an ICC profile or an EXIF block it cannot read (libjpeg and libvips check those further),
 * over `maxPixels`, or any doubt met while reading the blocks (decodeScan is never laxer than libjpeg).
 */
export function provenWholeJpeg(buf: Buffer, maxPixels: number): { width: number; height: number } | null {
  const p = segments(buf);
  if (!p || p.width === 0 || p.height === 0 || p.width * p.height > maxPixels) return null;
  if (p.orientation === null || p.icc) return null;
  if (new Set(p.comps.map((c) => c.id)).size !== p.comps.length) return null;
  // libjpeg refuses a table of more than 256 codes, and a DC table with a value over 15
  for (const c of p.comps)
    if (c.dc!.vals.length > 256 || c.ac!.vals.length > 256 || c.dc!.vals.some((v) => v > 15)) return null;
  const mcusX = Math.ceil(p.width / (8 * p.hmax));
  const mcusY = Math.ceil(p.height / (8 * p.vmax));
  if (!decodeScan(buf, p, mcusX, mcusY, null)) return null;
  // the image ends with the scan: EOI next (after fill bytes), whatever may follow it
  const end = scanEnd(buf, p.scanStart);
  if (end === -1 || buf[end + 1] !== 0xd9) return null;
  return p.orientation >= 5 ? { width: p.height, height: p.width } : { width: p.width, height: p.height };
}

/** Blocks of each component in MCU order of a picture `mcusX`×`mcusY` MCUs: one Int16Array each, zigzag. */
type Coefficients = Int16Array[];

export function blocksPerMcu(c: Component): number {
  return c.h * c.v;
}

/**
 * Reads every block of the scan into `into` (or, with null, only reads them). False at anything libjpeg
 * would stop or warn at — a code the tables lack, data cut short, a restart marker missing or out of
 * turn, a whole byte left over before a restart marker or after the last block — and at some things it
 * lets through (a run past the 64th coefficient): this reading is never laxer than libjpeg's.
 */
function decodeScan(
  buf: Buffer,
  p: Parsed,
  mcusX: number,
  mcusY: number,
  into: Coefficients | null,
): boolean {
  const step = into ? 64 : 0;
  const reader = new BitReader(buf, p.scanStart);
  const pred = new Int32Array(p.comps.length);
  const total = mcusX * mcusY;
  for (let m = 0; m < total; m++) {
    if (p.restartInterval && m > 0 && m % p.restartInterval === 0) {
      if (!reader.restart(m / p.restartInterval - 1)) return false;
      pred.fill(0);
    }
    for (let ci = 0; ci < p.comps.length; ci++) {
      const comp = p.comps[ci]!;
      const out = into?.[ci] ?? scratch;
      for (let b = 0, o = m * blocksPerMcu(comp) * step; b < blocksPerMcu(comp); b++, o += step) {
        const diff = reader.block(comp.dc!, comp.ac!, out, o);
        if (diff === BLOCK_FAILED) return false;
        pred[ci]! += diff;
        out[o] = pred[ci]!;
      }
    }
    if (reader.overrun > 0) return false;
  }
  // what is left must be padding up to the next marker: the scan ends where the data ends
  return reader.overrun === 0 && reader.unusedBytes === 0 && (reader.atMarker || buf[reader.pos] === 0xff);
}

/** Where decodeScan puts a block it is only reading. */
const scratch = new Int16Array(64);

function bitLength(v: number): number {
  return v === 0 ? 0 : 32 - Math.clz32(v < 0 ? -v : v);
}

/**
 * Huffman-codes `mcus` MCUs of `coefs`, each component with its tables (`own`: the photo's, else the
 * standard ones, which code every symbol). An AC coefficient the photo's tables cannot code is coded
 * with the largest magnitude they can at its run, or left out, up to `approximated.allowed` times;
 * null past that, or when a DC difference or an end of block has no code.
 */
function encodeScan(
  comps: Component[],
  coefs: Coefficients,
  mcus: number,
  sizeHint: number,
  own: boolean,
  approximated = { count: 0, allowed: 0 },
): Uint8Array | null {
  const w = new BitWriter(sizeHint);
  const pred = new Int32Array(comps.length);
  for (let m = 0; m < mcus; m++) {
    for (let ci = 0; ci < comps.length; ci++) {
      const comp = comps[ci]!;
      const data = coefs[ci]!;
      const DC_CODES = own ? comp.dc!.codes : STANDARD_DC;
      const AC_CODES = own ? comp.ac!.codes : STANDARD_AC;
      for (let b = 0, o = m * blocksPerMcu(comp) * 64; b < blocksPerMcu(comp); b++, o += 64) {
        const diff = data[o]! - pred[ci]!;
        pred[ci] = data[o]!;
        let s = bitLength(diff);
        if (DC_CODES.size[s] === 0) return null;
        w.put(DC_CODES.code[s]!, DC_CODES.size[s]!);
        if (s) w.put((diff < 0 ? diff - 1 : diff) & ((1 << s) - 1), s);
        let run = 0;
        for (let k = 1; k < 64; k++) {
          let v = data[o + k]!;
          if (v === 0) {
            run++;
            continue;
          }
          s = bitLength(v);
          // a symbol the tables cannot code: the largest magnitude they can at this run, else nothing
          const zrlMissing = run > 15 && AC_CODES.size[0xf0] === 0;
          let fits = zrlMissing ? 0 : s;
          while (fits > 0 && AC_CODES.size[((run & 15) << 4) | fits] === 0) fits--;
          if (fits !== s) {
            if (++approximated.count > approximated.allowed) return null;
            if (fits === 0) {
              run++;
              continue;
            }
            v = v < 0 ? 1 - (1 << fits) : (1 << fits) - 1;
            s = fits;
          }
          for (; run > 15; run -= 16) w.put(AC_CODES.code[0xf0]!, AC_CODES.size[0xf0]!);
          const rs = (run << 4) | s;
          w.put(AC_CODES.code[rs]!, AC_CODES.size[rs]!);
          w.put((v < 0 ? v - 1 : v) & ((1 << s) - 1), s);
          run = 0;
        }
        if (run > 0) {
          if (AC_CODES.size[0] === 0) return null;
          w.put(AC_CODES.code[0]!, AC_CODES.size[0]!);
        }
      }
    }
  }
  return w.finish();
}

function segment(marker: number, body: number[]): Buffer {
  return Buffer.from([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 255, ...body]);
}

function dhtBody(): number[] {
  const table = (cls: number, bits: number[], vals: number[]) => [cls << 4, ...bits, ...vals];
  return [...table(0, DC_BITS, DC_VALS), ...table(1, AC_BITS, AC_VALS)];
}
const DHT = segment(0xc4, dhtBody());
/** JFIF 1.01, no density: says plainly that three components are YCbCr. */
const APP0 = segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);

/**
 * The band appended without touching the picture's coded data: the photo's scan is kept byte for byte
 * and made one restart interval (DRI = the picture's MCU count), so after an RST0 marker the decoder
 * starts afresh (bit position and DC predictions) and the band's MCUs follow, coded with the photo's own
 * tables (approximated where those lack a code, see encodeScan). Null when the photo already has restart intervals, its scan is not followed by the image's end,
 * or its tables lack a code the band needs (optimised tables hold only the symbols the photo used).
 */
/**
 * AC coefficients of the band that may be approximated to fit the photo's tables: a band has thousands;
 * measured on 40 photos with optimised tables, 0–2 of them needed it (invisible at 1:1).
 */
const APPROXIMATED_ALLOWED = 16;

function appendedAsRestart(
  buf: Buffer,
  p: Parsed,
  band: { rows: number; coefs: Coefficients },
  mcusX: number,
  height: number,
): Buffer | null {
  const mcus = mcusX * (p.height / (8 * p.vmax));
  if (p.restartInterval !== 0 || mcus > 0xffff) return null;
  const end = scanEnd(buf, p.scanStart);
  if (end === -1 || buf[end + 1] !== 0xd9) return null;
  // The kept scan must be one plain run of coded data. A restart marker (or fill byte) in a photo that
  // declares no restart interval is something a decoder skips in the original, but after our DRI an
  // uploader's own RST0 would start an interval there: a caption band of theirs, drawn instead of ours.
  for (let i = buf.indexOf(0xff, p.scanStart); i !== -1 && i < end; i = buf.indexOf(0xff, i + 1))
    if (buf[i + 1] !== 0x00) return null;
  // the band is one restart interval: no longer than the picture's (DRI), or a decoder looks for an RST1
  if (mcusX * band.rows > mcus) return null;
  const approximated = { count: 0, allowed: APPROXIMATED_ALLOWED };
  const bandScan = encodeScan(p.comps, band.coefs, mcusX * band.rows, 4096, true, approximated);
  if (!bandScan) return null;
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    APP0,
    ...p.dqt,
    frameHeader(p, height),
    ...p.dht,
    segment(0xdd, [mcus >> 8, mcus & 255]),
    p.sos,
    buf.subarray(p.scanStart, end),
    Buffer.from([0xff, 0xd0]),
    bandScan,
    Buffer.from([0xff, 0xd9]),
  ]);
}

function frameHeader(p: Parsed, height: number): Buffer {
  return segment(0xc0, [
    8,
    height >> 8,
    height & 255,
    p.width >> 8,
    p.width & 255,
    p.comps.length,
    ...p.comps.flatMap((c) => [c.id, (c.h << 4) | c.v, c.tq]),
  ]);
}

/**
 * The display version of `buf` (parsed by parseForBand) with `band` under it (`pixels`: the band drawn,
 * RGB, as wide as the photo; asked for only when its coefficients are not cached): appendedAsRestart when
 * it can, else the whole scan decoded and coded again with the standard tables (`way` 'transcoded': that
 * only, for tests). Null when the scan does not read as its header says.
 */
export function jpegWithBand(
  buf: Buffer,
  p: Parsed,
  band: Band,
  pixels: () => Buffer,
  way: 'any' | 'transcoded' = 'any',
): Buffer | null {
  const mcuW = 8 * p.hmax;
  const mcuH = 8 * p.vmax;
  const mcusX = Math.ceil(p.width / mcuW);
  const mcusY = p.height / mcuH;
  const bandMcus = bandCoefficients(p, band, pixels, mcusX);
  const bandRows = bandMcus.rows;
  const height = p.height + band.height;
  if (height > 0xffff) return null;
  const appended = way === 'any' ? appendedAsRestart(buf, p, bandMcus, mcusX, height) : null;
  if (appended) return appended;
  const coefs: Coefficients = p.comps.map((c, i) => {
    const perRow = mcusX * blocksPerMcu(c) * 64;
    const all = new Int16Array(perRow * (mcusY + bandRows));
    all.set(bandMcus.coefs[i]!, perRow * mcusY);
    return all;
  });
  if (!decodeScan(buf, p, mcusX, mcusY, coefs)) return null;
  // null when a coefficient needs more bits than the standard tables code (a crafted or odd photo)
  const scan = encodeScan(p.comps, coefs, mcusX * (mcusY + bandRows), buf.length + 4096, false);
  if (!scan) return null;
  const sof = frameHeader(p, height);
  const sos = segment(0xda, [p.comps.length, ...p.comps.flatMap((c) => [c.id, 0x00]), 0, 63, 0]);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    APP0,
    ...p.dqt,
    sof,
    DHT,
    sos,
    scan,
    Buffer.from([0xff, 0xd9]),
  ]);
}
