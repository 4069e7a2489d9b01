/**
 * The caption band's DCT coefficients for jpeg-band.ts: the band's pixels (RGB, drawn as the display
 * version draws them) turned into the photo's components, subsampled as the photo is, transformed
 * (T.81 A.3.3 forward DCT) and quantised with the photo's own tables. Computed once per band and way of
 * coding; a sheet's photos share their band and usually their camera's tables.
 */
import { blocksPerMcu, type Parsed } from './jpeg-band.ts';
import { BAND_BACKGROUND, type Band } from './watermark.ts';

/** Zigzag position → natural index (as in jpeg-band.ts). */
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7,
  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46,
  53, 60, 61, 54, 47, 55, 62, 63,
];

/**
 * The scale of the AAN transform's outputs (Arai, Agui and Nakajima, as in libjpeg's jfdctflt.c): its
 * output (u, v) is the true DCT coefficient × 8 · AAN[u] · AAN[v], with AAN[0] = 1 and
 * AAN[k] = √2 · cos(kπ/16). The band's quantisation divides by that factor with the table's step.
 */
const AAN = Float64Array.from({ length: 8 }, (_, k) =>
  k === 0 ? 1 : Math.SQRT2 * Math.cos((k * Math.PI) / 16),
);
const C4 = Math.cos((4 * Math.PI) / 16); // √½
const C6 = Math.cos((6 * Math.PI) / 16);
const C2_MINUS_C6 = Math.SQRT2 * Math.cos((6 * Math.PI) / 16); // 0.541196…
const C2_PLUS_C6 = Math.SQRT2 * Math.cos((2 * Math.PI) / 16); // 1.306562…

/**
 * The AAN forward DCT of an 8×8 block (level-shifted samples, row-major) into `out` (natural order),
 * scaled as AAN says: 5 multiplications per 8 points, where the plain sum takes 64. In place is allowed.
 */
function aan(block: Float64Array, out: Float64Array): void {
  for (let y = 0; y < 64; y += 8) aan8(block, y, 1, out);
  for (let u = 0; u < 8; u++) aan8(out, u, 8, out);
}

/** One 8-point AAN transform of in[at + k·step] into out[at + u·step] (jfdctflt.c's butterfly). */
function aan8(input: Float64Array, at: number, step: number, out: Float64Array): void {
  const d0 = input[at]!;
  const d1 = input[at + step]!;
  const d2 = input[at + 2 * step]!;
  const d3 = input[at + 3 * step]!;
  const d4 = input[at + 4 * step]!;
  const d5 = input[at + 5 * step]!;
  const d6 = input[at + 6 * step]!;
  const d7 = input[at + 7 * step]!;
  const tmp0 = d0 + d7;
  const tmp7 = d0 - d7;
  const tmp1 = d1 + d6;
  const tmp6 = d1 - d6;
  const tmp2 = d2 + d5;
  const tmp5 = d2 - d5;
  const tmp3 = d3 + d4;
  const tmp4 = d3 - d4;
  // even part
  const tmp10 = tmp0 + tmp3;
  const tmp13 = tmp0 - tmp3;
  const tmp11 = tmp1 + tmp2;
  const tmp12 = tmp1 - tmp2;
  out[at] = tmp10 + tmp11;
  out[at + 4 * step] = tmp10 - tmp11;
  const z1 = (tmp12 + tmp13) * C4;
  out[at + 2 * step] = tmp13 + z1;
  out[at + 6 * step] = tmp13 - z1;
  // odd part
  const o10 = tmp4 + tmp5;
  const o11 = tmp5 + tmp6;
  const o12 = tmp6 + tmp7;
  const z5 = (o10 - o12) * C6;
  const z2 = C2_MINUS_C6 * o10 + z5;
  const z4 = C2_PLUS_C6 * o12 + z5;
  const z3 = o11 * C4;
  const z11 = tmp7 + z3;
  const z13 = tmp7 - z3;
  out[at + 5 * step] = z13 + z2;
  out[at + 3 * step] = z13 - z2;
  out[at + step] = z11 + z4;
  out[at + 7 * step] = z11 - z4;
}

/** Whether every sample of a block equals its first (most of a caption band is its plain background). */
function isFlat(block: Float64Array): boolean {
  const first = block[0]!;
  for (let i = 1; i < 64; i++) if (block[i] !== first) return false;
  return true;
}

/**
 * Forward DCT of an 8×8 block (level-shifted samples, row-major) into `out` (natural order), T.81
 * A.3.3's F(v,u): the AAN transform, descaled. A flat block has only its DC term: 8 × its value.
 */
export function fdct(block: Float64Array, out: Float64Array): void {
  if (isFlat(block)) {
    out.fill(0);
    out[0] = 8 * block[0]!;
    return;
  }
  aan(block, out);
  for (let i = 0; i < 64; i++) out[i] = out[i]! / (8 * AAN[i >> 3]! * AAN[i & 7]!);
}

/**
 * What the AAN outputs are divided by to quantise with table `q` (zigzag order), by zigzag position:
 * the step × the output's scale. Kept per table (a sheet's photos share their camera's tables).
 */
