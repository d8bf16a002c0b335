// Whatever a partner sends, a mapper answers with values: a document that matches its schema, or issues
// that say why there is none. This test breaks the golden files one segment at a time, at random, and checks
// exactly that.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { defaultMappers, documentSchemaErrors } from '../../../src/documents/index.ts';
import { readTransactionSets } from '../../../src/x12/set-segments.ts';
import { ROOT } from '../../helpers/golden.ts';

const DIR = join(ROOT, 'test/golden/documents');
const ENVELOPE = /^(ISA|GS|ST|SE|GE|IEA)\*/;
const JUNK = ['', 'X', '-', '12.5.1', '20261340', '99999999999999999999', '0', ' '];

const files = readdirSync(DIR)
  .filter((v) => /^\d{6}$/.test(v))
  .flatMap((v) =>
    readdirSync(join(DIR, v))
      .filter((f) => f.endsWith('.edi'))
      .map((f) => join(DIR, v, f)),
  );

type Mutation = { kind: 'drop' } | { kind: 'set'; element: number; value: string };

function mutate(text: string, target: number, mutation: Mutation): string {
  const segments = text.split('~\n');
  const body = segments.map((s, i) => i).filter((i) => !ENVELOPE.test(segments[i]!) && segments[i] !== '');
  const at = body[target % body.length]!;
  if (mutation.kind === 'drop') {
    segments.splice(at, 1);
  } else {
    const elements = segments[at]!.split('*');
    const n = 1 + (mutation.element % Math.max(1, elements.length - 1));
    elements[n] = mutation.value;
    segments[at] = elements.join('*');
  }
  return segments.join('~\n');
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant<Mutation>({ kind: 'drop' }),
  fc.record({ kind: fc.constant('set' as const), element: fc.nat(20), value: fc.constantFrom(...JUNK) }),
);

describe('document mappers on broken input', () => {
  const mappers = defaultMappers();
  for (const file of files) {
    const name = file.slice(DIR.length + 1);
    it(`${name}: any one broken segment gives a valid document or an error issue, never an exception`, () => {
      const original = readFileSync(file, 'utf8');
      fc.assert(
        fc.property(fc.nat(200), mutation, (target, m) => {
          const { sets } = readTransactionSets(mutate(original, target, m));
          for (const set of sets) {
            const result = mappers.map(set, { partnerId: 'p' });
            if (result.document) {
              assert.deepEqual(documentSchemaErrors(result.document), []);
              assert.ok(result.issues.every((i) => i.severity !== 'error'));
            } else {
              assert.ok(result.issues.some((i) => i.severity === 'error'));
            }
            for (const i of result.issues) assert.ok(i.location.line >= 1 && i.message.length > 0);
          }
        }),
        { numRuns: 150 },
      );
    });
  }
});
