// The decoder's one-lookup path for AC coefficients (Decoder.fastAc) against the plain path (the symbol, then
// its value bits, T.81 F.2.2.1), for every 9-bit lookahead of the standard AC table and of tables with short
// codes: same run, same value, same bits used; and nothing taken where the plain path finds EOB, ZRL or a
// code longer than the lookahead.
import { describe, expect, it } from 'vitest';
import {
  AC_BITS,
  AC_VALS,
  BitReader,
  BLOCK_FAILED,
  DC_BITS,
  DC_VALS,
  decoderFor,
  decoderOf,
  type Decoder,
} from '../../src/photos/jpeg-huffman.ts';

/**
 * A reader whose next 9 bits are `j`, then `tail` repeated, as a scan would hold them (0xFF stuffed), and
 * how many bits it has used so far.
 */
function readerAt(j: number, tail: number): { r: BitReader; used: () => number } {
  const data = [(j >>> 1) & 0xff, ((j & 1) << 7) | (tail >>> 1), ...Array<number>(6).fill(tail)];
  const bytes: number[] = [];
  // data bytes before each position of the stuffed buffer
  const before: number[] = [];
  data.forEach((b, k) => {
    before[bytes.length] = k;
    bytes.push(b);
    if (b === 0xff) bytes.push(0x00);
  });
  before[bytes.length] = data.length;
  const r = new BitReader(Buffer.from(bytes), 0);
  return { r, used: () => before[r.pos]! * 8 - r.n };
}

function plain(t: Decoder, j: number, tail: number): { run: number; value: number; used: number } | null {
  const { r, used } = readerAt(j, tail);
  const rs = r.symbol(t);
  if (rs < 0 || (rs & 15) === 0) return null;
  const s = rs & 15;
  let v = r.bits(s);
  if (v < 1 << (s - 1)) v -= (1 << s) - 1;
  return { run: rs >> 4, value: v, used: used() };
}

function check(t: Decoder): number {
  let taken = 0;
  for (const tail of [0x00, 0xff, 0x5a])
    for (let j = 0; j < 512; j++) {
      const p = plain(t, j, tail);
      const { r, used } = readerAt(j, tail);
      const e = r.fastAc(t);
      if (e === 0) {
        // not taken, nothing used: the plain path needs more than 9 bits, or it is not a coefficient
        expect(used(), `lookahead ${j}`).toBe(0);
        if (p) expect(p.used, `lookahead ${j}`).toBeGreaterThan(9);
        continue;
      }
      taken++;
      expect(p, `lookahead ${j}`).not.toBeNull();
      expect({ run: (e >> 4) & 15, value: e >> 8, used: used() }, `lookahead ${j}`).toEqual(p);
    }
  return taken;
}

describe('AC coefficients in one lookup', () => {
  it('the standard table (T.81 K.5): as the symbol and its bits, where both fit in 9 bits', () => {
    const t = decoderOf(Uint8Array.from(AC_BITS), Uint8Array.from(AC_VALS))!;
    expect(check(t)).toBeGreaterThan(300);
  });

  it('a table with codes of 1 to 5 bits: sizes 1, 2, 8 and 10, a run, EOB and ZRL', () => {
    // codes 0, 10, 110, 1110, 11110, 11111; the last a size-10 value that never fits
    const vals = [0x01, 0x00, 0x12, 0xf0, 0x08, 0x3a];
    const bits = [1, 1, 1, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const t = decoderOf(Uint8Array.from(bits), Uint8Array.from(vals))!;
    expect(t).not.toBeNull();
    expect(check(t)).toBeGreaterThan(100);
  });
});

/**
 * A block read as decodeScan read it before BitReader.block: the methods one symbol at a time. Returns the
 * DC difference (BLOCK_FAILED as block() does) and writes the AC coefficients to out[1…63].
 */
function blockByMethods(r: BitReader, dc: Decoder, ac: Decoder, out: Int16Array): number {
  const t = r.symbol(dc);
  if (t < 0 || t > 11) return BLOCK_FAILED;
  let diff = r.bits(t);
  if (t && diff < 1 << (t - 1)) diff -= (1 << t) - 1;
  for (let k = 1; k < 64;) {
    const e = r.fastAc(ac);
    if (e !== 0) {
      k += (e >> 4) & 15;
      if (k > 63) return BLOCK_FAILED;
      out[k++] = e >> 8;
      continue;
    }
    const rs = r.symbol(ac);
    if (rs < 0) return BLOCK_FAILED;
    const s = rs & 15;
    if (s === 0) {
      if (rs !== 0xf0) break;
      k += 16;
      continue;
    }
    k += rs >> 4;
    if (k > 63) return BLOCK_FAILED;
    let v = r.bits(s);
    if (v < 1 << (s - 1)) v -= (1 << s) - 1;
    out[k++] = v;
  }
  return diff;
}

/** Deterministic bytes (xorshift), 0xFF stuffed as a scan's are, a marker now and then when `markers`. */
function scanBytes(seed: number, length: number, markers: boolean): Buffer {
  let x = seed >>> 0 || 1;
  const out: number[] = [];
  while (out.length < length) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const b = (x >>> 0) & 0xff;
    out.push(b);
    if (b === 0xff) out.push(markers && (x >>> 8) % 7 === 0 ? 0xd0 + ((x >>> 12) & 7) : 0x00);
  }
  return Buffer.from(out);
}

