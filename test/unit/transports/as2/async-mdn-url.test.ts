import assert from 'node:assert/strict';
import type { As2Outbound } from '../../../../src/partners/partner.ts';
import {
  checkAsyncMdnUrl,
  readAllowedMdnUrl,
  type MdnUrlPolicySource,
} from '../../../../src/transports/as2/async-mdn-url.ts';

const as2Outbound = (url: string): As2Outbound => ({
  kind: 'as2',
  url,
  sign: 'sha256',
  encrypt: 'aes-256-cbc',
  keyTransport: 'rsa-pkcs1',
  compress: false,
  mdn: 'sync',
  signedMdn: true,
  mdnTimeoutMs: 3_600_000,
  timeoutMs: 60_000,
});

const listing = (...asyncMdnUrls: string[]): MdnUrlPolicySource => ({ as2: { asyncMdnUrls } });

function allowed(partner: MdnUrlPolicySource, url: string): boolean {
  return checkAsyncMdnUrl(partner, url).allowed;
}

function reason(partner: MdnUrlPolicySource, url: string): string {
  const verdict = checkAsyncMdnUrl(partner, url);
  assert.equal(verdict.allowed, false, `${url} should be refused`);
  return verdict.allowed ? '' : verdict.reason;
}

/** What is wrong with an entry; fails when it reads. */
function problem(entry: string): string {
  const read = readAllowedMdnUrl(entry);
  assert.equal(typeof read, 'string', `${entry} should be refused`);
  return read as string;
}

describe('readAllowedMdnUrl', () => {
  it('reads scheme, host, port and path, filling the default port', () => {
    assert.deepEqual(readAllowedMdnUrl('https://AS2.Partner.example/mdn'), {
      protocol: 'https:',
      hostname: 'as2.partner.example',
      port: 443,
      path: '/mdn',
    });
    assert.deepEqual(readAllowedMdnUrl('http://10.1.2.3:8080'), {
      protocol: 'http:',
      hostname: '10.1.2.3',
      port: 8080,
      path: '/',
    });
  });

  it('refuses an entry with credentials, a query or a fragment, or another scheme', () => {
    assert.match(problem('https://user:pw@as2.partner.example/'), /user name or password/);
    assert.match(problem('https://as2.partner.example/mdn?x=1'), /query or fragment/);
    assert.match(problem('https://as2.partner.example/mdn#top'), /query or fragment/);
    assert.match(problem('ftp://as2.partner.example/'), /not an http/);
    assert.match(problem('as2.partner.example/mdn'), /not a URL/);
  });
});

describe('checkAsyncMdnUrl', () => {
  it('allows a listed URL, paths under it, and a query on them', () => {
    const p = listing('https://as2.partner.example/mdn');
    assert.ok(allowed(p, 'https://as2.partner.example/mdn'));
    assert.ok(allowed(p, 'https://as2.partner.example/mdn/acme'));
    assert.ok(allowed(p, 'https://as2.partner.example:443/mdn?id=7'));
    assert.ok(allowed(p, 'https://AS2.PARTNER.EXAMPLE/mdn'), 'host names are case-insensitive');
  });

  it('stops a path prefix at a segment boundary and after resolving dot segments', () => {
    const p = listing('https://as2.partner.example/mdn');
    assert.equal(allowed(p, 'https://as2.partner.example/mdn-admin'), false);
    assert.equal(allowed(p, 'https://as2.partner.example/mdn/../admin'), false);
    assert.equal(allowed(p, 'https://as2.partner.example/mdn/%2e%2e/admin'), false);
    assert.equal(allowed(p, 'https://as2.partner.example/MDN'), false, 'paths are case-sensitive');
    const slash = listing('https://as2.partner.example/as2/');
    assert.ok(allowed(slash, 'https://as2.partner.example/as2/mdn'));
    assert.equal(allowed(slash, 'https://as2.partner.example/as2'), false);
  });

  it('refuses another scheme, host or port than the entry', () => {
    const p = listing('https://as2.partner.example/mdn');
    assert.match(
      reason(p, 'http://as2.partner.example/mdn'),
      /is not under any of the partner file's as2.asyncMdnUrls \(https:\/\/as2.partner.example\/mdn\)/,
    );
    assert.equal(allowed(p, 'https://as2.partner.example:8443/mdn'), false);
    assert.equal(allowed(p, 'https://as2.partner.example.attacker.example/mdn'), false);
    assert.equal(allowed(p, 'https://169.254.169.254/mdn'), false);
  });

  it('refuses a URL with credentials, one that is not http(s), and one that does not parse', () => {
    const p = listing('https://as2.partner.example/');
    assert.match(reason(p, 'https://x:y@as2.partner.example/mdn'), /user name or password/);
    assert.match(reason(p, 'mailto:edi@partner.example'), /is not an http\(s\) URL/);
    assert.match(reason(p, 'not a url'), /"not a url" is not a URL/);
  });

  it('allows nothing with an empty list, even on the host of the partner AS2 URL', () => {
    const p: MdnUrlPolicySource = {
      as2: { asyncMdnUrls: [] },
      outbound: as2Outbound('https://as2.partner.example/as2'),
    };
    assert.match(reason(p, 'https://as2.partner.example/as2'), /allows no asynchronous MDNs/);
  });

  it('allows without a list any port and path on the host of the partner AS2 URL, and nothing else', () => {
    const p: MdnUrlPolicySource = { as2: {}, outbound: as2Outbound('https://as2.partner.example:4443/as2') };
    assert.ok(allowed(p, 'https://as2.partner.example:4443/as2'));
    assert.ok(allowed(p, 'http://as2.partner.example:10081/mdn'));
    assert.match(
      reason(p, 'http://127.0.0.1:8080/'),
      /is not on as2.partner.example, the host of the partner's AS2 URL/,
    );
  });

  it('allows nothing without a list when the partner has no as2 outbound channel', () => {
    const p: MdnUrlPolicySource = { as2: {}, outbound: { kind: 'folder', path: '/srv/out' } };
    assert.match(reason(p, 'https://as2.partner.example/mdn'), /lists no as2.asyncMdnUrls and has no as2/);
    assert.equal(allowed({ as2: {} }, 'https://as2.partner.example/mdn'), false);
  });
});
