/**
 * Huffman coding of a JPEG's entropy-coded data (ITU T.81 Annex C and F) for jpeg-band.ts: tables read
 * from a photo's DHT segments (decoding, and encoding with the same codes), the standard tables, and the
 * bit reader and writer with 0xFF byte stuffing.
 */

/** ITU T.81 Table K.3 (luminance DC) and K.5 (luminance AC): between them every baseline symbol has a code. */
export const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
export const DC_VALS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
export const AC_BITS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
// prettier-ignore
export const AC_VALS = [
  0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
  0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
  0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
  0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
  0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
  0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
  0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
  0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
  0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
  0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
  0xf9, 0xfa,
];

export interface Codes {
  code: Uint16Array;
  size: Uint8Array;
}

/** Canonical codes (T.81 Annex C): code and length by symbol. */
function codesOf(bits: ArrayLike<number>, vals: ArrayLike<number>): Codes {
  const code = new Uint16Array(256);
  const size = new Uint8Array(256);
  let c = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < bits[len - 1]!; i++, k++) {
      code[vals[k]!] = c++;
      size[vals[k]!] = len;
    }
    c <<= 1;
  }
  return { code, size };
}
export const STANDARD_DC = codesOf(DC_BITS, DC_VALS);
export const STANDARD_AC = codesOf(AC_BITS, AC_VALS);

/** A Huffman table for decoding: 9-bit lookup, then T.81 F.2.2.3's maxcode walk for longer codes. */
export interface Decoder {
  /** the same table for encoding: code and length by symbol (length 0: no code) */
  codes: Codes;
  fast: Int32Array; // (length << 8 | symbol), 0 when the code is longer than 9 bits
  /**
   * For an AC table: by the next 9 bits, a coefficient whose code and value bits fit in them, as
   * value * 256 + (run << 4) + bits used; 0 when they do not (or the symbol is EOB, ZRL or not one)
   */
  fastAc: Int32Array;
  maxcode: Int32Array; // by length 1..16, -1 when none
  valptr: Int32Array;
  mincode: Int32Array;
  vals: Uint8Array;
}

export function decoderOf(bits: Uint8Array, vals: Uint8Array): Decoder | null {
  const maxcode = new Int32Array(18).fill(-1);
  const valptr = new Int32Array(17);
  const mincode = new Int32Array(17);
  const fast = new Int32Array(512);
  let c = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    const n = bits[len - 1]!;
    valptr[len] = k;
    mincode[len] = c;
    for (let i = 0; i < n; i++, k++, c++) {
      if (len <= 9)
        for (let j = c << (9 - len), end = (c + 1) << (9 - len); j < end; j++)
          fast[j] = (len << 8) | vals[k]!;
    }
    if (n > 0) maxcode[len] = c - 1;
    if (c > 1 << len) return null; // more codes than the length allows: not a Huffman table
    c <<= 1;
  }
  if (k > vals.length) return null;
  const fastAc = new Int32Array(512);
  for (let j = 0; j < 512; j++) {
    const len = fast[j]! >>> 8;
    const rs = fast[j]! & 255;
    const size = rs & 15;
    if (len === 0 || size === 0 || len + size > 9) continue;
    const raw = (j >>> (9 - len - size)) & ((1 << size) - 1);
    const value = raw < 1 << (size - 1) ? raw - ((1 << size) - 1) : raw;
    fastAc[j] = value * 256 + (rs & 0xf0) + len + size;
  }
  return { codes: codesOf(bits, vals), fast, fastAc, maxcode, valptr, mincode, vals };
}

/** Tables met lately, by their bytes (see decoderFor). */
const known = new Map<string, Decoder | null>();
const KNOWN_KEPT = 32;

/**
 * decoderOf, remembered by the table's bytes: a phone writes the same tables into every photo, and
 * building one took ≈ 8 % of the upload's proof of a whole photo. The values are copied first, so a
 * table kept here never keeps its photo's buffer alive (a Buffer's slice() would be a view of it).
 */
export function decoderFor(bits: Uint8Array, vals: Uint8Array): Decoder | null {
  const key =
    Buffer.from(bits.buffer, bits.byteOffset, bits.length).toString('latin1') +
    Buffer.from(vals.buffer, vals.byteOffset, vals.length).toString('latin1');
  const hit = known.get(key);
  if (hit !== undefined) return hit;
  const made = decoderOf(bits, Uint8Array.from(vals));
  if (known.size >= KNOWN_KEPT) known.clear();
  known.set(key, made);
  return made;
}

