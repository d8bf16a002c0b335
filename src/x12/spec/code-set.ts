/**
 * A code list, asked "is this value one of yours?" once per coded element of every segment. Values are
 * looked up where they lie in the segment's text, without first being copied into a string and hashed:
 * one- and two-character codes (nearly all X12 qualifiers) in bitmaps, three-character ones as numbers.
 */
export class CodeSet implements Iterable<string> {
  private readonly all: Set<string>;
  /** Bit c0 * 256 + c1 for two-character codes, bit c0 for one-character codes. */
  private readonly two = new Uint32Array(2048);
  private readonly one = new Uint32Array(8);
  private readonly three = new Set<number>();

  constructor(codes: Iterable<string>) {
    this.all = new Set(codes);
    for (const code of this.all) {
      const c0 = code.charCodeAt(0);
      const c1 = code.charCodeAt(1);
      const c2 = code.charCodeAt(2);
      if (code.length === 1 && c0 <= 0xff) this.one[c0 >>> 5]! |= 1 << (c0 & 31);
      else if (code.length === 2 && c0 <= 0xff && c1 <= 0xff) {
        const k = (c0 << 8) | c1;
        this.two[k >>> 5]! |= 1 << (k & 31);
      } else if (code.length === 3 && c0 <= 0xff && c1 <= 0xff && c2 <= 0xff)
        this.three.add((c0 << 16) | (c1 << 8) | c2);
    }
  }

  get size(): number {
    return this.all.size;
  }

  has(code: string): boolean {
    return this.all.has(code);
  }

  /** Whether the text at [s, e) of `src` is one of the codes. */
  hasAt(src: string, s: number, e: number): boolean {
    const length = e - s;
    const c0 = src.charCodeAt(s);
    if (length === 2) {
      const c1 = src.charCodeAt(s + 1);
      if (c0 > 0xff || c1 > 0xff) return false;
      const k = (c0 << 8) | c1;
      return (this.two[k >>> 5]! & (1 << (k & 31))) !== 0;
    }
    if (length === 1) return c0 <= 0xff && (this.one[c0 >>> 5]! & (1 << (c0 & 31))) !== 0;
    if (length === 3) {
      const c1 = src.charCodeAt(s + 1);
      const c2 = src.charCodeAt(s + 2);
      if (c0 > 0xff || c1 > 0xff || c2 > 0xff) return false;
      return this.three.has((c0 << 16) | (c1 << 8) | c2);
    }
    return this.all.has(src.substring(s, e));
  }

  [Symbol.iterator](): Iterator<string> {
    return this.all[Symbol.iterator]();
  }
}
