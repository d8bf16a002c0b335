import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MISMATCH_TYPES } from '../../../src/reconcile/index.ts';
import { ROOT } from '../../helpers/golden.ts';

describe('docs/reconciliation.md', () => {
  it('has a row for every mismatch type and none for a type that does not exist', () => {
    const text = readFileSync(join(ROOT, 'docs/reconciliation.md'), 'utf8');
    const from = text.indexOf('## Mismatch types');
    const end = text.indexOf('\n## ', from + 1);
    const table = text.slice(from, end < 0 ? undefined : end);
    const rows = [...table.matchAll(/^\| `([a-z-]+)` +\|/gm)].map((m) => m[1]);
    assert.deepEqual(rows, [...MISMATCH_TYPES]);
  });
});
