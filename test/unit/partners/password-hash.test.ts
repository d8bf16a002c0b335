import assert from 'node:assert/strict';
import { hashPassword, parsePasswordHash, verifyPassword } from '../../../src/partners/password-hash.ts';

describe('password hashes', () => {
  const fast = { logN: 10 };

  it('writes PHC scrypt strings that verify the password and nothing else', () => {
    const hash = hashPassword('correct horse', fast);
    assert.match(hash, /^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.ok(verifyPassword('correct horse', hash));
    assert.ok(!verifyPassword('correct horse ', hash));
    assert.ok(!verifyPassword('', hash));
  });

  it('salts every hash', () => {
    assert.notEqual(hashPassword('same', fast), hashPassword('same', fast));
  });

  it('treats the same characters in either Unicode form as the same password', () => {
    const hash = hashPassword('caf\u00e9', fast);
    assert.ok(verifyPassword('cafe\u0301', hash));
  });

  it('reads padded base64 too, and refuses strings it would not write', () => {
    const hash = hashPassword('pw', fast);
    const [, , params, salt, digest] = hash.split('$');
    assert.ok(parsePasswordHash(`$scrypt$${params}$${salt}==$${digest}=`));
    for (const bad of [
      'pw',
      '$2b$10$abcdefghijklmnopqrstuv',
      hash.replace('ln=10', 'ln=9'),
      hash.replace('ln=10', 'ln=21'),
      hash.replace('r=8', 'r=0'),
      `$scrypt$${params}$AAAA$${digest}`,
    ]) {
      assert.equal(parsePasswordHash(bad), undefined, bad);
      assert.equal(verifyPassword('pw', bad), false);
    }
  });
});
