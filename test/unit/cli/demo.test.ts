// The demo partners' secrets: made on this machine, kept under the data directory, set for every command.
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoSecretsDir, useDemoSecrets } from '../../../src/cli/demo.ts';
import { loadPartners } from '../../../src/partners/load.ts';
import { verifyPassword } from '../../../src/transports/hosted-sftp/password.ts';

/** A data directory and a partner directory holding `files`. */
function site(files: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), 'dockside-demo-secrets-'));
  const partnersDir = join(root, 'partners');
  mkdirSync(partnersDir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(partnersDir, name), text);
  return { dataDir: join(root, 'var'), partnersDir };
}

const PUSHING = `id: pusher
name: Pusher
identities: [{ qualifier: ZZ, id: PUSHER }]
hosted:
  passwordHash: env:DOCKSIDE_DEMO_PUSHER_PASSWORD_HASH
channels:
  outbound: { kind: hosted }
`;

const POLLED = `id: polled
name: Polled
identities: [{ qualifier: ZZ, id: POLLED }]
channels:
  inbound:
    - kind: sftp
      id: pull
      host: 127.0.0.1
      port: 2223
      user: dockside
      password: env:DOCKSIDE_DEMO_POLLED_SFTP_PASSWORD
      directories: [/outbound]
`;

describe('useDemoSecrets', () => {
  it('makes the secrets the partner files name, readable by their owner only, so that the files load', async () => {
    const s = site({ 'pusher.yaml': PUSHING, 'polled.yaml': POLLED });
    const env: NodeJS.ProcessEnv = {};
    useDemoSecrets(s, env);
    const dir = demoSecretsDir(s.dataDir);
    assert.deepEqual(readdirSync(dir).sort(), [
      'DOCKSIDE_DEMO_POLLED_SFTP_PASSWORD',
      'DOCKSIDE_DEMO_PUSHER_PASSWORD',
      'DOCKSIDE_DEMO_PUSHER_PASSWORD_HASH',
    ]);
    for (const f of readdirSync(dir)) {
      assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
      assert.equal(env[f], readFileSync(join(dir, f), 'utf8'), f);
    }
    assert.match(env.DOCKSIDE_DEMO_POLLED_SFTP_PASSWORD!, /^[A-Za-z0-9_-]{24}$/);
    assert.notEqual(env.DOCKSIDE_DEMO_PUSHER_PASSWORD, env.DOCKSIDE_DEMO_POLLED_SFTP_PASSWORD);
    assert.equal(
      await verifyPassword(env.DOCKSIDE_DEMO_PUSHER_PASSWORD!, env.DOCKSIDE_DEMO_PUSHER_PASSWORD_HASH!),
      true,
    );
    const loaded = loadPartners(s.partnersDir, { dataDir: s.dataDir, env, checkSecrets: true });
    assert.equal(loaded.get('pusher')?.hosted?.passwordHash, env.DOCKSIDE_DEMO_PUSHER_PASSWORD_HASH);
  });

  it('reads the same secrets back in a later command instead of making new ones', () => {
    const s = site({ 'pusher.yaml': PUSHING });
    const first: NodeJS.ProcessEnv = {};
    useDemoSecrets(s, first);
    const later: NodeJS.ProcessEnv = {};
    useDemoSecrets(s, later);
    assert.deepEqual(later, first);
  });

  it('leaves a variable that is already set alone and makes nothing for it', () => {
    const s = site({ 'polled.yaml': POLLED });
    const env: NodeJS.ProcessEnv = { DOCKSIDE_DEMO_POLLED_SFTP_PASSWORD: 'chosen-by-the-user' };
    useDemoSecrets(s, env);
    assert.equal(env.DOCKSIDE_DEMO_POLLED_SFTP_PASSWORD, 'chosen-by-the-user');
    assert.equal(existsSync(join(demoSecretsDir(s.dataDir), 'DOCKSIDE_DEMO_POLLED_SFTP_PASSWORD')), false);
  });

  it('writes nothing for partner files without demo secrets, nor for a missing partner directory', () => {
    const s = site({ 'real.yaml': POLLED.replace(/DOCKSIDE_DEMO_POLLED_SFTP_PASSWORD/, 'POLLED_PASSWORD') });
    const env: NodeJS.ProcessEnv = {};
    useDemoSecrets(s, env);
    useDemoSecrets({ dataDir: s.dataDir, partnersDir: join(s.partnersDir, 'missing') }, env);
    assert.deepEqual(env, {});
    assert.equal(existsSync(s.dataDir), false);
  });
});
