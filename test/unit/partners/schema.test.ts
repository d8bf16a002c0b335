import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PARTNER_SCHEMA_FILE } from '../../../src/partners/load.ts';
import { SECRET_REFERENCE_PATTERN } from '../../../src/partners/secrets.ts';

const schema = JSON.parse(readFileSync(PARTNER_SCHEMA_FILE, 'utf8')) as {
  $schema: string;
  properties: Record<string, unknown>;
  $defs: Record<string, { pattern?: string }>;
};

describe('partners/schema.json', () => {
  it('is a draft 2020-12 schema that allows the $schema property editors write', () => {
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
    assert.deepEqual(schema.properties.$schema, {
      description: 'the schema editors check this file with',
      type: 'string',
    });
  });

  it('accepts as a secret exactly what the secret resolver accepts', () => {
    assert.equal(schema.$defs.secret?.pattern, SECRET_REFERENCE_PATTERN);
  });

  it('is named by every partner file next to it, for editors', () => {
    const dir = dirname(PARTNER_SCHEMA_FILE);
    const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
    assert.ok(files.length > 0);
    for (const f of files) {
      const first = readFileSync(join(dir, f), 'utf8').split('\n')[0];
      assert.equal(first, '# yaml-language-server: $schema=./schema.json', f);
    }
  });
});
