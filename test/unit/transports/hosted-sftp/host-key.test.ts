import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { GatewayError } from '../../../../src/errors.ts';
import { fingerprint, loadHostKeys, makeHostKey } from '../../../../src/transports/hosted-sftp/host-key.ts';

describe('loadHostKeys', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dockside-host-keys-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('makes an Ed25519 and an RSA key on the first start, readable by the owner only', async () => {
    const keys = await loadHostKeys(join(dir, 'keys'));
    assert.deepEqual(
      keys.map((k) => k.type),
      ['ssh-ed25519', 'ssh-rsa'],
    );
    assert.deepEqual((await readdir(join(dir, 'keys'))).sort(), ['ssh_host_ed25519_key', 'ssh_host_rsa_key']);
    for (const name of ['ssh_host_ed25519_key', 'ssh_host_rsa_key']) {
      assert.equal((await stat(join(dir, 'keys', name))).mode & 0o777, 0o600);
    }
    assert.equal((await stat(join(dir, 'keys'))).mode & 0o777, 0o700);
    for (const key of keys) {
      assert.match(key.fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
      assert.match(key.publicKey, new RegExp(`^${key.type} [A-Za-z0-9+/]+=*$`));
    }
  });

  it('reuses the keys it made', async () => {
    const first = await loadHostKeys(dir);
    const second = await loadHostKeys(dir);
    assert.deepEqual(second, first);
  });

  it('refuses a key file it cannot read as a private key, and leaves it alone', async () => {
    await writeFile(join(dir, 'ssh_host_ed25519_key'), 'not a key');
    await assert.rejects(loadHostKeys(dir), (e: unknown) => {
      assert.ok(e instanceof GatewayError);
      assert.equal(e.code, 'config-invalid');
      assert.match(e.message, /ssh_host_ed25519_key is not a private key/);
      assert.match(e.message, /partners will then see a changed host key/);
      return true;
    });
    assert.equal(await readFile(join(dir, 'ssh_host_ed25519_key'), 'utf8'), 'not a key');
  });

  it('computes fingerprints as OpenSSH prints them: SHA256 of the key blob, base64 without padding', () => {
    const key = ssh2.utils.parseKey(
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test',
    );
    assert.ok(!(key instanceof Error));
    assert.equal(fingerprint(key.getPublicSSH()), 'SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU');
  });

  it('never makes an Ed25519 key it cannot read back (ssh2 refuses about one in 300 of its own)', () => {
    for (let i = 0; i < 2000; i++) {
      const key = ssh2.utils.parseKey(makeHostKey('ed25519'));
      assert.ok(
        !(key instanceof Error) && key.isPrivateKey(),
        `key ${i}: ${key instanceof Error ? key.message : 'public'}`,
      );
    }
  });
});
