/**
 * Caption text composed from cached glyphs. Pango costs about half a millisecond per call whatever it
 * draws, and every photo's caption differs (the site line), so each character is drawn by Pango once
 * per font file, family and size and kept as an alpha bitmap with its advance; a caption is then laid
 * out and wrapped here, in plain JS, the way Pango's `word-char` wrapping does it. Text that needs more
 * than placing glyphs side by side (combining marks, surrogate pairs, right-to-left scripts, emoji),
 * or whose layout depends on a fallback font in ways the glyphs do not show, is left to Pango:
 * composeText returns null and the caller draws it as before.
 *
 * sharp crops Pango's output to the ink, which loses a lone glyph's advance and its place against the
 * baseline. So a character X is drawn as "|\n| X |\n|": the bars, whose drawing is known, are found at
 * the image's edges, and give X's advance (between the middle line's bars), its ink offset from the
 * middle line's bar, and how much taller than the font's own lines X's font makes a line (the outer
 * lines' bars: a character drawn from a fallback font with larger ascent or descent pushes them away).
 */
import type { WatermarkFont } from './font.ts';

/** Raw RGBA text image, white on transparent, as drawText returns it. */
export interface TextImage {
  data: Buffer;
  width: number;
  height: number;
}

/** Draws text (no wrapping) as raw RGBA cropped to the ink: drawText for one font and size. */
export type DrawText = (text: string) => Promise<TextImage>;

interface Ink {
  /** offset of the bitmap's left column from the pen position */
  x: number;
  /** offset of the bitmap's top row from the line's reference row (fractional for fallback fonts) */
  y: number;
  width: number;
  height: number;
  alpha: Uint8Array;
}

/** What line breaking needs to know of a character. */
interface Classes {
  code: number;
  /** line-breaking class (UAX #14) */
  lb: number;
  /** East Asian Width F, W or H */
  wide: boolean;
  openingQuote: boolean;
  closingQuote: boolean;
  /** a letter or digit that UAX #29 keeps in one word with the letter before it */
  inWord: boolean;
  white: boolean;
  spaceOrHyphen: boolean;
  /** whether Pango adds a hyphen where it breaks a word after this character */
  hyphenates: boolean;
}

interface Glyph extends Classes {
  advance: number;
  /** how far this character's font raises the line's top and lowers its bottom beyond the main font's */
  above: number;
  below: number;
  ink: Ink | null;
  /** drawn from a fallback font, not the font file */
  fallback: boolean;
}

/** The reference bar "|" of a font at a size, and the metrics measured with it. */
interface Face {
  id: number;
  bar: { width: number; height: number; mass: number; columns: number[]; centroid: number };
  barAdvance: number;
  spaceAdvance: number;
  pitch: number;
  /** the hyphen Pango adds where it breaks a word (U+2010 when the font has it) */
  hyphen: string;
  covers: Set<number>;
}

/** Glyphs kept, by face and character, oldest first; null for a character only Pango may draw. */
const glyphs = new Map<string, Glyph | null>();
const GLYPHS_KEPT = 20_000;
const probing = new Map<string, Promise<Glyph | null>>();
const faces = new Map<string, Promise<Face | null>>();
const FACES_KEPT = 64;
let faceIds = 0;

function alphaAt(img: TextImage, x: number, y: number): number {
  return img.data[(y * img.width + x) * 4 + 3]!;
}

/**
 * The bars in columns [x0, x0 + bar width) of `img`, as the fractional row of each bar's top, top to
 * bottom; null when those columns hold anything but whole bars (some of the glyph's ink, or nothing).
 */