const divisorsOf = new WeakMap<Uint16Array, Float64Array>();
function divisors(q: Uint16Array): Float64Array {
  let d = divisorsOf.get(q);
  if (!d) {
    d = Float64Array.from({ length: 64 }, (_, k) => {
      const i = ZIGZAG[k]!;
      return q[k]! * 8 * AAN[i >> 3]! * AAN[i & 7]!;
    });
    divisorsOf.set(q, d);
  }
  return d;
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
  const made = compute(p, band, pixels(), mcusX);
  if (codings.size >= CODINGS_KEPT) codings.delete(codings.keys().next().value!);
  codings.set(key, made);
  return made;
}

/**
 * The planes of the last band computed, reused: a new 1.5 MB of them for every band made the photo
 * worker collect its old space every few photos (a Mark-Compact each ≈ 50 ms of a catch-up).
 */
const scratchPlanes: Float64Array[] = [];
function scratch(i: number, size: number): Float64Array {
  let plane = scratchPlanes[i];
  if (!plane || plane.length < size) scratchPlanes[i] = plane = new Float64Array(size);
  return plane;
}

/** The level-shifted Y, Cb, Cr of a pixel (JFIF), as the planes hold them. */
function toYcc(component: number, r: number, g: number, b: number): number {
  if (component === 0) return 0.299 * r + 0.587 * g + 0.114 * b - 128;
  if (component === 1) return -0.168736 * r - 0.331264 * g + 0.5 * b;
  return 0.5 * r - 0.418688 * g - 0.081312 * b;
}

/** Y of a grey level, exactly as toYcc gives it. */
const GREY_Y = Float64Array.from({ length: 256 }, (_, v) => toYcc(0, v, v, v));

const isNeutral = (c: { r: number; g: number; b: number }) => c.r === c.g && c.g === c.b;

/** Whether every pixel of an RGB buffer is a grey (R = G = B). */
function greysOnly(rgb: Buffer): boolean {
  for (let i = 0; i < rgb.length; i += 3) if (rgb[i] !== rgb[i + 1] || rgb[i] !== rgb[i + 2]) return false;
  return true;
}

/**
 * The band's coefficients. The band is its plain background but for the text's box (drawn at
 * (pad, pad), clipped as withBand clips it): a block whose pixels all lie outside that box is the
 * background's flat block, whose one coefficient is known without reading a pixel (most of a band);
 * only the MCUs that meet the box are converted and transformed. Both ways give the same numbers.
 */
function compute(p: Parsed, band: Band, rgb: Buffer, mcusX: number): BandCoefficients {
  const height = band.height;
  const mcuW = 8 * p.hmax;
  const mcuH = 8 * p.vmax;
  const rows = Math.ceil(height / mcuH);
  const W = mcusX * mcuW;
  // the text's box in band pixels, [tx0, tx1) × [ty0, ty1); empty when nothing is drawn
  const tx0 = band.pad;
  const ty0 = band.pad;
  const tx1 = tx0 + Math.max(0, Math.min(band.textWidth, p.width - band.pad));
  const ty1 = ty0 + Math.max(0, Math.min(band.textHeight, height - band.pad));
  const box: TextBox = { tx0, tx1, ty0, ty1, hasText: tx1 > tx0 && ty1 > ty0, width: p.width, height };
  // the MCUs that meet the box, converted to full-resolution planes (level-shifted: Y, Cb, Cr, or Y alone)
  let mx0 = mcusX;
  let mx1 = -1;
  let my0 = rows;
  let my1 = -1;
  for (let mx = 0; mx < mcusX; mx++)
    if (meetsX(box, mx * mcuW, mx * mcuW + mcuW - 1)) {
      mx0 = Math.min(mx0, mx);
      mx1 = mx;
    }
  for (let my = 0; my < rows; my++)
    if (meetsY(box, my * mcuH, my * mcuH + mcuH - 1)) {
      my0 = Math.min(my0, my);
      my1 = my;
    }
  const planes: Float64Array[] = [];
  for (let i = 0; i < p.comps.length; i++) planes.push(scratch(i, W * rows * mcuH));
  // white text on a grey background blends to greys only: then Cb and Cr are zero but for rounding
  // (≈ 1e-14, quantised to nothing), so every chroma block is the background's flat block and only
  // Y is converted, a grey level at a time
  const neutral = isNeutral(BAND_BACKGROUND) && greysOnly(rgb);
  if (mx1 >= 0 && my1 >= 0) {
    const [yp, cbp, crp] = planes;
    for (let y = my0 * mcuH; y < (my1 + 1) * mcuH; y++) {
      const sy = Math.min(y, height - 1);
      for (let x = mx0 * mcuW; x < (mx1 + 1) * mcuW; x++) {
        const i = (sy * p.width + Math.min(x, p.width - 1)) * 3;
        if (neutral) {
          yp![y * W + x] = GREY_Y[rgb[i]!]!;
          continue;
        }
        const r = rgb[i]!;
        const g = rgb[i + 1]!;
        const b = rgb[i + 2]!;
        yp![y * W + x] = toYcc(0, r, g, b);
        if (crp) {
          cbp![y * W + x] = toYcc(1, r, g, b);
          crp[y * W + x] = toYcc(2, r, g, b);
        }
      }
    }
  }
  const block = new Float64Array(64);
  const out = new Float64Array(64);
  const coefs: Int16Array[] = [];
  for (let ci = 0; ci < p.comps.length; ci++)
    coefs.push(componentBlocks(p, ci, planes[ci]!, W, rows, mcusX, neutral, box, block, out));
  return { rows, coefs };
}

