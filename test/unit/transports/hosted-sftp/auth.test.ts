import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import {
  checkPassword,
  checkPublicKey,
  hostedAccounts,
  parsePublicKeys,
  type AccountProblem,
  type HostedAccount,
} from '../../../../src/transports/hosted-sftp/auth.ts';
import { hashPassword } from '../../../../src/transports/hosted-sftp/password.ts';

function keyPair(type: 'ed25519' | 'rsa' | 'ecdsa') {
  const pair =
    type === 'rsa'
      ? ssh2.utils.generateKeyPairSync('rsa', { bits: 2048, comment: 'test' })
      : type === 'ecdsa'
        ? ssh2.utils.generateKeyPairSync('ecdsa', { bits: 256, comment: 'test' })
        : ssh2.utils.generateKeyPairSync('ed25519', { comment: 'test' });
  const privateKey = ssh2.utils.parseKey(pair.private);
  if (privateKey instanceof Error) throw privateKey;
  return { publicLine: pair.public, privateKey };
}

function offered(key: ParsedKey) {
  return { algo: key.type, data: key.getPublicSSH() };
}

describe('hosted SFTP public-key check', () => {
  const ed = keyPair('ed25519');
  const rsa = keyPair('rsa');
  const other = keyPair('ed25519');
  const account: HostedAccount = { partnerId: 'acme', publicKeys: [ed.publicLine, rsa.publicLine] };
  const keys = parsePublicKeys(account);

  it('reads OpenSSH one-line public keys, with or without a comment and trailing newline', () => {
    const bare = ed.publicLine.split(' ').slice(0, 2).join(' ');
    const parsed = parsePublicKeys({ partnerId: 'acme', publicKeys: [bare, `${ed.publicLine}\n`] });
    assert.equal(parsed.length, 2);
    assert.ok(parsed.every((k) => k.type === 'ssh-ed25519'));
  });

  it('answers a key query (no signature) for a registered key with a match', () => {
    assert.equal(checkPublicKey(keys, offered(ed.privateKey)), 'match');
  });

  it('accepts a valid signature by a registered key', () => {
    const blob = randomBytes(64);
    const signature = ed.privateKey.sign(blob);
    assert.equal(checkPublicKey(keys, offered(ed.privateKey), { blob, signature }), 'match');
  });

  it('accepts an RSA signature made with SHA-512 (rsa-sha2-512)', () => {
    const blob = randomBytes(64);
    const signature = rsa.privateKey.sign(blob, 'sha512');
    assert.equal(
      checkPublicKey(keys, offered(rsa.privateKey), { blob, signature, hashAlgo: 'sha512' }),
      'match',
    );
  });

  it('refuses a signature over other data, or by another key', () => {
    const blob = randomBytes(64);
    const signature = ed.privateKey.sign(randomBytes(64));
    assert.equal(checkPublicKey(keys, offered(ed.privateKey), { blob, signature }), 'bad-signature');
    const forged = other.privateKey.sign(blob);
    assert.equal(checkPublicKey(keys, offered(ed.privateKey), { blob, signature: forged }), 'bad-signature');
  });

  it('refuses a key of the same type with other key material', () => {
    const blob = randomBytes(64);
    assert.equal(checkPublicKey(keys, offered(other.privateKey)), 'no-such-key');
    assert.equal(
      checkPublicKey(keys, offered(other.privateKey), { blob, signature: other.privateKey.sign(blob) }),
      'no-such-key',
    );
  });

  it('refuses registered key material offered under another algorithm name', () => {
    assert.equal(
      checkPublicKey(keys, { algo: 'ssh-rsa', data: ed.privateKey.getPublicSSH() }),
      'no-such-key',
    );
  });

  it('skips lines that are not public keys and reports them by position, never by content', () => {
    const problems: AccountProblem[] = [];
    const secret = keyPair('ecdsa');
    const parsed = parsePublicKeys(
      {
        partnerId: 'acme',
        publicKeys: ['ssh-ed25519 not-base64!', ed.publicLine, secret.privateKey.getPrivatePEM()],
      },
      (p) => problems.push(p),
    );
    assert.equal(parsed.length, 1);
    assert.deepEqual(
      problems.map((p) => p.problem.slice(0, 15)),
      ['public key 1 ca', 'public key 3 ca'],
    );
    assert.ok(problems.every((p) => p.partnerId === 'acme' && !p.problem.includes('BEGIN')));
  });
});

describe('hosted SFTP password check', () => {
  it('accepts the right password of an account and refuses a wrong one', async () => {
    const account = {
      partnerId: 'acme',
      passwordHash: await hashPassword('pw', { logN: 10, r: 8, p: 1 }),
      publicKeys: [],
    };
    assert.equal(await checkPassword(account, 'pw'), true);
    assert.equal(await checkPassword(account, 'pw2'), false);
  });

  it('refuses an unknown account and an account without a password', async () => {
    assert.equal(await checkPassword(undefined, 'pw'), false);
    assert.equal(await checkPassword({ partnerId: 'acme', publicKeys: [] }, ''), false);
  });
});

describe('hostedAccounts', () => {
  it('lists the partners with a hosted login that are not suspended', () => {
    const accounts = hostedAccounts([
      {
        id: 'acme',
        status: 'active',
        hosted: { passwordHash: '$scrypt$…', publicKeys: ['ssh-ed25519 AAAA'] },
      },
      { id: 'globex', status: 'testing', hosted: {} },
      { id: 'initech', status: 'suspended', hosted: { publicKeys: ['ssh-ed25519 AAAA'] } },
      { id: 'tchome', status: 'active' },
    ]);
    assert.deepEqual(accounts, [
      { partnerId: 'acme', passwordHash: '$scrypt$…', publicKeys: ['ssh-ed25519 AAAA'] },
      { partnerId: 'globex', publicKeys: [] },
    ]);
  });
});