function barsAt(img: TextImage, x0: number, bar: Face['bar']): number[] | null {
  if (x0 < 0 || x0 + bar.width > img.width) return null;
  const tops: number[] = [];
  const tolerance = bar.mass * 0.03 + 1;
  let y = 0;
  while (y < img.height) {
    let rowMass = 0;
    for (let x = 0; x < bar.width; x++) rowMass += alphaAt(img, x0 + x, y);
    if (rowMass === 0) {
      y++;
      continue;
    }
    const columns = new Array<number>(bar.width).fill(0);
    let mass = 0;
    let moment = 0;
    const from = y;
    for (; y < img.height; y++) {
      let m = 0;
      for (let x = 0; x < bar.width; x++) {
        const a = alphaAt(img, x0 + x, y);
        columns[x]! += a;
        m += a;
      }
      if (m === 0) break;
      mass += m;
      moment += m * y;
    }
    if (y - from > bar.height + 1 || Math.abs(mass - bar.mass) > tolerance) return null;
    for (let x = 0; x < bar.width; x++) if (Math.abs(columns[x]! - bar.columns[x]!) > tolerance) return null;
    tops.push(moment / mass - bar.centroid);
  }
  return tops;
}

async function measureFace(draw: DrawText, font: WatermarkFont): Promise<Face | null> {
  const [one, two, spaced, lines] = await Promise.all([draw('|'), draw('||'), draw('| |'), draw('|\n|')]);
  const columns = new Array<number>(one.width).fill(0);
  let mass = 0;
  let moment = 0;
  for (let y = 0; y < one.height; y++)
    for (let x = 0; x < one.width; x++) {
      const a = alphaAt(one, x, y);
      columns[x]! += a;
      mass += a;
      moment += a * y;
    }
  if (mass === 0) return null;
  const bar = { width: one.width, height: one.height, mass, columns, centroid: moment / mass };
  const barAdvance = two.width - bar.width;
  const spaceAdvance = spaced.width - two.width;
  const left = barsAt(lines, 0, bar);
  const pair = barsAt(two, 0, bar);
  if (!left || left.length !== 2 || !pair || pair.length !== 1 || barAdvance < bar.width) return null;
  if (spaceAdvance < 0 || barsAt(two, two.width - bar.width, bar)?.length !== 1) return null;
  const hyphen = font.covers.size === 0 || font.covers.has(0x2010) ? '\u2010' : '-';
  return {
    id: faceIds++,
    bar,
    barAdvance,
    spaceAdvance,
    pitch: left[1]! - left[0]!,
    hyphen,
    covers: font.covers,
  };
}

function faceFor(draw: DrawText, font: WatermarkFont, fontSize: number): Promise<Face | null> {
  const key = `${font.file}\n${font.family}\n${fontSize}`;
  let face = faces.get(key);
  if (!face) {
    if (faces.size >= FACES_KEPT) faces.delete(faces.keys().next().value!);
    face = measureFace(draw, font).catch(() => null);
    faces.set(key, face);
  }
  return face;
}

/** Rows and columns of `img` with ink, within columns [from, to); null when there are none. */
function inkBox(img: TextImage, from = 0, to = img.width) {
  let x0 = to;
  let x1 = -1;
  let y0 = img.height;
  let y1 = -1;
  for (let y = 0; y < img.height; y++)
    for (let x = from; x < to; x++)
      if (alphaAt(img, x, y) > 0) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
  return x1 < 0 ? null : { x0, y0, x1, y1 };
}

/**
 * Reads X's glyph from its drawing "|\n| X |\n|" and from X drawn alone; null when the drawings are
 * not what they should be. Drawn alone, X shows the rows and columns Pango counts as ink around the
 * pixels it actually inks (its outline's box, rounded out): the glyph keeps them, so a caption is
 * cropped where Pango would crop it.
 */
