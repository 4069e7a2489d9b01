/**
 * The caption band's DCT coefficients for jpeg-band.ts: the band's pixels (RGB, drawn as the display
 * version draws them) turned into the photo's components, subsampled as the photo is, transformed
 * (T.81 A.3.3 forward DCT) and quantised with the photo's own tables. Computed once per band and way of
 * coding; a sheet's photos share their band and usually their camera's tables.
 */
import { blocksPerMcu, type Parsed } from './jpeg-band.ts';
import type { Band } from './watermark.ts';

/** Zigzag position → natural index (as in jpeg-band.ts). */
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7,
  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46,
  53, 60, 61, 54, 47, 55, 62, 63,
];

/** DCT basis: BASIS[u * 8 + x] = C(u) / 2 · cos((2x + 1)uπ / 16). */
const BASIS = new Float64Array(64);
for (let u = 0; u < 8; u++)
  for (let x = 0; x < 8; x++)
    BASIS[u * 8 + x] = ((u === 0 ? Math.SQRT1_2 : 1) / 2) * Math.cos(((2 * x + 1) * u * Math.PI) / 16);

/**
 * Forward DCT of an 8×8 block (level-shifted samples, row-major) into `out` (natural order). Each 1-D
 * transform splits the 8 samples into sums and differences of mirrored pairs: the even frequencies are
 * the sums' transform, the odd ones the differences' (half the multiplications of the plain sum). A flat
 * block (most of a caption band is its plain background) has only its DC term: 8 × its value.
 */
export function fdct(block: Float64Array, out: Float64Array, tmp: Float64Array): void {
  const first = block[0]!;
  let flat = true;
  for (let i = 1; i < 64 && flat; i++) flat = block[i] === first;
  if (flat) {
    out.fill(0);
    out[0] = 8 * first;
    return;
  }
  // rows: tmp[y][u] = Σx f[y][x]·B[u][x]; columns: out[v][u] = Σy B[v][y]·tmp[y][u]
  for (let y = 0; y < 8; y++) dct8(block, y * 8, 1, tmp, y * 8, 1);
  for (let u = 0; u < 8; u++) dct8(tmp, u, 8, out, u, 8);
}

/** One 8-point DCT: in[at + k·step] → out[to + u·stride], through the mirrored pairs' sums and differences. */
function dct8(input: Float64Array, at: number, step: number, out: Float64Array, to: number, stride: number) {
  const x0 = input[at]!;
  const x1 = input[at + step]!;
  const x2 = input[at + 2 * step]!;
  const x3 = input[at + 3 * step]!;
  const x4 = input[at + 4 * step]!;
  const x5 = input[at + 5 * step]!;
  const x6 = input[at + 6 * step]!;
  const x7 = input[at + 7 * step]!;
  const s0 = x0 + x7;
  const s1 = x1 + x6;
  const s2 = x2 + x5;
  const s3 = x3 + x4;
  const d0 = x0 - x7;
  const d1 = x1 - x6;
  const d2 = x2 - x5;
  const d3 = x3 - x4;
  for (let u = 0; u < 8; u += 2) {
    const b = u * 8;
    out[to + u * stride] = s0 * BASIS[b]! + s1 * BASIS[b + 1]! + s2 * BASIS[b + 2]! + s3 * BASIS[b + 3]!;
    const c = b + 8;
    out[to + (u + 1) * stride] =
      d0 * BASIS[c]! + d1 * BASIS[c + 1]! + d2 * BASIS[c + 2]! + d3 * BASIS[c + 3]!;
  }
}

interface BandCoefficients {
  /** MCU rows the band takes */
  rows: number;
  /** per component, its blocks in MCU order, zigzag, quantised */
  coefs: Int16Array[];
}

/** By band (render.ts keeps the bands drawn lately), then by the photo's way of coding. */
const cache = new WeakMap<Band, Map<string, BandCoefficients>>();
const CODINGS_KEPT = 8;

/**
 * The band (RGB `pixels()`, as wide as the photo) as MCU rows of the photo's coding,
 * `mcusX` MCUs wide; the last row's spare lines and the spare columns repeat the band's edge.
 */
export function bandCoefficients(
  p: Parsed,
  band: Band,
  pixels: () => Buffer,
  mcusX: number,
): BandCoefficients {
  const coding = p.comps.map((c) => `${c.h}${c.v}:${p.quant[c.tq]!.join(',')}`).join('|');
  const key = `${p.width}\n${mcusX}\n${coding}`;
  let codings = cache.get(band);
  if (!codings) cache.set(band, (codings = new Map()));
  const known = codings.get(key);
  if (known) return known;
  const made = compute(p, band.height, pixels(), mcusX);
  if (codings.size >= CODINGS_KEPT) codings.delete(codings.keys().next().value!);
  codings.set(key, made);
  return made;
}

function compute(p: Parsed, height: number, rgb: Buffer, mcusX: number): BandCoefficients {
  const mcuW = 8 * p.hmax;
  const mcuH = 8 * p.vmax;
  const rows = Math.ceil(height / mcuH);
  const W = mcusX * mcuW;
  const H = rows * mcuH;
  // full-resolution planes, level-shifted: Y, Cb, Cr (JFIF), or Y alone for a greyscale photo
  const planes = p.comps.map(() => new Float64Array(W * H));
  for (let y = 0; y < H; y++) {
    const sy = Math.min(y, height - 1);
    for (let x = 0; x < W; x++) {
      const i = (sy * p.width + Math.min(x, p.width - 1)) * 3;
      const r = rgb[i]!;
      const g = rgb[i + 1]!;
      const b = rgb[i + 2]!;
      planes[0]![y * W + x] = 0.299 * r + 0.587 * g + 0.114 * b - 128;
      if (planes.length === 3) {
        planes[1]![y * W + x] = -0.168736 * r - 0.331264 * g + 0.5 * b;
        planes[2]![y * W + x] = 0.5 * r - 0.418688 * g - 0.081312 * b;
      }
    }
  }
  const block = new Float64Array(64);
  const tmp = new Float64Array(64);
  const out = new Float64Array(64);
  const coefs = p.comps.map((c, ci) => {
    const q = p.quant[c.tq]!;
    const plane = planes[ci]!;
    const sx = p.hmax / c.h;
    const sy = p.vmax / c.v;
    const data = new Int16Array(mcusX * rows * blocksPerMcu(c) * 64);
    let o = 0;
    for (let my = 0; my < rows; my++)
      for (let mx = 0; mx < mcusX; mx++)
        for (let by = 0; by < c.v; by++)
          for (let bx = 0; bx < c.h; bx++, o += 64) {
            // the block's samples: each the mean of the sx×sy pixels it stands for
            const x0 = (mx * c.h + bx) * 8 * sx;
            const y0 = (my * c.v + by) * 8 * sy;
            for (let y = 0; y < 8; y++)
              for (let x = 0; x < 8; x++) {
                let s = 0;
                for (let dy = 0; dy < sy; dy++)
                  for (let dx = 0; dx < sx; dx++) s += plane[(y0 + y * sy + dy) * W + x0 + x * sx + dx]!;
                block[y * 8 + x] = s / (sx * sy);
              }
            fdct(block, out, tmp);
            for (let k = 0; k < 64; k++) {
              const limit = k === 0 ? 2047 : 1023;
              const v = Math.round(out[ZIGZAG[k]!]! / q[k]!);
              data[o + k] = Math.max(-limit, Math.min(limit, v));
            }
          }
    return data;
  });
  return { rows, coefs };
}