/** What BitReader.block answers for a block that cannot be read (no DC difference is this large). */
export const BLOCK_FAILED = 0x7fffffff;

/** The entropy-coded data of a scan, read bit by bit; 0xFF00 unstuffed; zeros once a marker is reached. */
export class BitReader {
  acc = 0;
  n = 0;
  atMarker = false;
  /** zero bits put in after the data ran out (only those handed out count: see overrun) */
  private zeros = 0;
  constructor(
    private readonly buf: Buffer,
    public pos: number,
  ) {}

  private fill(): void {
    while (this.n <= 16) {
      let byte = 0;
      if (!this.atMarker && this.pos < this.buf.length) {
        byte = this.buf[this.pos]!;
        if (byte === 0xff) {
          if (this.buf[this.pos + 1] === 0x00) this.pos += 2;
          else {
            this.atMarker = true;
            byte = 0;
            this.zeros += 8;
          }
        } else this.pos++;
      } else this.zeros += 8;
      this.acc = ((this.acc << 8) | byte) & 0xffffff;
      this.n += 8;
    }
  }

  /** Bits handed out that were not in the data: any means the data is not what the header says. */
  get overrun(): number {
    return Math.max(0, this.zeros - this.n);
  }

  bits(k: number): number {
    if (k === 0) return 0;
    if (this.n < k) this.fill();
    this.n -= k;
    return (this.acc >>> this.n) & ((1 << k) - 1);
  }

  symbol(t: Decoder): number {
    if (this.n < 16) this.fill();
    const hit = t.fast[(this.acc >>> (this.n - 9)) & 511]!;
    if (hit !== 0) {
      this.n -= hit >>> 8;
      return hit & 255;
    }
    let code = this.bits(9);
    for (let len = 10; len <= 16; len++) {
      code = (code << 1) | this.bits(1);
      if (code <= t.maxcode[len]!) return t.vals[t.valptr[len]! + code - t.mincode[len]!]!;
    }
    return -1;
  }

  /** Decoder.fastAc's entry for the next bits, whose bits are then used; 0 (nothing used) when none. */
  fastAc(t: Decoder): number {
    if (this.n < 16) this.fill();
    const e = t.fastAc[(this.acc >>> (this.n - 9)) & 511]!;
    if (e !== 0) this.n -= e & 15;
    return e;
  }