function readProbe(
  img: TextImage,
  alone: TextImage | null,
  face: Face,
): Omit<Glyph, keyof Classes | 'fallback'> | null {
  const { bar } = face;
  const left = barsAt(img, 0, bar);
  const right = barsAt(img, img.width - bar.width, bar);
  if (!left || left.length !== 3 || !right || right.length !== 1) return null;
  const [top, middle, bottom] = left as [number, number, number];
  if (Math.abs(right[0]! - middle) > 0.5) return null;
  const origin = face.barAdvance + face.spaceAdvance;
  const advance = img.width - bar.width - origin - face.spaceAdvance;
  const above = middle - top - face.pitch;
  const below = bottom - middle - face.pitch;
  if (advance < 0 || above < -0.5 || below < -0.5) return null;
  const box = inkBox(img, bar.width, img.width - bar.width);
  let own = alone && inkBox(alone);
  if (!box) return own ? null : { advance, above: 0, below: 0, ink: null };
  const inked = box.x1 - box.x0 + 1;
  const rows = box.y1 - box.y0 + 1;
  // A fallback font's glyph alone sits on that font's baseline, which may fall between pixel rows:
  // then it inks other rows than in a line, and says nothing of them; its own ink is all there is.
  if (!alone || !own || own.x1 - own.x0 + 1 !== inked || own.y1 - own.y0 + 1 !== rows) own = null;
  const width = own ? alone!.width : inked;
  const height = own ? alone!.height : rows;
  const dx = own?.x0 ?? 0;
  const dy = own?.y0 ?? 0;
  const alpha = new Uint8Array(width * height);
  for (let y = 0; y < rows; y++)
    for (let x = 0; x < inked; x++) alpha[(dy + y) * width + dx + x] = alphaAt(img, box.x0 + x, box.y0 + y);
  const ink = { x: box.x0 - dx - origin, y: box.y0 - dy - middle, width, height, alpha };
  return { advance, above: Math.max(0, above), below: Math.max(0, below), ink };
}

/**
 * Characters drawn here: one code unit, left to right, a glyph of its own. Scripts that are written
 * right to left or shaped together with their neighbours, marks, emoji, separators and anything
 * unassigned or private are left to Pango.
 */
const SIMPLE =
  /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Bopomofo}\p{Script=Hangul}\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Common}]$/u;
const NOT_SIMPLE =
  /[\p{M}\p{Extended_Pictographic}\p{Zl}\p{Zp}\p{C}\u0590-\u08ff\u1100-\u11ff\ua960-\ua97f\ud7b0-\ud7ff\ufb1d-\ufdff\ufe70-\ufeff]/u;

const COMMON = /[\p{Script=Common}\p{Script=Inherited}]/u;

async function probe(draw: DrawText, face: Face, ch: string): Promise<Glyph | null> {
  if (ch.length !== 1 || !SIMPLE.test(ch) || NOT_SIMPLE.test(ch)) return null;
  try {
    const classes = classify(ch);
    const fallback = !face.covers.has(classes.code);
    // Pango picks the fallback font for a character of no script of its own (¥, ①) by its neighbours
    if (fallback && COMMON.test(ch)) return null;
    const [probed, alone] = await Promise.all([
      draw(`|\n| ${ch} |\n|`),
      // Pango refuses to draw text without ink
      draw(ch).catch(() => null),
    ]);
    const read = readProbe(probed, alone, face);
    return read && { ...read, ...classes, fallback };
  } catch {
    return null;
  }
}

async function glyphFor(draw: DrawText, face: Face, ch: string): Promise<Glyph | null> {
  const key = `${face.id}\n${ch}`;
  const known = glyphs.get(key);
  if (known !== undefined) return known;
  let pending = probing.get(key);
  if (!pending) {
    pending = probe(draw, face, ch);
    probing.set(key, pending);
  }
  const glyph = await pending;
  probing.delete(key);
  if (!glyphs.has(key)) {
    if (glyphs.size >= GLYPHS_KEPT) glyphs.delete(glyphs.keys().next().value!);
    glyphs.set(key, glyph);
  }
  return glyph;
}

// ---- Line breaking: UAX #14 as Pango applies it, for the characters drawn here ----

