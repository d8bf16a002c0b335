// Golden files: for every test/golden/x12/<version>/<set>/*.edi the issues the validator reports and the
// acknowledgment it builds are kept next to it (.expected.json, .expected-ack.edi) and compared byte for
// byte. After a deliberate change, regenerate with `UPDATE_GOLDEN=1 npm test` and review the diff.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadSpecs } from '../../src/config/x12-specs.ts';
import { buildAcknowledgments, serializeAck, type ControlNumbers } from '../../src/x12/acks/build.ts';
import { analyze } from '../../src/x12/analyzer.ts';
import { goldenFiles } from '../helpers/golden.ts';

const UPDATE = process.env.UPDATE_GOLDEN === '1';
const NOW = new Date('2026-11-26T12:00:00Z');

class Counter implements ControlNumbers {
  private n = 0;
  next(): number {
    return ++this.n;
  }
}

function compare(path: string, actual: string): void {
  if (UPDATE || !existsSync(path)) {
    writeFileSync(path, actual);
    if (!UPDATE) assert.fail(`${path} did not exist; written now, review it and run again`);
    return;
  }
  assert.equal(
    actual,
    readFileSync(path, 'utf8'),
    `${path} differs (UPDATE_GOLDEN=1 to accept a deliberate change)`,
  );
}

describe('x12 golden files', () => {
  const { registry, errors } = loadSpecs();
  const files = goldenFiles();

  it('every spec loads and every spec has golden files, a valid one and a broken one', () => {
    assert.deepEqual(errors, []);
    for (const spec of registry.all) {
      const mine = files.filter((f) => f.version === spec.version && f.set === spec.id);
      assert.ok(
        mine.some((f) => f.valid),
        `${spec.version}/${spec.id} has no valid golden file`,
      );
      assert.ok(
        mine.some((f) => !f.valid),
        `${spec.version}/${spec.id} has no broken golden file`,
      );
    }
  });

  for (const file of files) {
    it(`${file.name}: issues and acknowledgment as recorded`, async () => {
      const result = await analyze([file.bytes], { specs: registry });
      const issues = result.issues.map(({ code, severity, message, location, data }) => ({
        code,
        severity,
        message,
        location,
        ...(data !== undefined ? { data } : {}),
      }));
      const errorsFound = issues.filter((i) => i.severity === 'error');
      if (file.valid) assert.deepEqual(errorsFound, [], `${file.name} is meant to be valid`);
      else assert.ok(errorsFound.length > 0, `${file.name} is meant to be broken`);

      const acks = buildAcknowledgments(result, { controlNumbers: new Counter(), now: NOW, ackAcks: true });
      const ackText = acks.map(serializeAck).join('');
      if (!file.valid)
        assert.match(
          ackText,
          /(AK5|IK5)\*R|AK9\*[RP]|TA1\*[^~]*\*R\*/,
          'a broken file is rejected in its ack',
        );
      else assert.doesNotMatch(ackText, /(AK5|IK5)\*R|AK9\*[RP]/, 'a valid file is accepted in its ack');

      compare(file.path.replace(/\.edi$/, '.expected.json'), `${JSON.stringify(issues, null, 2)}\n`);
      compare(file.path.replace(/\.edi$/, '.expected-ack.edi'), ackText);
    });
  }
});
