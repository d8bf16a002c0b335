// The `as2` section and the `as2` outbound channel of a partner file, with certificates made by the openssl CLI.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewayError } from '../../../src/errors.ts';
import { as2Certificates, certificateExpiry } from '../../../src/partners/certificate-expiry.ts';
import { loadPartners, validatePartnerFiles } from '../../../src/partners/load.ts';

const DATA_DIR = '/srv/dockside/var';
const DAY = 24 * 60 * 60 * 1000;

/** A self-signed certificate and its key, `days` long (openssl's -days; -1 ends yesterday). */
function makePair(dir: string, name: string, days: number): { cert: string; key: string } {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  if (days > 0) {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        String(days),
        '-subj',
        `/CN=${name}/O=Dockside Tests`,
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
  } else {
    const csr = join(dir, `${name}.csr`);
    execFileSync(
      'openssl',
      ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', key, '-out', csr],
      { stdio: 'ignore' },
    );
    execFileSync(
      'openssl',
      ['x509', '-req', '-in', csr, '-signkey', key, '-days', String(days), '-set_serial', '7', '-out', cert],
      { stdio: 'ignore' },
    );
  }
  return { cert, key };
}

/** 1-based line and column of the first `needle` in `text` after `after`. */
function positionOf(text: string, needle: string, after = ''): string {
  const offset = text.indexOf(needle, text.indexOf(after));
  assert.ok(offset >= 0, `${needle} not in the fixture`);
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

describe('partner files: as2', () => {
  let dir: string;
  let partner: { cert: string; key: string };
  let ours: { cert: string; key: string };
  let next: { cert: string; key: string };

  before(function () {
    this.timeout(60_000);
    dir = mkdtempSync(join(tmpdir(), 'dockside-as2-partners-'));
    partner = makePair(dir, 'partner', 365);
    ours = makePair(dir, 'ours', 730);
    next = makePair(dir, 'next', 1000);
  });

  const partnerFile = (id: string, as2: string[], outbound: string[] = []) =>
    [
      `id: ${id}`,
      `name: ${id}`,
      `identities: [{ qualifier: ZZ, id: ${id.toUpperCase()} }]`,
      'as2:',
      ...as2.map((l) => `  ${l}`),
      ...(outbound.length > 0 ? ['channels:', '  outbound:', ...outbound.map((l) => `    ${l}`)] : []),
      '',
    ].join('\n');

  const standardAs2 = (as2Id = 'ACME-AS2') => [
    `as2Id: ${as2Id}`,
    'ourAs2Id: DOCKSIDE',
    `certificate: file:${partner.cert}`,
    'identities:',
    `  - certificate: file:${ours.cert}`,
    `    privateKey: file:${ours.key}`,
  ];

  function write(name: string, text: string): string {
    const d = join(dir, `case-${Math.random().toString(36).slice(2)}`);
    mkdirSync(d);
    writeFileSync(join(d, `${name}.yaml`), text);
    return d;
  }

  /** The loader's messages for one file, each with the file's path taken off: `line:col: message`. */
  function errorsOf(text: string, env?: NodeJS.ProcessEnv): string[] {
    const file = join(write('p', text), 'p.yaml');
    const { errors } = validatePartnerFiles([file], { dataDir: DATA_DIR, ...(env ? { env } : {}) });
    for (const e of errors) assert.ok(e.startsWith(`${file}:`), e);
    return errors.map((e) => e.slice(file.length + 1));
  }

  it('reads the certificates and keys when the file loads, with their dates and subjects', () => {
    const d = write('acme', partnerFile('acme', standardAs2()));
    const p = loadPartners(d, { dataDir: DATA_DIR }).get('acme')!;
    const as2 = p.as2!;
    assert.equal(as2.as2Id, 'ACME-AS2');
    assert.equal(as2.ourAs2Id, 'DOCKSIDE');
    assert.equal(as2.certificate.pem, readFileSync(partner.cert, 'utf8'));
    assert.equal(as2.certificate.ref, `file:${partner.cert}`);
    assert.equal(as2.certificate.subject, 'CN=partner, O=Dockside Tests');
    const lifetime = as2.certificate.notAfter.getTime() - as2.certificate.notBefore.getTime();
    assert.equal(lifetime, 365 * DAY);
    assert.ok(Math.abs(as2.certificate.notBefore.getTime() - Date.now()) < 10 * 60_000);
    assert.equal(as2.identities.length, 1);
    assert.equal(as2.identities[0]!.certificate.subject, 'CN=ours, O=Dockside Tests');
    assert.equal(as2.identities[0]!.privateKeyPem, readFileSync(ours.key, 'utf8'));
    assert.equal(as2.identities[0]!.privateKeyRef, `file:${ours.key}`);
    // The documented defaults.
    assert.equal(as2.requireSigned, true);
    assert.equal(as2.requireEncrypted, true);
    assert.equal(as2.maxConcurrent, 4);
  });

  it('reads a certificate and a key from environment variables, and keeps the identities in order', () => {
    const env = {
      ACME_PARTNER_CERT: readFileSync(partner.cert, 'utf8'),
      ACME_NEXT_KEY: readFileSync(next.key, 'utf8'),
    };
    const d = write(
      'acme',
      partnerFile('acme', [
        'as2Id: ACME-AS2',
        'ourAs2Id: DOCKSIDE',
        'certificate: env:ACME_PARTNER_CERT',
        'identities:',
        `  - { certificate: 'file:${ours.cert}', privateKey: 'file:${ours.key}' }`,
        `  - { certificate: 'file:${next.cert}', privateKey: env:ACME_NEXT_KEY }`,
        'requireSigned: false',
        'requireEncrypted: false',
        'maxConcurrent: 16',
      ]),
    );
    const as2 = loadPartners(d, { dataDir: DATA_DIR, env }).get('acme')!.as2!;
    assert.equal(as2.certificate.ref, 'env:ACME_PARTNER_CERT');
    assert.equal(as2.certificate.subject, 'CN=partner, O=Dockside Tests');
    assert.deepEqual(
      as2.identities.map((k) => [k.certificate.subject, k.privateKeyRef]),
      [
        ['CN=ours, O=Dockside Tests', `file:${ours.key}`],
        ['CN=next, O=Dockside Tests', 'env:ACME_NEXT_KEY'],
      ],
    );
    assert.deepEqual([as2.requireSigned, as2.requireEncrypted, as2.maxConcurrent], [false, false, 16]);
  });

  it('loads an expired certificate: expiry is reported by list and test, not refused', () => {
    const old = makePair(dir, 'old', -1);
    const as2 = standardAs2();
    as2[2] = `certificate: file:${old.cert}`;
    const d = write('acme', partnerFile('acme', as2));
    const cert = loadPartners(d, { dataDir: DATA_DIR }).get('acme')!.as2!.certificate;
    assert.equal(cert.subject, 'CN=old');
    assert.equal(certificateExpiry(cert, new Date()).state, 'expired');
  });

  it('has no as2 settings unless the file has the section', () => {
    const d = write('plain', 'id: plain\nname: Plain\nidentities: [{ qualifier: ZZ, id: PLAIN }]\n');
    assert.equal(loadPartners(d, { dataDir: DATA_DIR }).get('plain')!.as2, undefined);
  });

  it('refuses a certificate file that is not there, at the line and column of its reference', () => {
    const as2 = standardAs2();
    as2[2] = 'certificate: file:/nonexistent/acme.pem';
    const text = partnerFile('acme', as2);
    assert.deepEqual(errorsOf(text), [
      `${positionOf(text, 'file:/nonexistent')}: as2.certificate file:/nonexistent/acme.pem does not resolve: ` +
        'cannot read /nonexistent/acme.pem (ENOENT)',
    ]);
  });

  it('refuses a variable that is not set, naming the variable', () => {
    const as2 = standardAs2();
    as2[4] = '  - certificate: env:ACME_OUR_CERT';
    const text = partnerFile('acme', as2);
    assert.deepEqual(errorsOf(text, {}), [
      `${positionOf(text, 'env:ACME_OUR_CERT')}: as2.identities[0].certificate env:ACME_OUR_CERT does not resolve: ` +
        'the environment variable ACME_OUR_CERT is not set',
    ]);
  });

  it('refuses a file that is not a PEM certificate, without quoting what it holds', () => {
    const notCert = join(dir, 'not-a-cert.pem');
    writeFileSync(notCert, 'hello, this is not a certificate\n');
    // A private key where the certificate belongs: its text must not reach the message.
    const as2 = standardAs2();
    as2[2] = `certificate: file:${notCert}`;
    as2[4] = `  - certificate: file:${ours.key}`;
    const text = partnerFile('acme', as2);
    const errors = errorsOf(text);
    assert.deepEqual(errors, [
      `${positionOf(text, `file:${notCert}`)}: as2.certificate file:${notCert} is not a readable PEM X.509 certificate`,
      `${positionOf(text, `file:${ours.key}`)}: as2.identities[0].certificate file:${ours.key} is not a readable PEM X.509 certificate`,
    ]);
    assert.ok(!errors.join('\n').includes('PRIVATE KEY'));
  });

  it('refuses a private key that is not the key of its certificate, at the key, without its text', () => {
    const as2 = standardAs2();
    as2[5] = `    privateKey: file:${partner.key}`;
    const text = partnerFile('acme', as2);
    const errors = errorsOf(text);
    assert.deepEqual(errors, [
      `${positionOf(text, `file:${partner.key}`)}: as2.identities[0].privateKey file:${partner.key} is not the private ` +
        `key of file:${ours.cert} (CN=ours, O=Dockside Tests)`,
    ]);
    const keyBody = readFileSync(partner.key, 'utf8').split('\n')[1]!;
    assert.ok(!errors.join('\n').includes(keyBody));
  });

  it('refuses a private key file that holds no key, and a key written into the file', () => {
    const as2 = standardAs2();
    as2[5] = `    privateKey: file:${ours.cert}`;
    let text = partnerFile('acme', as2);
    assert.deepEqual(errorsOf(text), [
      `${positionOf(text, `file:${ours.cert}`, 'privateKey')}: as2.identities[0].privateKey file:${ours.cert} is not a readable PEM private key (PKCS#8 or PKCS#1, unencrypted)`,
    ]);
    as2[5] = '    privateKey: "-----BEGIN PRIVATE KEY-----MIIEv"';
    text = partnerFile('acme', as2);
    const errors = errorsOf(text);
    assert.deepEqual(errors, [
      `${positionOf(text, '"-----BEGIN')}: as2.identities[0].privateKey must be a secret reference (env:NAME or file:/absolute/path); the secret itself does not belong in a partner file`,
    ]);
  });

  it('says where a certificate goes when the file holds one instead of a reference', () => {
    const as2 = standardAs2();
    as2[2] = 'certificate: "-----BEGIN CERTIFICATE-----MIIB"';
    const text = partnerFile('acme', as2);
    assert.deepEqual(errorsOf(text), [
      `${positionOf(text, '"-----BEGIN')}: as2.certificate must be a reference to a PEM certificate: file:/absolute/path.pem or env:NAME (a variable holding the PEM)`,
    ]);
  });

  it('refuses an AS2 id with a quote or a space at its end, and a section without our identities', () => {
    const as2 = standardAs2('\'ACME "AS2" \'');
    let text = partnerFile('acme', as2);
    assert.deepEqual(errorsOf(text), [
      `${positionOf(text, "'ACME")}: as2.as2Id must match pattern "${'^[!#-\\[\\]-~]([ !#-\\[\\]-~]*[!#-\\[\\]-~])?$'}": printable ASCII without quotes or backslashes, no space at either end, as the partner spells it, e.g. ACME-AS2`,
    ]);
    text = partnerFile('acme', [...standardAs2().slice(0, 3), 'identities: []']);
    assert.deepEqual(errorsOf(text), [
      `${positionOf(text, '[]')}: as2.identities must NOT have fewer than 1 items`,
    ]);
  });

  it('refuses an AS2 id used by two partners, naming where the first one is', () => {
    const d = join(dir, 'two');
    mkdirSync(d);
    const first = partnerFile('acme', standardAs2('SHARED'));
    const second = partnerFile('bolt', standardAs2('SHARED'));
    writeFileSync(join(d, 'acme.yaml'), first);
    writeFileSync(join(d, 'bolt.yaml'), second);
    try {
      loadPartners(d, { dataDir: DATA_DIR });
      assert.fail('two partners with one AS2 id were accepted');
    } catch (e) {
      assert.ok(e instanceof GatewayError && e.code === 'config-invalid', String(e));
      assert.equal(
        e.message,
        'partner files are invalid:\n  ' +
          `${join(d, 'bolt.yaml')}:${positionOf(second, 'SHARED')}: as2.as2Id SHARED is already used by ` +
          `${join(d, 'acme.yaml')}:${positionOf(first, 'SHARED')} (partner acme); an AS2 id belongs to one partner only`,
      );
    }
  });

  describe('asyncMdnUrls', () => {
    it('reads the URLs asynchronous MDNs may be posted to, and leaves them out when the file does', () => {
      let d = write(
        'acme',
        partnerFile('acme', [
          ...standardAs2(),
          'asyncMdnUrls:',
          '  - https://as2.acme.example/mdn',
          '  - http://10.0.0.7:10081',
        ]),
      );
      assert.deepEqual(loadPartners(d, { dataDir: DATA_DIR }).get('acme')!.as2!.asyncMdnUrls, [
        'https://as2.acme.example/mdn',
        'http://10.0.0.7:10081',
      ]);
      d = write('acme', partnerFile('acme', [...standardAs2(), 'asyncMdnUrls: []']));
      assert.deepEqual(loadPartners(d, { dataDir: DATA_DIR }).get('acme')!.as2!.asyncMdnUrls, []);
      d = write('acme', partnerFile('acme', standardAs2()));
      assert.equal('asyncMdnUrls' in loadPartners(d, { dataDir: DATA_DIR }).get('acme')!.as2!, false);
    });

    it('refuses an entry with a query, another scheme or a password, at its line and column', () => {
      let text = partnerFile('acme', [
        ...standardAs2(),
        'asyncMdnUrls:',
        '  - https://as2.acme.example/mdn?to=x',
        '  - ftp://as2.acme.example/',
      ]);
      const pattern = '^https?://[^\\s/?#]+(/[^\\s?#]*)?$';
      const hint =
        'an http:// or https:// address and path, without query, e.g. https://as2.partner.example/mdn';
      assert.deepEqual(errorsOf(text), [
        `${positionOf(text, 'https://as2.acme.example/mdn?')}: as2.asyncMdnUrls[0] must match pattern "${pattern}": ${hint}`,
        `${positionOf(text, 'ftp://')}: as2.asyncMdnUrls[1] must match pattern "${pattern}": ${hint}`,
      ]);
      text = partnerFile('acme', [
        ...standardAs2(),
        'asyncMdnUrls: [https://as2.acme.example/mdn, https://edi:secret@as2.acme.example/mdn]',
      ]);
      assert.deepEqual(errorsOf(text), [
        `${positionOf(text, 'https://edi:')}: as2.asyncMdnUrls[1] holds a user name or password; an MDN URL is an address only`,
      ]);
    });

    it('refuses our own AS2 endpoint in the list, which is where the partner posts its MDNs to us', () => {
      const text = partnerFile(
        'acme',
        [...standardAs2(), 'asyncMdnUrls: [https://as2.dockside.example/mdn]'],
        [
          'kind: as2',
          'url: https://as2.acme.example/as2',
          'mdn: async',
          'asyncMdnUrl: https://as2.dockside.example/as2',
        ],
      );
      assert.deepEqual(errorsOf(text), [
        `${positionOf(text, 'https://as2.dockside.example/mdn')}: as2.asyncMdnUrls[0] is our own AS2 endpoint (channels.outbound.asyncMdnUrl); list where the partner receives MDNs`,
      ]);
    });
  });

  describe('the as2 outbound channel', () => {
    it('fills the documented defaults', () => {
      const d = write(
        'acme',
        partnerFile('acme', standardAs2(), ['kind: as2', 'url: https://as2.acme.example:4080/as2']),
      );
      assert.deepEqual(loadPartners(d, { dataDir: DATA_DIR }).get('acme')!.outbound, {
        kind: 'as2',
        url: 'https://as2.acme.example:4080/as2',
        sign: 'sha256',
        encrypt: 'aes-256-cbc',
        keyTransport: 'rsa-pkcs1',
        compress: false,
        mdn: 'sync',
        signedMdn: true,
        mdnTimeoutMs: 3_600_000,
        timeoutMs: 60_000,
      });
    });

    it('takes an async MDN with the URL it is posted to', () => {
      const d = write(
        'acme',
        partnerFile('acme', standardAs2(), [
          'kind: as2',
          'url: http://10.0.0.7:8080/as2',
          'sign: sha512',
          'encrypt: des-ede3-cbc',
          'keyTransport: rsa-oaep',
          'compress: true',
          'mdn: async',
          'signedMdn: false',
          'asyncMdnUrl: https://as2.dockside.example/as2',
          'mdnTimeoutMs: 600000',
          'timeoutMs: 5000',
        ]),
      );
      const o = loadPartners(d, { dataDir: DATA_DIR }).get('acme')!.outbound;
      assert.deepEqual(o, {
        kind: 'as2',
        url: 'http://10.0.0.7:8080/as2',
        sign: 'sha512',
        encrypt: 'des-ede3-cbc',
        keyTransport: 'rsa-oaep',
        compress: true,
        mdn: 'async',
        signedMdn: false,
        asyncMdnUrl: 'https://as2.dockside.example/as2',
        mdnTimeoutMs: 600_000,
        timeoutMs: 5000,
      });
    });

    it('needs asyncMdnUrl for an async MDN, and refuses it for any other', () => {
      let text = partnerFile('acme', standardAs2(), [
        'kind: as2',
        'url: https://as2.acme.example/as2',
        'mdn: async',
      ]);
      assert.deepEqual(errorsOf(text), [
        `${positionOf(text, 'kind: as2')}: channels.outbound asks for an async MDN but has no asyncMdnUrl: where the partner is to post it (our AS2 endpoint)`,
      ]);
      text = partnerFile('acme', standardAs2(), [
        'kind: as2',
        'url: https://as2.acme.example/as2',
        'asyncMdnUrl: https://as2.dockside.example/as2',
      ]);
      assert.deepEqual(errorsOf(text), [
        `${positionOf(text, 'asyncMdnUrl')}: channels.outbound.asyncMdnUrl has an asyncMdnUrl but mdn sync; set mdn: async to use it`,
      ]);
    });

    it('needs the as2 section', () => {
      const text = [
        'id: acme',
        'name: Acme',
        'identities: [{ qualifier: ZZ, id: ACME }]',
        'channels:',
        '  outbound: { kind: as2, url: "https://as2.acme.example/as2" }',
        '',
      ].join('\n');
      assert.deepEqual(errorsOf(text), [
        `${positionOf(text, 'as2,')}: channels.outbound.kind as2 needs the as2 section of the partner (its AS2 id, its certificate and ours) to sign and encrypt with`,
      ]);
    });

    it('refuses a URL that is not http or https, and an unknown cipher', () => {
      const text = partnerFile('acme', standardAs2(), [
        'kind: as2',
        'url: ftp://as2.acme.example/',
        'encrypt: rc2-40',
      ]);
      assert.deepEqual(errorsOf(text), [
        `${positionOf(text, 'ftp://')}: channels.outbound.url must match pattern "^https?://[^\\s/?#]+([/?#]\\S*)?$": an http:// or https:// URL, e.g. https://as2.partner.example:4080/as2`,
        `${positionOf(text, 'rc2-40')}: channels.outbound.encrypt must be equal to one of the allowed values: aes-128-cbc, aes-192-cbc, aes-256-cbc, des-ede3-cbc, none`,
      ]);
    });
  });
});

describe('certificateExpiry', () => {
  const now = new Date('2026-12-06T10:00:00Z');
  const ending = (ms: number) => ({
    notBefore: new Date('2026-01-01T00:00:00Z'),
    notAfter: new Date(now.getTime() + ms),
  });

  it('is ok beyond 30 days, and says until when', () => {
    assert.deepEqual(certificateExpiry(ending(30 * DAY + 1), now), {
      state: 'ok',
      daysLeft: 31,
      text: 'certificate valid until 2027-01-05',
    });
  });

  it('warns from 30 days ahead, counting a started day', () => {
    assert.deepEqual(certificateExpiry(ending(30 * DAY), now), {
      state: 'expiring',
      daysLeft: 30,
      text: 'certificate expires in 30 days (2027-01-05)',
    });
    assert.equal(
      certificateExpiry(ending(12 * DAY - 5000), now).text,
      'certificate expires in 12 days (2026-12-18)',
    );
    assert.equal(
      certificateExpiry(ending(3 * 3600_000), now).text,
      'certificate expires in 1 day (2026-12-06)',
    );
  });

  it('says EXPIRED from its notAfter on', () => {
    assert.deepEqual(certificateExpiry(ending(0), now), {
      state: 'expired',
      daysLeft: 0,
      text: 'certificate EXPIRED on 2026-12-06',
    });
    assert.equal(certificateExpiry(ending(-40 * DAY), now).text, 'certificate EXPIRED on 2026-10-27');
  });

  it('says when a certificate that is not valid yet starts', () => {
    const c = { notBefore: new Date('2027-02-01T00:00:00Z'), notAfter: new Date('2029-02-01T00:00:00Z') };
    assert.deepEqual(certificateExpiry(c, now), {
      state: 'not-yet-valid',
      daysLeft: Math.ceil((c.notAfter.getTime() - now.getTime()) / DAY),
      text: 'certificate not valid before 2027-02-01',
    });
  });

  it("lists the partner's certificate first, then ours, numbered when there are several", () => {
    const cert = (subject: string) => ({
      pem: '',
      ref: `file:/${subject}`,
      subject,
      notBefore: now,
      notAfter: now,
    });
    const partner = {
      as2: {
        certificate: cert('theirs'),
        identities: [
          { certificate: cert('a'), privateKeyPem: '', privateKeyRef: 'env:A' },
          { certificate: cert('b'), privateKeyPem: '', privateKeyRef: 'env:B' },
        ],
      },
    } as unknown as Parameters<typeof as2Certificates>[0];
    assert.deepEqual(
      as2Certificates(partner).map((c) => [c.role, c.certificate.subject]),
      [
        ["the partner's certificate", 'theirs'],
        ['our certificate #1', 'a'],
        ['our certificate #2', 'b'],
      ],
    );
  });
});