const AL = 0;
const ID = 1;
const NU = 2;
const SP = 3;
const BA = 4;
const BB = 5;
const B2 = 6;
const HY = 7;
const GL = 8;
const OP = 9;
const CL = 10;
const CP = 11;
const EX = 12;
const IS = 13;
const SY = 14;
const NS = 15;
const QU = 16;
const PR = 17;
const PO = 18;
const IN = 19;

/** Line-breaking classes of the punctuation and symbols that are not AL, ID or NU. */
const CLASSES = new Map<number, number>();
function classes(cls: number, chars: string): void {
  for (const ch of chars) CLASSES.set(ch.codePointAt(0)!, cls);
}
classes(SP, ' ');
classes(
  BA,
  '|\u00ad\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u2010\u2012\u2013\u2027\u205f\u3000',
);
classes(BB, '\u00b4\u02c8\u02cc\u02df');
classes(B2, '\u2014\u2e3a\u2e3b');
classes(HY, '-');
classes(GL, '\u00a0\u2007\u2011\u202f');
classes(
  OP,
  '([{\u00a1\u00bf\u201a\u201e\u2045\u3008\u300a\u300c\u300e\u3010\u3014\u3016\u3018\u301a\u301d\ufe17\ufe35\ufe37\ufe39\ufe3b\ufe3d\ufe3f\ufe41\ufe43\ufe47\ufe59\ufe5b\ufe5d\uff08\uff3b\uff5b\uff5f\uff62',
);
classes(
  CL,
  '}\u2046\u3001\u3002\u3009\u300b\u300d\u300f\u3011\u3015\u3017\u3019\u301b\u301e\u301f\ufe11\ufe12\ufe18\ufe36\ufe38\ufe3a\ufe3c\ufe3e\ufe40\ufe42\ufe44\ufe48\ufe50\ufe52\ufe5a\ufe5c\ufe5e\uff09\uff0c\uff0e\uff3d\uff5d\uff60\uff61\uff63\uff64',
);
classes(CP, ')]');
classes(EX, '!?\ufe15\ufe16\ufe56\ufe57\uff01\uff1f');
classes(IS, ',.:;\u037e\u0589\u2044\ufe10\ufe13\ufe14');
classes(SY, '/');
classes(
  NS,
  '\u203c\u203d\u2047\u2048\u2049\u3005\u301c\u303b\u303c\u309b\u309c\u309d\u309e\u30a0\u30fb\u30fc\u30fd\u30fe\ufe54\ufe55\uff1a\uff1b\uff65\uff70\uff9e\uff9f' +
    // small kana (CJ, which Pango takes as NS)
    '\u3041\u3043\u3045\u3047\u3049\u3063\u3083\u3085\u3087\u308e\u3095\u3096\u30a1\u30a3\u30a5\u30a7\u30a9\u30c3\u30e3\u30e5\u30e7\u30ee\u30f5\u30f6\u31f0\u31f1\u31f2\u31f3\u31f4\u31f5\u31f6\u31f7\u31f8\u31f9\u31fa\u31fb\u31fc\u31fd\u31fe\u31ff\uff67\uff68\uff69\uff6a\uff6b\uff6c\uff6d\uff6e\uff6f',
);
classes(
  QU,
  '"\'\u00ab\u00bb\u2018\u2019\u201b\u201c\u201d\u201f\u2039\u203a\u2e00\u2e01\u2e02\u2e03\u2e04\u2e05',
);
classes(PR, '$+\\\u00a3\u00a4\u00a5\u00b1\u2116\u2212\u2213\ufe69\uff04\uffe1\uffe5\uffe6');
classes(PO, '%\u00a2\u00b0\u2030\u2031\u2032\u2033\u2034\u2035\u2036\u2037\u2103\u2109\ufe6a\uff05\uffe0');
classes(IN, '\u2024\u2025\u2026\u22ef\ufe19');
classes(
  ID,
  '\u3003\u3004\u3006\u3007\u3012\u3013\u3020\u303d\u303e\u303f\ufe30\ufe31\ufe32\ufe33\ufe34\ufe45\ufe46\ufe49\ufe4a\ufe4b\ufe4c\ufe4d\ufe4e\ufe4f\ufe51\ufe58\ufe5f\ufe60\ufe61\ufe62\ufe63\ufe64\ufe65\ufe66\ufe68\ufe6b\uffe2\uffe3\uffe4',
);

