import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostKeyPolicy } from '../../../src/partners/partner.ts';
import { checkHostKey, keyTypeOf, sha256Fingerprint } from '../../../src/transports/host-keys.ts';

// Two ed25519 public keys and the fingerprints `ssh-keygen -lf` printed for them.
const KEY_A = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIJYwhew5duVj+ufx/9uRAW+wgw3o5IEy390we619vRkj', 'base64');
const FP_A = 'SHA256:rDfvbp3YzcrgFYotisok+DolKm9GhioK3OmxM7xXytI';
const KEY_B = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIJXPsUzyCExC7GsUlb92vraCvxQA6ZCwd0k0FnEZLzQu', 'base64');
const FP_B = 'SHA256:PJIsyvXbbiQrC8a34+DLJdUKSinbQQn61JyErfN9c08';
const LABEL = 'sftp://acme@sftp.acme.example:22';

describe('host keys', () => {
  let dir: string;
  let learnedFile: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dockside-hostkeys-'));
    learnedFile = join(dir, 'known-hosts', 'acme', 'pull@sftp.acme.example_22');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const policy = (p: Partial<HostKeyPolicy>): HostKeyPolicy => ({
    fingerprints: [],
    trustOnFirstUse: false,
    learnedFile,
    ...p,
  });

  async function refusal(p: HostKeyPolicy, key: Buffer): Promise<string> {
    const verdict = await checkHostKey(p, LABEL, key);
    assert.ok(!verdict.accepted, 'the key was accepted');
    assert.equal(verdict.error.code, 'host-key-refused');
    assert.equal(verdict.error.retryable, false);
    return verdict.error.message;
  }

  it('names a key by the fingerprint and type OpenSSH shows for it', () => {
    assert.equal(sha256Fingerprint(KEY_A), FP_A);
    assert.equal(sha256Fingerprint(KEY_B), FP_B);
    assert.equal(keyTypeOf(KEY_A), 'ssh-ed25519');
    assert.equal(keyTypeOf(Buffer.alloc(2)), 'unknown');
  });

  it('accepts a key whose fingerprint is pinned, among several pins', async () => {
    const verdict = await checkHostKey(policy({ fingerprints: [FP_B, FP_A] }), LABEL, KEY_A);
    assert.deepEqual(verdict, { accepted: true, learned: false, fingerprint: FP_A });
  });

  it('refuses a key that is not the pinned one, naming the key it saw and the pin', async () => {
    const message = await refusal(policy({ fingerprints: [FP_A], trustOnFirstUse: true }), KEY_B);
    assert.ok(message.includes(`${LABEL} showed host key ssh-ed25519 ${FP_B}`), message);
    assert.ok(message.includes(`not the pinned ${FP_A}`), message);
    assert.deepEqual(await readdir(dir), [], 'a pinned channel learned a key');
  });

  it('refuses an unknown key when nothing is pinned and trust on first use is off, saying how to pin it', async () => {
    const message = await refusal(policy({}), KEY_A);
    assert.ok(message.includes(FP_A), message);
    assert.match(message, /hostKey\.fingerprints/);
    assert.deepEqual(await readdir(dir), []);
  });

  it('learns the first key on first use, then accepts it and refuses any other', async () => {
    const tofu = policy({ trustOnFirstUse: true });
    assert.deepEqual(await checkHostKey(tofu, LABEL, KEY_A), {
      accepted: true,
      learned: true,
      fingerprint: FP_A,
    });
    const stored = JSON.parse(await readFile(learnedFile, 'utf8')) as Record<string, string>;
    assert.equal(stored.fingerprint, FP_A);
    assert.equal(stored.keyType, 'ssh-ed25519');
    assert.deepEqual(await checkHostKey(tofu, LABEL, KEY_A), {
      accepted: true,
      learned: false,
      fingerprint: FP_A,
    });
    const message = await refusal(tofu, KEY_B);
    assert.ok(message.includes(`showed host key ssh-ed25519 ${FP_B}`), message);
    assert.ok(message.includes(`changed since ssh-ed25519 ${FP_A} was trusted on first use`), message);
    assert.ok(message.includes(learnedFile), message);
  });

  it('keeps enforcing a learned key after trust on first use is turned off', async () => {
    await checkHostKey(policy({ trustOnFirstUse: true }), LABEL, KEY_A);
    assert.equal((await checkHostKey(policy({}), LABEL, KEY_A)).accepted, true);
    await refusal(policy({}), KEY_B);
  });

  it('learns one key when two connections meet a new server at once', async () => {
    const tofu = policy({ trustOnFirstUse: true });
    const verdicts = await Promise.all([checkHostKey(tofu, LABEL, KEY_A), checkHostKey(tofu, LABEL, KEY_B)]);
    assert.equal(verdicts.filter((v) => v.accepted).length, 1);
    assert.equal(verdicts.filter((v) => v.accepted && v.learned).length, 1);
  });

  it('trusts nothing when the learned file is damaged', async () => {
    await checkHostKey(policy({ trustOnFirstUse: true }), LABEL, KEY_A);
    await writeFile(learnedFile, 'not json');
    const message = await refusal(policy({ trustOnFirstUse: true }), KEY_A);
    assert.match(message, /damaged/);
  });
});
