import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOCUMENT_ISSUE_CODES } from '../../../src/documents/index.ts';
import { ROOT } from '../../helpers/golden.ts';

describe('docs/documents.md', () => {
  it('lists every document issue code with its severity, and no other', () => {
    const text = readFileSync(join(ROOT, 'docs/documents.md'), 'utf8');
    const section = text.slice(text.indexOf('## Issues'), text.indexOf('## Using the mappers'));
    const rows = [...section.matchAll(/^\| `([a-z0-9-]+)` +\| (error|warning) +\|/gm)].map((m) => [
      m[1],
      m[2],
    ]);
    assert.deepEqual(rows.sort(), Object.entries(DOCUMENT_ISSUE_CODES).sort());
  });
});