const IDEOGRAPHIC =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Bopomofo}\p{Script=Hangul}]/u;
const DIGIT = /\p{Nd}/u;

function lineClass(ch: string): number {
  const code = ch.codePointAt(0)!;
  const known = CLASSES.get(code);
  if (known !== undefined) return known;
  if (code >= 0xff01 && code <= 0xff5e) return ID; // fullwidth letters, digits and signs
  if (code >= 0xff66 && code <= 0xffdc) return AL; // halfwidth kana and hangul
  if (DIGIT.test(ch)) return NU;
  if (IDEOGRAPHIC.test(ch) || (code >= 0x2e80 && code <= 0x2fff) || (code >= 0x3000 && code <= 0x9fff))
    return ID;
  if ((code >= 0xa000 && code <= 0xa4cf) || (code >= 0xf900 && code <= 0xfaff)) return ID;
  return AL;
}

const HYPHENS = '-\u058a\u1400\u1806\u2010\u2e17\u2e40\u30a0\ufe63\uff0d';

function classify(ch: string): Classes {
  const white = /\p{Zs}/u.test(ch);
  const code = ch.codePointAt(0)!;
  return {
    code,
    lb: lineClass(ch),
    wide: eastAsian(code),
    openingQuote: /\p{Pi}/u.test(ch),
    closingQuote: /\p{Pf}/u.test(ch),
    inWord:
      /[\p{Nd}\p{Pc}]/u.test(ch) ||
      (/\p{L}/u.test(ch) && !/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(ch)),
    white,
    spaceOrHyphen: white || HYPHENS.includes(ch),
    // Pango hyphenates words broken in alphabetic scripts only
    hyphenates:
      /[\p{L}\p{N}]/u.test(ch) &&
      !/[\p{Script=Common}\p{Script=Han}\p{Script=Hangul}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(ch),
  };
}

const OTHER = 0;
const NUMBER = 1;
const NUMBER_CLOSED = 2;

/** What UAX #14 carries along a line, as Pango tracks it. */
interface BreakState {
  /** classes before the current glyph, a run of spaces counting once as SP, and where `prev` is */
  prev: number;
  beforePrev: number;
  prevAt: number;
  /** LB25: whether the text before is a number (NU, then any SY or IS), or a number and its CL or CP */
  number: number;
  numberBefore: number;
  /** LB15a: an opening quotation mark at the start or after a space, bracket or quote */
  afterOpeningQuote: boolean;
}

/**
 * Whether a line may break before each glyph: UAX #14 (Unicode 15.1 and later) as Pango 1.5x applies
 * it, for the classes of the characters drawn here.
 */
function lineBreaks(line: Glyph[]): Uint8Array {
  const n = line.length;
  const can = new Uint8Array(n + 1);
  const s: BreakState = {
    prev: -1,
    beforePrev: -1,
    prevAt: -1,
    number: OTHER,
    numberBefore: OTHER,
    afterOpeningQuote: false,
  };
  for (let i = 0; i < n; i++) {
    const cur = line[i]!.lb;
    if (i > 0 && breakBefore(line, i, s)) can[i] = 1;
    if (s.afterOpeningQuote && cur !== SP) s.afterOpeningQuote = false;
    else if (line[i]!.openingQuote && cur === QU && (i === 0 || OPENS_QUOTE.has(s.prev)))
      s.afterOpeningQuote = true;
    if ((cur !== SY && cur !== IS) || s.number !== NUMBER) {
      s.numberBefore = s.number;
      s.number =
        cur === NU ? NUMBER : (cur === CL || cur === CP) && s.number === NUMBER ? NUMBER_CLOSED : OTHER;
    }
    if (cur !== SP || s.prev !== SP) {
      s.beforePrev = s.prev;
      s.prev = cur;
      s.prevAt = i;
    }
  }
  can[n] = 1;
  return can;
}

/** UAX #14's rules for a break before glyph i (i > 0), tried from the strongest down. */
function breakBefore(line: Glyph[], i: number, s: BreakState): boolean {
  const g = line[i]!;
  const before = line[i - 1]!;
  const cur = g.lb;
  const { prev, beforePrev } = s;
  const next = i + 1 < line.length ? line[i + 1]!.lb : -1;
  const row = prev === SP ? beforePrev : prev;
  if (cur === SP || prev === GL) return false; // LB7, LB12
  if (cur === GL && prev !== SP && prev !== BA && prev !== HY) return false; // LB12a
  if (cur === CL || cur === CP || cur === EX || cur === SY || row === OP) return false; // LB13, LB14
  if (s.afterOpeningQuote) return false; // LB15a
  if (g.closingQuote && (next === -1 || CLOSES_QUOTE.has(next))) return false; // LB15b
  if (prev === SP && cur === IS && next === NU) return true; // LB15c
  if (cur === IS) return false; // LB15d
  if ((row === CL || row === CP) && cur === NS) return false; // LB16
  if (row === B2 && cur === B2) return false; // LB17
  if (prev === SP) return true; // LB18
  if ((cur === QU && !g.openingQuote) || (prev === QU && !before.closingQuote)) return false; // LB19
  if (cur === QU && (!before.wide || next === -1 || !line[i + 1]!.wide)) return false; // LB19a
  if (prev === QU && (s.prevAt === 0 || !line[i - 2]!.wide || !g.wide)) return false;
  const hyphenFirst = s.prevAt === 0 || beforePrev === SP || beforePrev === GL;
  if (hyphenFirst && (prev === HY || before.code === 0x2010) && cur === AL) return false; // LB20a
  if (cur === BA || cur === HY || cur === NS || prev === BB || cur === IN) return false; // LB21, LB22
  if ((prev === AL && cur === NU) || (prev === NU && cur === AL)) return false; // LB23
  if ((prev === PR && cur === ID) || (prev === ID && cur === PO)) return false; // LB23a
  if ((prev === PR || prev === PO) && cur === AL) return false; // LB24
  if (prev === AL && (cur === PR || cur === PO)) return false;
  // LB25
  if (s.numberBefore === NUMBER && (prev === CL || prev === CP) && (cur === PO || cur === PR)) return false;
  if (s.number === NUMBER && (cur === PO || cur === PR || cur === NU)) return false;
  const numberNext = next === NU || (next === IS && line[i + 2]?.lb === NU);
  if ((prev === PO || prev === PR) && cur === OP && numberNext) return false;
  if ((prev === PO || prev === PR || prev === HY || prev === IS) && cur === NU) return false;
  if ((prev === AL || prev === IS) && cur === AL) return false; // LB28, LB29
  if ((prev === AL || prev === NU) && cur === OP && !g.wide) return false; // LB30
  if (prev === CP && !before.wide && (cur === AL || cur === NU)) return false;
  return true; // LB31
}

/** Classes after which an opening quotation mark holds on to what follows it (LB15a). */
const OPENS_QUOTE = new Set([OP, QU, GL, SP]);
/** Classes after which a final quotation mark does not let the line break before it (LB15b). */
const CLOSES_QUOTE = new Set([SP, GL, CL, QU, CP, EX, IS, SY]);

/** East Asian Width F, W or H, as UAX #14 asks of the characters around quotation marks and brackets. */
function eastAsian(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0x303e) ||
    (code >= 0x3041 && code <= 0x33ff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0xa000 && code <= 0xa4cf) ||
    (code >= 0xa960 && code <= 0xa97f) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe10 && code <= 0xfe19) ||
    (code >= 0xfe30 && code <= 0xfe6f) ||
    (code >= 0xff00 && code <= 0xffdc) ||
    (code >= 0xffe0 && code <= 0xffee) ||
    code === 0x20a9
  );
}

