// Golden files: each folder of test/golden/csv/ holds a partner file with a CSV mapping, one CSV file, and
// the documents and issues it gives (documents.expected.json). The partner file is read by the real loader,
// the mapping chosen by the file's name. After a deliberate change, regenerate with `UPDATE_GOLDEN=1` and
// review the diff.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mapCsvFile, mapCsvStream } from '../../../src/csv/map-file.ts';
import { selectCsvMapping } from '../../../src/csv/mapping.ts';
import { documentSchemaErrors } from '../../../src/documents/schemas.ts';
import { loadPartners } from '../../../src/partners/load.ts';

const UPDATE = process.env.UPDATE_GOLDEN === '1';
const ROOT = fileURLToPath(new URL('../../golden/csv', import.meta.url));

function cases(): { name: string; dir: string; input: string }[] {
  return readdirSync(ROOT, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => {
      const dir = join(ROOT, d.name);
      const input = readdirSync(dir).find((f) => f !== 'partner.yaml' && f !== 'documents.expected.json');
      assert.ok(input, `${d.name} has no input file`);
      return { name: d.name, dir, input };
    });
}

describe('csv golden files', () => {
  for (const c of cases()) {
    describe(c.name, () => {
      const partner = () => loadPartners(c.dir, { dataDir: c.dir }).all()[0]!;
      const bytes = () => readFileSync(join(c.dir, c.input));

      it('gives the documents and issues recorded in documents.expected.json', () => {
        const p = partner();
        const mapping = selectCsvMapping(p.csv ?? [], c.input);
        assert.ok(mapping, `no mapping of ${p.id} matches ${c.input}`);
        const result = mapCsvFile(bytes(), c.input, mapping, p.id);
        const actual = `${JSON.stringify(result, null, 2)}\n`;
        const path = join(c.dir, 'documents.expected.json');
        if (UPDATE || !existsSync(path)) {
          writeFileSync(path, actual);
          if (!UPDATE) assert.fail(`${path} did not exist; written now, review it and run again`);
          return;
        }
        assert.equal(actual, readFileSync(path, 'utf8'), `${path} differs (UPDATE_GOLDEN=1 to accept)`);
      });

      it('produces documents that match the canonical JSON Schemas', () => {
        const p = partner();
        const result = mapCsvFile(bytes(), c.input, selectCsvMapping(p.csv ?? [], c.input)!, p.id);
        for (const d of result.documents) assert.deepEqual(documentSchemaErrors(d), [], JSON.stringify(d));
      });

      it('gives the same result when the bytes arrive one at a time', async () => {
        const p = partner();
        const mapping = selectCsvMapping(p.csv ?? [], c.input)!;
        const all = bytes();
        const whole = mapCsvFile(all, c.input, mapping, p.id);
        const oneByOne = await mapCsvStream(
          (function* () {
            for (let i = 0; i < all.length; i++) yield all.subarray(i, i + 1);
          })(),
          c.input,
          mapping,
          p.id,
        );
        assert.deepEqual(oneByOne, whole);
      });

      it('leaves the file as it was', () => {
        const p = partner();
        const before = bytes();
        const copy = Buffer.from(before);
        mapCsvFile(before, c.input, selectCsvMapping(p.csv ?? [], c.input)!, p.id);
        assert.ok(before.equals(copy));
      });
    });
  }
});