  /**
   * One block: its DC difference is returned (BLOCK_FAILED at a code the tables lack or a magnitude
   * over 11) and its AC coefficients written to out[o + 1…63] (BLOCK_FAILED at a run past the 64th).
   * It reads what symbol, bits and fastAc would, with the reader's state in locals for the block and
   * up to 32 bits held instead of 24, so a code of up to 9 bits and its value (up to 15) need one
   * refill: the upload's proof of a whole photo reads every block, and through the methods each bit of
   * state was a load and a store on this object (0.35 against 0.26 ms a 20 KB photo). Codes longer than 9 bits go through
   * symbol(). How many bytes are read ahead does not change what overrun and unusedBytes answer: the
   * reader stops at a marker either way, and both count only bits held against zeros put in.
   */
  block(dc: Decoder, ac: Decoder, out: Int16Array, o: number): number {
    const buf = this.buf;
    const len = buf.length;
    let acc = this.acc;
    let n = this.n;
    let pos = this.pos;
    let atMarker = this.atMarker;
    let zeros = this.zeros;
    // The refill is written out twice, here and at the top of the AC loop: a closure over these locals
    // would keep them in a context object instead of registers, and one loop for the DC and the AC
    // (k = 0 first) or the DC through symbol() and bits() measured 18–20 % slower (0.28 against 0.24 ms
    // a 20 KB photo).
    while (n <= 24) {
      let byte = 0;
      if (!atMarker && pos < len) {
        byte = buf[pos]!;
        if (byte === 0xff) {
          if (buf[pos + 1] === 0x00) pos += 2;
          else {
            atMarker = true;
            byte = 0;
            zeros += 8;
          }
        } else pos++;
      } else zeros += 8;
      acc = (acc << 8) | byte;
      n += 8;
    }
    // DC: a code, then its t bits (≤ 9 + 11 of the ≥ 25 held, or a refill after a long code)
    let hit = dc.fast[(acc >>> (n - 9)) & 511]!;
    let t: number;
    if (hit !== 0) {
      n -= hit >>> 8;
      t = hit & 255;
    } else {
      this.keep(acc, n, pos, atMarker, zeros);
      t = this.symbol(dc);
      if (t >= 0 && this.n < t) this.fill();
      ({ acc, n, pos, atMarker, zeros } = this);
    }
    if (t < 0 || t > 11) return BLOCK_FAILED;
    let diff = 0;
    if (t !== 0) {
      n -= t;
      diff = (acc >>> n) & ((1 << t) - 1);
      if (diff < 1 << (t - 1)) diff -= (1 << t) - 1;
    }
    const fastAc = ac.fastAc;
    const fast = ac.fast;
    for (let k = 1; k < 64;) {
      while (n <= 24) {
        let byte = 0;
        if (!atMarker && pos < len) {
          byte = buf[pos]!;
          if (byte === 0xff) {
            if (buf[pos + 1] === 0x00) pos += 2;
            else {
              atMarker = true;
              byte = 0;
              zeros += 8;
            }
          } else pos++;
        } else zeros += 8;
        acc = (acc << 8) | byte;
        n += 8;
      }
      const next9 = (acc >>> (n - 9)) & 511;
      // most coefficients: code and value in the next 9 bits, one lookup
      const e = fastAc[next9]!;
      if (e !== 0) {
        n -= e & 15;
        k += (e >> 4) & 15;
        if (k > 63) return BLOCK_FAILED;
        out[o + k++] = e >> 8;
        continue;
      }
      let rs: number;
      hit = fast[next9]!;
      if (hit !== 0) {
        n -= hit >>> 8;
        rs = hit & 255;
      } else {
        this.keep(acc, n, pos, atMarker, zeros);
        rs = this.symbol(ac);
        if (rs >= 0 && this.n < (rs & 15)) this.fill();
        ({ acc, n, pos, atMarker, zeros } = this);
      }
      if (rs < 0) return BLOCK_FAILED;
      const size = rs & 15;
      if (size === 0) {
        if (rs !== 0xf0) break;
        k += 16;
        continue;
      }
      k += rs >> 4;
      if (k > 63) return BLOCK_FAILED;
      n -= size;
      let v = (acc >>> n) & ((1 << size) - 1);
      if (v < 1 << (size - 1)) v -= (1 << size) - 1;
      out[o + k++] = v;
    }
    this.keep(acc, n, pos, atMarker, zeros);
    return diff;
  }

  private keep(acc: number, n: number, pos: number, atMarker: boolean, zeros: number): void {
    this.acc = acc;
    this.n = n;
    this.pos = pos;
    this.atMarker = atMarker;
    this.zeros = zeros;
  }

  /**
   * Whole bytes of data read ahead and not used: before a marker, libjpeg counts them as extraneous
   * (a warning), and so does the caller.
   */
  get unusedBytes(): number {
    return Math.max(0, this.n - this.zeros) >> 3;
  }

  /** Skips to the byte after a restart marker RSTn; false when it is not there, or data is left before it. */
  restart(n: number): boolean {
    if (this.overrun > 0 || this.unusedBytes > 0) return false;
    this.acc = 0;
    this.n = 0;
    this.zeros = 0;
    if (this.buf[this.pos] !== 0xff || this.buf[this.pos + 1] !== 0xd0 + (n & 7)) return false;
    this.pos += 2;
    this.atMarker = false;
    return true;
  }
}

/** The entropy-coded data being written: whole bytes, 0xFF stuffed. */
export class BitWriter {
  out: Uint8Array;
  len = 0;
  acc = 0;
  n = 0;
  constructor(size: number) {
    this.out = new Uint8Array(size);
  }

  put(code: number, size: number): void {
    this.acc = (this.acc << size) | code;
    this.n += size;
    while (this.n >= 8) {
      const byte = (this.acc >>> (this.n - 8)) & 255;
      this.n -= 8;
      this.acc &= (1 << this.n) - 1;
      if (this.len + 2 > this.out.length) {
        const bigger = new Uint8Array(this.out.length * 2);
        bigger.set(this.out);
        this.out = bigger;
      }
      this.out[this.len++] = byte;
      if (byte === 0xff) this.out[this.len++] = 0;
    }
  }

  /** Pads the last byte with ones (T.81 F.1.2.3). */
  finish(): Uint8Array {
    if (this.n > 0) this.put((1 << (8 - this.n)) - 1, 8 - this.n);
    return this.out.subarray(0, this.len);
  }
}