/**
 * Whether Pango adds a hyphen when it breaks the line before glyph i: inside a word (no UAX #29 word
 * boundary) after a letter of an alphabetic script. Pango settles the boundary before a character
 * from what came before it, so a word joined only through a following "." or ":" (WB6) counts as two.
 */
function breakHyphenates(line: Glyph[], i: number): boolean {
  const a = line[i - 1]!;
  const b = line[i]!;
  return a.hyphenates && !b.spaceOrHyphen && b.inWord;
}

/**
 * Splits a paragraph into lines `width` wide as Pango's word-char wrapping does: each line ends at the
 * last break opportunity that fits (a space at the end does not count, a hyphen Pango would add does);
 * when none does, the first word is broken between characters, at the last place that fits, or after
 * its first character.
 */
function wrap(line: Glyph[], width: number, hyphen: Glyph): { from: number; to: number; hyphen: boolean }[] {
  const n = line.length;
  const can = lineBreaks(line);
  const out: { from: number; to: number; hyphen: boolean }[] = [];
  const extra = (p: number) =>
    p === n ? 0 : breakHyphenates(line, p) ? hyphen.advance : line[p - 1]!.white ? -line[p - 1]!.advance : 0;
  const last = (from: number, anywhere: boolean) => {
    let best = -1;
    let w = 0;
    for (let p = from + 1; p <= n; p++) {
      if (w > width) break; // w is what the line up to p - 1 takes, which only grows
      w += line[p - 1]!.advance;
      if ((anywhere || can[p]) && w + extra(p) <= width) best = p;
    }
    return best;
  };
  for (let from = 0; from < n;) {
    let to = last(from, false);
    if (to < 0) to = Math.max(from + 1, last(from, true));
    out.push({ from, to, hyphen: to < n && breakHyphenates(line, to) });
    from = to;
  }
  return out;
}