/** The band's text box in band pixels, [tx0, tx1) × [ty0, ty1), and the band's size. */
interface TextBox {
  tx0: number;
  tx1: number;
  ty0: number;
  ty1: number;
  hasText: boolean;
  width: number;
  height: number;
}

// the plane pixel (x, y) shows band pixel (min(x, width-1), min(y, height-1)): whether a run of plane
// pixels [a, b] shows any of the box
function meetsX(box: TextBox, a: number, b: number): boolean {
  return box.hasText && Math.min(b, box.width - 1) >= box.tx0 && Math.min(a, box.width - 1) < box.tx1;
}
function meetsY(box: TextBox, a: number, b: number): boolean {
  return box.hasText && Math.min(b, box.height - 1) >= box.ty0 && Math.min(a, box.height - 1) < box.ty1;
}

/**
 * One component's blocks of the band, in MCU order, zigzag, quantised (see compute). A function of its
 * own, not a closure made per band: V8 compiled each such closure again.
 */
function componentBlocks(
  p: Parsed,
  ci: number,
  plane: Float64Array,
  W: number,
  rows: number,
  mcusX: number,
  neutral: boolean,
  box: TextBox,
  block: Float64Array,
  out: Float64Array,
): Int16Array {
  const c = p.comps[ci]!;
  const q = p.quant[c.tq]!;
  const divide = divisors(q);
  const sx = p.hmax / c.h;
  const sy = p.vmax / c.v;
  // the background's block: its samples summed and averaged as a block of the plane would be
  const bg = toYcc(ci, BAND_BACKGROUND.r, BAND_BACKGROUND.g, BAND_BACKGROUND.b);
  let sum = 0;
  for (let k = 0; k < sx * sy; k++) sum += bg;
  const flatDc = quantised(8 * (sum / (sx * sy)), q[0]!, 0);
  const data = new Int16Array(mcusX * rows * blocksPerMcu(c) * 64);
  let o = 0;
  for (let my = 0; my < rows; my++)
    for (let mx = 0; mx < mcusX; mx++)
      for (let by = 0; by < c.v; by++)
        for (let bx = 0; bx < c.h; bx++, o += 64) {
          const x0 = (mx * c.h + bx) * 8 * sx;
          const y0 = (my * c.v + by) * 8 * sy;
          if ((ci > 0 && neutral) || !meetsX(box, x0, x0 + 8 * sx - 1) || !meetsY(box, y0, y0 + 8 * sy - 1)) {
            data[o] = flatDc;
            continue;
          }
          gather(plane, W, x0, y0, sx, sy, block);
          // flat but for the text's background showing through it: its DC term alone, as fdct gives it
          if (isFlat(block)) {
            data[o] = quantised(8 * block[0]!, q[0]!, 0);
            continue;
          }
          aan(block, out);
          for (let k = 0; k < 64; k++) data[o + k] = quantised(out[ZIGZAG[k]!]!, divide[k]!, k);
        }
  return data;
}

/**
 * A block's samples from a plane `W` wide: each the mean of the `sx`×`sy` pixels it stands for, summed
 * in the same order whatever the way (1×1 and 2×2, the usual ones, written out).
 */
function gather(
  plane: Float64Array,
  W: number,
  x0: number,
  y0: number,
  sx: number,
  sy: number,
  block: Float64Array,
): void {
  if (sx === 1 && sy === 1) {
    for (let y = 0, o = 0; y < 8; y++) {
      const row = (y0 + y) * W + x0;
      for (let x = 0; x < 8; x++, o++) block[o] = 0 + plane[row + x]!;
    }
    return;
  }
  if (sx === 2 && sy === 2) {
    for (let y = 0, o = 0; y < 8; y++) {
      const row = (y0 + 2 * y) * W + x0;
      for (let x = 0; x < 8; x++, o++) {
        const at = row + 2 * x;
        let s = 0 + plane[at]!;
        s += plane[at + 1]!;
        s += plane[at + W]!;
        s += plane[at + W + 1]!;
        block[o] = s / 4;
      }
    }
    return;
  }
  for (let y = 0; y < 8; y++)
    for (let x = 0; x < 8; x++) {
      let s = 0;
      for (let dy = 0; dy < sy; dy++)
        for (let dx = 0; dx < sx; dx++) s += plane[(y0 + y * sy + dy) * W + x0 + x * sx + dx]!;
      block[y * 8 + x] = s / (sx * sy);
    }
}

/** A coefficient quantised and kept within what baseline coding can carry. */
function quantised(value: number, q: number, k: number): number {
  const limit = k === 0 ? 2047 : 1023;
  return Math.max(-limit, Math.min(limit, Math.round(value / q)));
}
