// The caption band's forward DCT (photos/jpeg-band-dct.ts) against T.81 A.3.3 written out term by term:
// random blocks, blocks with one value (the band's plain background, taken by a shortcut), a block flat
// but for one sample, and the extremes of level-shifted samples.
import { describe, expect, it } from 'vitest';
import { fdct } from '../../src/photos/jpeg-band-dct.ts';

/** F(v,u) = ¼ C(u) C(v) Σy Σx f(y,x) cos((2x+1)uπ/16) cos((2y+1)vπ/16) */
function reference(block: Float64Array): Float64Array {
  const out = new Float64Array(64);
  const c = (k: number) => (k === 0 ? Math.SQRT1_2 : 1);
  for (let v = 0; v < 8; v++)
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let y = 0; y < 8; y++)
        for (let x = 0; x < 8; x++)
          s +=
            block[y * 8 + x]! *
            Math.cos(((2 * x + 1) * u * Math.PI) / 16) *
            Math.cos(((2 * y + 1) * v * Math.PI) / 16);
      out[v * 8 + u] = (c(u) * c(v) * s) / 4;
    }
  return out;
}

function transformed(block: Float64Array): Float64Array {
  const out = new Float64Array(64).fill(Number.NaN);
  fdct(block, out, new Float64Array(64));
  return out;
}

function expectClose(actual: Float64Array, expected: Float64Array) {
  for (let k = 0; k < 64; k++)
    expect(Math.abs(actual[k]! - expected[k]!), `coefficient ${k}`).toBeLessThan(1e-9);
}

describe('the caption band DCT', () => {
  it('equals the T.81 definition on random blocks', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 255 - 128;
    for (let n = 0; n < 200; n++) {
      const block = Float64Array.from({ length: 64 }, random);
      expectClose(transformed(block), reference(block));
    }
  });

  it('gives a flat block its DC term alone, and a nearly flat one all its terms', () => {
    for (const value of [-128, -37.5, 0, 12.25, 127]) {
      const flat = new Float64Array(64).fill(value);
      const out = transformed(flat);
      expect(out[0]).toBe(8 * value);
      expect([...out.subarray(1)].every((x) => x === 0)).toBe(true);
      expectClose(out, reference(flat));
      const spot = flat.slice();
      spot[63] = value + 1;
      const almost = transformed(spot);
      expectClose(almost, reference(spot));
      expect(almost[63]).not.toBe(0);
    }
  });
});
