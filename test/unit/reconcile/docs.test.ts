import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MISMATCH_TYPES } from '../../../src/reconcile/index.ts';
import { ROOT } from '../../helpers/golden.ts';

describe('docs/reconciliation.md', () => {
  it('has a row for every mismatch type and none for a type that does not exist', () => {
    const text = readFileSync(join(ROOT, 'docs/reconciliation.md'), 'utf8');
    const table = text.slice(text.indexOf('## Mismatch types'));
    const rows = [...table.matchAll(/^\| `([a-z-]+)` +\|/gm)].map((m) => m[1]);
    assert.deepEqual(rows, [...MISMATCH_TYPES]);
  });
});
