import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ISSUE_CODES } from '../../../src/x12/issues.ts';
import { ROOT } from '../../helpers/golden.ts';

describe('docs/x12-engine.md', () => {
  const doc = readFileSync(join(ROOT, 'docs/x12-engine.md'), 'utf8');
  const documented = [...doc.matchAll(/^\| `([a-z0-9-]+)` +\| (\w+) +\|/gm)].map(
    (m) => [m[1]!, m[2]!] as const,
  );

  it('lists every issue code with its level, and no code the catalogue lacks', () => {
    assert.deepEqual(documented.map(([code]) => code).sort(), Object.keys(ISSUE_CODES).sort());
    for (const [code, level] of documented) {
      assert.equal(level, ISSUE_CODES[code as keyof typeof ISSUE_CODES].level, code);
    }
  });
});
