import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const GOLDEN_X12 = join(ROOT, 'test/golden/x12');

export interface GoldenFile {
  /** Path relative to test/golden/x12, e.g. 004010/850/valid-dc-order.edi. */
  name: string;
  path: string;
  version: string;
  set: string;
  valid: boolean;
  bytes: Buffer;
}

/** The team's golden X12 files: test/golden/x12/<version>/<set>/{valid,broken}-*.edi. */
export function goldenFiles(): GoldenFile[] {
  if (!existsSync(GOLDEN_X12)) return [];
  const out: GoldenFile[] = [];
  for (const version of readdirSync(GOLDEN_X12).sort()) {
    const vdir = join(GOLDEN_X12, version);
    if (!/^\d{6}$/.test(version)) continue;
    for (const set of readdirSync(vdir).sort()) {
      const sdir = join(vdir, set);
      for (const f of readdirSync(sdir).sort()) {
        if (!f.endsWith('.edi') || f.includes('.expected')) continue;
        const path = join(sdir, f);
        out.push({
          name: relative(GOLDEN_X12, path),
          path,
          version,
          set,
          valid: f.startsWith('valid'),
          bytes: readFileSync(path),
        });
      }
    }
  }
  return out;
}
