/**
 * A code list, asked "is this value one of yours?" once per coded element of every segment. Codes of up to
 * three characters (nearly all X12 qualifiers) are also kept as numbers, so a value can be looked up where
 * it lies in the segment's text without first being copied into a string and hashed.
 */
export class CodeSet implements Iterable<string> {
  private readonly all: Set<string>;
  private readonly short = new Set<number>();

  constructor(codes: Iterable<string>) {
    this.all = new Set(codes);
    for (const code of this.all) {
      const key = shortKey(code, 0, code.length);
      if (key >= 0) this.short.add(key);
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
    const key = shortKey(src, s, e);
    return key >= 0 ? this.short.has(key) : this.all.has(src.substring(s, e));
  }

  [Symbol.iterator](): Iterator<string> {
    return this.all[Symbol.iterator]();
  }
}

/** Length and up to three one-byte characters packed into a number; -1 when that cannot represent it. */
function shortKey(src: string, s: number, e: number): number {
  const length = e - s;
  if (length < 1 || length > 3) return -1;
  let key = length;
  for (let i = s; i < e; i++) {
    const c = src.charCodeAt(i);
    if (c > 0xff) return -1;
    key = key * 256 + c;
  }
  return key;
}
