// docs/erp.md shows a complete configuration for each adapter: each must pass the adapters' own check, and the
// csv-export one must be the one the demo export is tested with.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { validateErpOptions, type CsvExportErpOptions } from '../../../src/erp/index.ts';
import { demoExportOptions } from './demo-export.ts';

const DOC = readFileSync(fileURLToPath(new URL('../../../docs/erp.md', import.meta.url)), 'utf8');

function examples(): unknown[] {
  return [...DOC.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => (parse(m[1]!) as { erp: unknown }).erp);
}

describe('docs/erp.md', () => {
  it('has one example per adapter, each a valid configuration', () => {
    const kinds = examples().map((e) => validateErpOptions(e).kind);
    assert.deepEqual(kinds, ['postgres', 'csv-export', 'http']);
  });

  it('configures the csv-export example as the demo export is read', () => {
    const example = examples()[1] as CsvExportErpOptions;
    const demo = demoExportOptions();
    assert.deepEqual(example.fields, demo.fields);
    assert.deepEqual(
      [example.headers, example.lines, example.receipts],
      [demo.headers, demo.lines, demo.receipts],
    );
  });
});
