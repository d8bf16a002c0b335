import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayError } from '../../../src/errors.ts';
import { isSecretReference, resolveSecret } from '../../../src/partners/secrets.ts';

const WHERE = 'partner acme, channel pull: password';

function failure(run: () => unknown): GatewayError {
  try {
    run();
  } catch (e) {
    assert.ok(e instanceof GatewayError, String(e));
    assert.equal(e.code, 'config-invalid');
    assert.equal(e.retryable, false);
    return e;
  }
  assert.fail('the reference resolved');
}

describe('secret references', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dockside-secrets-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts env:NAME and file:/absolute/path, and nothing that looks like a secret itself', () => {
    for (const ok of ['env:ACME_SFTP_PASSWORD', 'env:_X1', 'file:/run/secrets/acme'])
      assert.ok(isSecretReference(ok), ok);
    for (const bad of [
      'hunter2',
      'env:',
      'env:1X',
      'env:A-B',
      'file:relative/path',
      'file:',
      'ENV:X',
      ' env:X',
    ]) {
      assert.ok(!isSecretReference(bad), bad);
    }
  });

  it('reads an environment variable', () => {
    assert.equal(resolveSecret('env:ACME_PW', WHERE, { env: { ACME_PW: 's3cret\n' } }), 's3cret\n');
  });

  it('reads a file, dropping one final line break only when asked', async () => {
    const file = join(dir, 'pw');
    await writeFile(file, 's3cret\n');
    assert.equal(resolveSecret(`file:${file}`, WHERE, { trimLineBreak: true }), 's3cret');
    assert.equal(resolveSecret(`file:${file}`, WHERE), 's3cret\n');
  });

  it('names the partner, channel and field, and the variable, when an env reference does not resolve', () => {
    const e = failure(() => resolveSecret('env:ACME_PW', WHERE, { env: {} }));
    assert.equal(
      e.message,
      'partner acme, channel pull: password: env:ACME_PW does not resolve: the environment variable ACME_PW is not set',
    );
    failure(() => resolveSecret('env:ACME_PW', WHERE, { env: { ACME_PW: '' } }));
  });

  it('names the file and why when a file reference does not resolve', async () => {
    const missing = join(dir, 'missing');
    assert.match(
      failure(() => resolveSecret(`file:${missing}`, WHERE)).message,
      new RegExp(`cannot read ${missing} \\(ENOENT\\)`),
    );
    await writeFile(join(dir, 'empty'), '');
    assert.match(failure(() => resolveSecret(`file:${join(dir, 'empty')}`, WHERE)).message, /is empty/);
  });

  it('refuses a value that is not a reference without repeating it', () => {
    const e = failure(() => resolveSecret('hunter2', WHERE));
    assert.ok(!e.message.includes('hunter2'), e.message);
    assert.match(e.message, /not a secret reference/);
  });
});
