// The caption band's forward DCT (photos/jpeg-band-dct.ts) against T.81 A.3.3 written out term by term:
// random blocks, blocks with one value (the band's plain background, taken by a shortcut), a block flat
// but for one sample, and the extremes of level-shifted samples. And the band's coefficients, which skip
// the blocks outside the text's box, against every block computed the plain way.
import { describe, expect, it } from 'vitest';
import { bandCoefficients, fdct } from '../../src/photos/jpeg-band-dct.ts';
import type { Parsed } from '../../src/photos/jpeg-band.ts';
import { withBand } from '../../src/photos/render.ts';
import type { Band } from '../../src/photos/watermark.ts';

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
  fdct(block, out);
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

/**
 * The band's coefficients the plain way: every pixel of every block converted, averaged and transformed,
 * whether it lies in the text's box or in the plain background around it.
 */
function plainCoefficients(p: Parsed, band: Band, rgb: Buffer, mcusX: number): Int16Array[] {
  const mcuW = 8 * p.hmax;
  const mcuH = 8 * p.vmax;
  const rows = Math.ceil(band.height / mcuH);
  const W = mcusX * mcuW;
  const H = rows * mcuH;
  const planes = p.comps.map(() => new Float64Array(W * H));
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = (Math.min(y, band.height - 1) * p.width + Math.min(x, p.width - 1)) * 3;
      const [r, g, b] = [rgb[i]!, rgb[i + 1]!, rgb[i + 2]!];
      planes[0]![y * W + x] = 0.299 * r + 0.587 * g + 0.114 * b - 128;
      if (planes.length === 3) {
        planes[1]![y * W + x] = -0.168736 * r - 0.331264 * g + 0.5 * b;
        planes[2]![y * W + x] = 0.5 * r - 0.418688 * g - 0.081312 * b;
      }
    }
  return p.comps.map((c, ci) => {
    const q = p.quant[c.tq]!;
    const [sx, sy] = [p.hmax / c.h, p.vmax / c.v];
    const data = new Int16Array(mcusX * rows * c.h * c.v * 64);
    const block = new Float64Array(64);
    let o = 0;
    for (let my = 0; my < rows; my++)
      for (let mx = 0; mx < mcusX; mx++)
        for (let by = 0; by < c.v; by++)
          for (let bx = 0; bx < c.h; bx++, o += 64) {
            const x0 = (mx * c.h + bx) * 8 * sx;
            const y0 = (my * c.v + by) * 8 * sy;
            for (let y = 0; y < 8; y++)
              for (let x = 0; x < 8; x++) {
                let s = 0;
                for (let dy = 0; dy < sy; dy++)
                  for (let dx = 0; dx < sx; dx++)
                    s += planes[ci]![(y0 + y * sy + dy) * W + x0 + x * sx + dx]!;
                block[y * 8 + x] = s / (sx * sy);
              }
            const out = transformed(block);
            for (let k = 0; k < 64; k++) {
              const limit = k === 0 ? 2047 : 1023;
              data[o + k] = Math.max(-limit, Math.min(limit, Math.round(out[ZIGZAG[k]!]! / q[k]!)));
            }
          }
    return data;
  });
}

const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7,
  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46,
  53, 60, 61, 54, 47, 55, 62, 63,
];

describe("the caption band's coefficients", () => {
  // the ways of coding a phone's photos: 4:2:0, 4:4:4, 4:2:2 (2×1, written out nowhere), greyscale
  const codings = [
    {
      name: '4:2:0',
      comps: [
        [2, 2, 0],
        [1, 1, 1],
        [1, 1, 1],
      ],
    },
    {
      name: '4:4:4',
      comps: [
        [1, 1, 0],
        [1, 1, 1],
        [1, 1, 1],
      ],
    },
    {
      name: '4:2:2',
      comps: [
        [2, 1, 0],
        [1, 1, 1],
        [1, 1, 1],
      ],
    },
    { name: 'grey', comps: [[1, 1, 0]] },
  ];
  const quant = [0, 1].map((t) => Uint16Array.from({ length: 64 }, (_, k) => 2 + ((k * (3 + t)) % 23)));
  let seed = 11;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

  /**
   * A band `height` high with `textWidth`×`textHeight` of random ink (half of it transparent): greys, as
   * captions are drawn (white text at any alpha over the grey background), or `coloured`.
   */
  function band(height: number, pad: number, textWidth: number, textHeight: number, coloured: boolean): Band {
    const text = Buffer.alloc(textWidth * textHeight * 4);
    for (let i = 0; i < text.length; i += 4)
      if (random() < 0.5) {
        text.fill(Math.floor(random() * 256), i, i + 4);
        if (coloured) text[i + 1] = Math.floor(random() * 256);
      }
    return { height, pad, text, textWidth, textHeight };
  }

  it('are those of every block converted and transformed, for text anywhere in the band, grey or coloured', () => {
    let checked = 0;
    for (const coloured of [false, true])
      for (const coding of codings)
        for (const width of [320, 317, 64, 9])
          for (const [height, pad, tw, th] of [
            [64, 7, 159, 50], // a small photo's band: text in the left half
            [40, 5, 400, 30], // text wider than the photo (clipped at its edge)
            [23, 4, 12, 40], // text taller than the band (clipped at its foot), a height off the MCU grid
            [30, 9, 1, 1], // one pixel of ink
            [16, 3, 0, 0], // no text at all
          ] as const) {
            const comps = coding.comps.map(([h, v, tq], i) => ({
              id: i + 1,
              h: h!,
              v: v!,
              tq: tq!,
              dc: null,
              ac: null,
            }));
            const p = {
              width,
              height: 16,
              comps,
              hmax: Math.max(...comps.map((c) => c.h)),
              vmax: Math.max(...comps.map((c) => c.v)),
              quant,
            } as unknown as Parsed;
            const b = band(height, pad, tw, th, coloured);
            const mcusX = Math.ceil(width / (8 * p.hmax));
            const rgb = withBand(Buffer.alloc(0), width, 0, b);
            const got = bandCoefficients(p, b, () => rgb, mcusX);
            const want = plainCoefficients(p, b, rgb, mcusX);
            expect(got.rows).toBe(Math.ceil(height / (8 * p.vmax)));
            for (let ci = 0; ci < want.length; ci++)
              expect(
                Buffer.from(got.coefs[ci]!.buffer),
                `${coloured ? 'coloured' : 'grey'} ${coding.name} ${width} ${height}/${tw}×${th} ${ci}`,
              ).toEqual(Buffer.from(want[ci]!.buffer));
            checked++;
          }
    expect(checked).toBe(160);
  }, 60_000);
});