/**
 * Draws `lines` (as prepareLines leaves them) wrapped at `width` from cached glyphs, as drawText
 * would with `wrap: 'word-char'`: white text on transparent, raw RGBA cropped to the ink. Null when
 * some character must be drawn by Pango itself (then so must the whole text).
 */
export async function composeText(
  lines: string[],
  font: WatermarkFont,
  fontSize: number,
  width: number,
  draw: DrawText,
): Promise<TextImage | null> {
  // Without the font's coverage no glyph can be told to come from a fallback font (see place); an
  // empty line, which prepareLines never leaves, would be Pango's blank line.
  if (font.covers.size === 0 || lines.some((line) => line.length === 0)) return null;
  const face = await faceFor(draw, font, fontSize);
  if (!face) return null;
  const hyphen = glyphs.get(`${face.id}\n${face.hyphen}`) ?? (await glyphFor(draw, face, face.hyphen));
  if (!hyphen) return null;
  // the usual case: every character known
  const paragraphs: Glyph[][] = [];
  let missing = false;
  for (const line of lines) {
    const row: Glyph[] = [];
    for (const ch of line) {
      const glyph = glyphs.get(`${face.id}\n${ch}`);
      if (glyph === null) return null;
      if (!glyph) {
        missing = true;
        break;
      }
      row.push(glyph);
    }
    if (missing) break;
    paragraphs.push(row);
  }
  if (!missing) return place(paragraphs, width, face, hyphen);
  const chars = [...new Set(lines.flatMap((line) => Array.from(line)))];
  const found = await Promise.all(chars.map((ch) => glyphFor(draw, face, ch)));
  if (found.includes(null)) return null;
  const byChar = new Map(chars.map((ch, i) => [ch, found[i]!]));
  return place(
    lines.map((line) => Array.from(line, (ch) => byChar.get(ch)!)),
    width,
    face,
    hyphen,
  );
}

