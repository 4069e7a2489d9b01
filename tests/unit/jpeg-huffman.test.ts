// The decoder's one-lookup path for AC coefficients (Decoder.fastAc) against the plain path (the symbol, then
// its value bits, T.81 F.2.2.1), for every 9-bit lookahead of the standard AC table and of tables with short
// codes: same run, same value, same bits used; and nothing taken where the plain path finds EOB, ZRL or a
// code longer than the lookahead.
import { describe, expect, it } from 'vitest';
import { AC_BITS, AC_VALS, BitReader, decoderOf, type Decoder } from '../../src/photos/jpeg-huffman.ts';

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