describe('a whole block in one call (BitReader.block)', () => {
  // AC codes of 2 to 16 bits: most symbols in one lookup, some through the long-code walk, the longest
  // (12 to 16 bits) with values of 10 to 15 bits, more than are left held after such a code
  const longAcBits = [0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2];
  const longAcVals = [0x01, 0x00, 0x02, 0xf0, 0x11, 0x03, 0x21, 0x04, 0x05, 0x31, 0x12, 0x06, 0x41, 0x07];
  longAcVals.push(
    0x13,
    0x22,
    0x08,
    0x51,
    0x09,
    0x0a,
    0x0a,
    0x1a,
    0x0b,
    0x2b,
    0x0c,
    0x3c,
    0x0d,
    0x4d,
    0x0e,
    0x0f,
  );
  const tables = [
    {
      name: 'standard tables',
      dc: decoderOf(Uint8Array.from(DC_BITS), Uint8Array.from(DC_VALS))!,
      ac: decoderOf(Uint8Array.from(AC_BITS), Uint8Array.from(AC_VALS))!,
    },
    {
      name: 'codes up to 16 bits',
      dc: decoderOf(Uint8Array.from(DC_BITS), Uint8Array.from(DC_VALS))!,
      ac: decoderOf(Uint8Array.from(longAcBits), Uint8Array.from(longAcVals))!,
    },
    {
      // codes of 1 to 9 bits whose values are 11 to 15 bits: a code and its value of up to 24 bits
      name: 'short codes with long values',
      dc: decoderOf(Uint8Array.from(DC_BITS), Uint8Array.from(DC_VALS))!,
      ac: decoderOf(
        Uint8Array.from([1, 1, 1, 1, 1, 1, 1, 1, 2, 0, 0, 0, 0, 0, 0, 0]),
        Uint8Array.from([0x01, 0x00, 0x0b, 0xf0, 0x1c, 0x0d, 0x2e, 0x0e, 0x0f, 0x3f]),
      )!,
    },
  ];

  for (const { name, dc, ac } of tables)
    it(`${name}: the same coefficients, outcome and reader state as symbol, bits and fastAc, block after block`, () => {
      expect(ac).not.toBeNull();
      let blocks = 0;
      let failed = 0;
      for (let seed = 1; seed <= 60; seed++) {
        const buf = scanBytes(seed * 7919, 40 + (seed % 9) * 30, seed % 3 === 0);
        const a = new BitReader(buf, 0);
        const b = new BitReader(buf, 0);
        for (let i = 0; i < 40; i++) {
          const outA = new Int16Array(64);
          const outB = new Int16Array(64);
          const da = blockByMethods(a, dc, ac, outA);
          const db = b.block(dc, ac, outB, 0);
          expect(db, `seed ${seed} block ${i}`).toBe(da);
          blocks++;
          if (da === BLOCK_FAILED) {
            failed++;
            break;
          }
          expect(Array.from(outB), `seed ${seed} block ${i}`).toEqual(Array.from(outA));
          // what decodeScan asks after each MCU (overrun), and where the scan or an interval ends: all
          // the data used but for padding, a marker next (how far ahead each has read may differ)
          const ends = (r: BitReader) => r.unusedBytes === 0 && (r.atMarker || buf[r.pos] === 0xff);
          expect([b.overrun, ends(b)], `seed ${seed} block ${i}`).toEqual([a.overrun, ends(a)]);
        }
      }
      // both outcomes met, and past the data's end
      expect(blocks).toBeGreaterThan(200);
      expect(failed).toBeGreaterThanOrEqual(3);
    });
});

describe('tables remembered by their bytes (decoderFor)', () => {
  it('gives the same decoder for the same bytes, a copy of the values, and null stays null', () => {
    const photo = Buffer.from([...AC_BITS, ...AC_VALS]);
    const again = Buffer.from(photo);
    const t = decoderFor(photo.subarray(0, 16), photo.subarray(16))!;
    expect(decoderFor(again.subarray(0, 16), again.subarray(16))).toBe(t);
    expect(t.vals.buffer).not.toBe(photo.buffer);
    photo.fill(0);
    expect(Array.from(t.vals)).toEqual(AC_VALS);
    expect(t).toEqual(decoderOf(Uint8Array.from(AC_BITS), Uint8Array.from(AC_VALS)));
    // more codes than 2 bits allow: not a Huffman table, remembered as such
    const bad = Uint8Array.from([0, 5, ...Array<number>(14).fill(0)]);
    expect(decoderFor(bad, Uint8Array.from([1, 2, 3, 4, 5]))).toBeNull();
    expect(decoderFor(bad, Uint8Array.from([1, 2, 3, 4, 5]))).toBeNull();
  });
});