/** White at each alpha as one RGBA word (transparent black at 0, as libvips leaves it). */
const WHITE = new Uint32Array(256);
const whiteBytes = new Uint8Array(WHITE.buffer);
for (let a = 1; a < 256; a++) whiteBytes.set([255, 255, 255, a], a * 4);

interface Placed {
  ink: Ink;
  x: number;
  y: number;
}

function place(paragraphs: Glyph[][], width: number, face: Face, hyphen: Glyph): TextImage | null {
  // Pango draws a space after a fallback font's character in that font, unless the next character
  // is of the same script and in a better font: widths this module does not know
  for (const row of paragraphs)
    for (let i = 0; i + 1 < row.length; i++) if (row[i]!.fallback && row[i + 1]!.white) return null;
  const placed: Placed[] = [];
  let top = 0;
  let below = -1; // the previous line's extra descent; -1 before the first line
  for (const row of paragraphs) {
    for (const { from, to, hyphen: hyphenated } of wrap(row, width, hyphen)) {
      let above = 0;
      let under = 0;
      let own = false;
      for (let i = from; i < to; i++) {
        above = Math.max(above, row[i]!.above);
        under = Math.max(under, row[i]!.below);
        own ||= !row[i]!.fallback;
      }
      // a line of fallback glyphs only has that font's height and baseline, not the probes'
      if (!own) return null;
      top += below < 0 ? above : face.pitch + below + above;
      below = under;
      // a fallback font's metrics can put the line between pixel rows, where the cached glyphs,
      // drawn on whole rows, would not match what Pango draws
      if (Math.abs(top - Math.round(top)) > 0.05) return null;
      let x = 0;
      const put = (g: Glyph) => {
        if (g.ink) placed.push({ ink: g.ink, x: x + g.ink.x, y: Math.round(top + g.ink.y) });
        x += g.advance;
      };
      for (let i = from; i < to; i++) put(row[i]!);
      if (hyphenated) put(hyphen);
    }
  }
  if (placed.length === 0) return null;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const p of placed) {
    x0 = Math.min(x0, p.x);
    y0 = Math.min(y0, p.y);
    x1 = Math.max(x1, p.x + p.ink.width);
    y1 = Math.max(y1, p.y + p.ink.height);
  }
  const w = x1 - x0;
  const h = y1 - y0;
  // Whole pixels at a time. Glyphs go left to right, line by line, so a glyph's row starting right of
  // all ink drawn in that row so far is copied as it is; only where ink may meet is it blended.
  const out = new Uint32Array(w * h);
  const bytes = new Uint8Array(out.buffer);
  const inked = new Int32Array(h);
  for (const { ink, x, y } of placed) {
    const { alpha, width } = ink;
    for (let gy = 0; gy < ink.height; gy++) {
      const row = y - y0 + gy;
      const left = x - x0;
      const o = row * w + left;
      const s = gy * width;
      if (left >= inked[row]!) {
        for (let k = 0; k < width; k++) out[o + k] = WHITE[alpha[s + k]!]!;
      } else {
        for (let k = 0; k < width; k++) {
          const b = alpha[s + k]!;
          if (b === 0) continue;
          const a = bytes[(o + k) * 4 + 3]!;
          // "over", as cairo draws overlapping glyphs (white on white, straight alpha)
          out[o + k] = WHITE[a === 0 ? b : a + b - (((a * b + 127) / 255) | 0)]!;
        }
      }
      if (left + width > inked[row]!) inked[row] = left + width;
    }
  }
  const data = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  return { data, width: w, height: h };
}
