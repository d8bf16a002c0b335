import assert from 'node:assert/strict';
import { GatewayError } from '../../../../src/errors.ts';
import {
  hashPassword,
  hashPasswordSync,
  parsePasswordHash,
  verifyPassword,
} from '../../../../src/transports/hosted-sftp/password.ts';

// RFC 7914, section 12: scrypt("pleaseletmein", "SodiumChloride", N=16384, r=8, p=1, dkLen=64).
const RFC_7914_HASH =
  '7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887';
const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');
const RFC_7914_PHC = `$scrypt$ln=14,r=8,p=1$${b64(Buffer.from('SodiumChloride'))}$${b64(Buffer.from(RFC_7914_HASH, 'hex'))}`;

function configError(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof GatewayError);
    assert.equal(e.code, 'config-invalid');
    assert.equal(e.retryable, false);
    assert.match(e.message, message);
    return true;
  });
}

describe('hosted SFTP password hashes', () => {
  it('writes the PHC scrypt form with a 16-byte salt and a 32-byte hash', async () => {
    const line = await hashPassword('s3cret');
    assert.match(line, /^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    const parsed = parsePasswordHash(line);
    assert.equal(parsed.salt.length, 16);
    assert.equal(parsed.hash.length, 32);
  });

  it('verifies the password it was made from and no other', async () => {
    const line = await hashPassword('s3cret', { logN: 10, r: 8, p: 1 });
    assert.equal(await verifyPassword('s3cret', line), true);
    assert.equal(await verifyPassword('s3cret ', line), false);
    assert.equal(await verifyPassword('S3cret', line), false);
    assert.equal(await verifyPassword('', line), false);
  });

  it('uses a new salt each time, so equal passwords give different lines', async () => {
    const a = await hashPassword('same', { logN: 10, r: 8, p: 1 });
    const b = await hashPassword('same', { logN: 10, r: 8, p: 1 });
    assert.notEqual(a, b);
  });

  it('computes scrypt as RFC 7914 defines it', async () => {
    assert.equal(await verifyPassword('pleaseletmein', RFC_7914_PHC), true);
    assert.equal(await verifyPassword('pleaseletmeout', RFC_7914_PHC), false);
  });

  it('matches a password typed in another Unicode normal form', async () => {
    const line = await hashPassword('caf\u00e9', { logN: 10, r: 8, p: 1 });
    assert.equal(await verifyPassword('cafe\u0301', line), true);
  });

  it('reads salt and hash with or without base64 padding', async () => {
    const line = await hashPassword('pad', { logN: 10, r: 8, p: 1 });
    const [, , params, salt, hash] = line.split('$');
    const padded = `$scrypt$${params}$${salt}==$${hash}=`;
    assert.equal(await verifyPassword('pad', padded), true);
  });

  it('refuses a line that is not a PHC scrypt hash, naming the expected form but not the line', () => {
    for (const line of [
      's3cret',
      'scrypt$16384$8$1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA',
      '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA',
    ]) {
      assert.throws(
        () => parsePasswordHash(line),
        (e: unknown) => {
          assert.ok(e instanceof GatewayError);
          assert.equal(e.code, 'config-invalid');
          assert.match(e.message, /\$scrypt\$ln=N,r=N,p=N\$salt\$hash/);
          assert.ok(!e.message.includes(line));
          return true;
        },
      );
    }
  });

  it('refuses parameters that would make a login cost too much or too little', () => {
    const salt = b64(Buffer.alloc(16, 1));
    const hash = b64(Buffer.alloc(32, 2));
    configError(
      () => parsePasswordHash(`$scrypt$ln=9,r=8,p=1$${salt}$${hash}`),
      /ln=9 must be from 10 to 20/,
    );
    configError(() => parsePasswordHash(`$scrypt$ln=21,r=8,p=1$${salt}$${hash}`), /ln=21/);
    configError(() => parsePasswordHash(`$scrypt$ln=14,r=0,p=1$${salt}$${hash}`), /r=0 must be from 1 to 32/);
    configError(
      () => parsePasswordHash(`$scrypt$ln=14,r=8,p=17$${salt}$${hash}`),
      /p=17 must be from 1 to 16/,
    );
    configError(
      () => parsePasswordHash(`$scrypt$ln=20,r=8,p=1$${salt}$${hash}`),
      /more than 256 MiB per login/,
    );
  });

  it('refuses a salt or hash that is too short or not base64', () => {
    const salt = b64(Buffer.alloc(16, 1));
    const hash = b64(Buffer.alloc(32, 2));
    configError(
      () => parsePasswordHash(`$scrypt$ln=14,r=8,p=1$${b64(Buffer.alloc(4))}$${hash}`),
      /salt must be 8 to 64 bytes/,
    );
    configError(
      () => parsePasswordHash(`$scrypt$ln=14,r=8,p=1$${salt}$${b64(Buffer.alloc(8))}`),
      /hash must be 16 to 64 bytes/,
    );
    configError(() => parsePasswordHash(`$scrypt$ln=14,r=8,p=1$${salt}$not*base64`), /must be base64/);
  });

  it('will not hash an empty password', async () => {
    await assert.rejects(hashPassword(''), (e: unknown) => e instanceof GatewayError && e.code === 'usage');
  });

  it('makes the same form without waiting (hashPasswordSync), which verifies its password and no other', async () => {
    const line = hashPasswordSync('tchome-demo', { logN: 10, r: 8, p: 1 });
    assert.match(line, /^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.equal(await verifyPassword('tchome-demo', line), true);
    assert.equal(await verifyPassword('tchome-demo ', line), false);
    assert.notEqual(hashPasswordSync('tchome-demo', { logN: 10, r: 8, p: 1 }), line);
    assert.throws(
      () => hashPasswordSync(''),
      (e: unknown) => e instanceof GatewayError && e.code === 'usage',
    );
  });
});
