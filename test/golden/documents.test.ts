// Golden files for the document mappers: every test/golden/documents/<version>/*.edi is read into its
// transaction sets, each set mapped, and the results (document and issues, per set) compared with the
// .expected.json next to it. After a deliberate change, regenerate with `UPDATE_GOLDEN=1` and review the diff.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultMappers, documentSchemaErrors } from '../../src/documents/index.ts';
import { readTransactionSets } from '../../src/x12/set-segments.ts';
import { ROOT } from '../helpers/golden.ts';

const UPDATE = process.env.UPDATE_GOLDEN === '1';
const DIR = join(ROOT, 'test/golden/documents');
const PARTNER = 'golden-partner';

interface Case {
  name: string;
  version: string;
  path: string;
  expected: string;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const version of readdirSync(DIR).sort()) {
    if (!/^\d{6}$/.test(version)) continue;
    for (const f of readdirSync(join(DIR, version)).sort()) {
      if (!f.endsWith('.edi')) continue;
      const path = join(DIR, version, f);
      out.push({
        name: `${version}/${f}`,
        version,
        path,
        expected: path.replace(/\.edi$/, '.expected.json'),
      });
    }
  }
  return out;
}

function mapFile(path: string) {
  const mappers = defaultMappers();
  const { sets, issues } = readTransactionSets(readFileSync(path));
  assert.deepEqual(issues, [], `${path}: the tokenizer found problems`);
  return sets.map((set) => mappers.map(set, { partnerId: PARTNER }));
}

/** The document without what says where it was read from, to compare two spellings of the same content. */
function content(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(content);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => k !== 'trace' && k !== 'source')
      .map(([k, v]) => [k, content(v)]),
  );
}

describe('document golden files', () => {
  const all = cases();

  it('has a case for every set and version a mapper is registered for', () => {
    const registered = defaultMappers().registered();
    assert.ok(registered.length >= 22, registered.join(' '));
    for (const key of registered) {
      const [setId, version] = key.split('/');
      assert.ok(
        all.some((c) => c.version === version && c.name.startsWith(`${version}/${setId}-`)),
        `no golden case for ${key}`,
      );
    }
  });

  it('has the cases the mappers promise, in both versions', () => {
    for (const version of ['004010', '005010']) {
      for (const prefix of ['856-shipment-order-item', '856-hl-out-of-order', '810-', '850-']) {
        assert.ok(
          all.some((c) => c.version === version && c.name.startsWith(`${version}/${prefix}`)),
          `${version} has no ${prefix} case`,
        );
      }
      assert.ok(all.some((c) => c.version === version && /\/856-.*pack-item/.test(c.name)));
    }
  });

  for (const c of all) {
    it(`${c.name}: documents and issues as recorded`, () => {
      const actual = `${JSON.stringify(mapFile(c.path), null, 2)}\n`;
      if (UPDATE || !existsSync(c.expected)) {
        writeFileSync(c.expected, actual);
        if (!UPDATE) assert.fail(`${c.expected} did not exist; written now, review it and run again`);
        return;
      }
      assert.equal(
        actual,
        readFileSync(c.expected, 'utf8'),
        `${c.expected} differs (UPDATE_GOLDEN=1 to accept)`,
      );
    });

    it(`${c.name}: every expected document validates against its JSON Schema and names its version`, () => {
      const results = JSON.parse(readFileSync(c.expected, 'utf8')) as {
        document?: { source: { version: string } };
      }[];
      const documents = results.map((r) => r.document).filter((d) => d !== undefined);
      assert.ok(documents.length > 0, 'no document to check');
      for (const document of documents) {
        assert.deepEqual(documentSchemaErrors(document), []);
        assert.equal(document.source.version.slice(0, 6), c.version);
      }
    });
  }

  for (const version of ['004010', '005010']) {
    it(`${version}: an 856 with its HLs out of order maps to the same document as the one in order`, () => {
      const ordered = cases().find((c) => c.version === version && /\/856-.*pack-item\.edi$/.test(c.name))!;
      const shuffled = cases().find(
        (c) => c.version === version && c.name.endsWith('856-hl-out-of-order.edi'),
      )!;
      const [a] = mapFile(ordered.path);
      const [b] = mapFile(shuffled.path);
      assert.ok(a?.document && b?.document);
      assert.deepEqual(b.issues, []);
      assert.deepEqual(content(b.document), content(a.document));
    });
  }
});
