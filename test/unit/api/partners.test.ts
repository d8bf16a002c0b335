import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPartners, validatePartnerFiles } from '../../../src/partners/load.ts';
import { processReceipt } from '../../../src/pipeline/process-receipt.ts';
import { acknowledgmentsOfReceipt, recordDeliveryError } from '../../../src/store/queries/acknowledgments.ts';
import { insertDeadLetter } from '../../../src/store/queries/dead-letters.ts';
import { BROKEN_856, withEnvelope } from '../../helpers/pipeline.ts';
import { engines } from '../../helpers/store.ts';
import { apiFixture, bearer, partnerYaml, type ApiFixture } from './fixture.ts';

interface Problem {
  line: number | null;
  column: number | null;
  path: string | null;
  message: string;
  code?: string;
}

/** A port on which nothing listens: taken from the system, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** What `dockside partners validate FILE` prints for the text, without the file name in front. */
function loaderMessages(text: string, f: ApiFixture): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'dockside-partners-api-'));
  const file = join(dir, 'x.yaml');
  writeFileSync(file, text);
  try {
    return validatePartnerFiles([file], { ...f.partnerLoad, checkSecrets: true }).errors.map((e) =>
      e.replace(/^.*?x\.yaml:\d+:\d+: /, ''),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const engine of engines()) {
  describe(`API partners on ${engine.name}`, function () {
    this.timeout(60_000);
    let f: ApiFixture;
    const get = (url: string, token = f.tokens.onboarding) => f.app.inject({ url, headers: bearer(token) });
    const validate = (payload: object) =>
      f.app.inject({
        method: 'POST',
        url: '/api/partners/validate',
        headers: bearer(f.tokens.onboarding),
        payload,
      });

    before(async () => {
      f = await apiFixture(await engine.open());
    });
    after(async () => {
      await f.app.close();
    });

    describe('GET /api/partners', () => {
      it("pages by id: limit, then after the previous page's nextAfter, to the end", async () => {
        const first = (await get('/api/partners?limit=1')).json();
        assert.deepEqual([first.items.map((p: { id: string }) => p.id), first.nextAfter], [['acme'], 'acme']);
        const second = (await get(`/api/partners?limit=1&after=${first.nextAfter}`)).json();
        assert.deepEqual(
          [second.items.map((p: { id: string }) => p.id), second.nextAfter],
          [['globex'], null],
        );
      });

      it('lists every partner with its channels, the last file received and the acks sent it', async () => {
        const res = await get('/api/partners');
        assert.equal(res.statusCode, 200, res.body);
        const { items, nextAfter } = res.json();
        assert.equal(nextAfter, null);
        assert.deepEqual(
          items.map((p: { id: string }) => p.id),
          ['acme', 'globex'],
        );
        const [acme, globex] = items;
        assert.equal(acme.name, 'acme Inc.');
        assert.equal(acme.status, 'active');
        assert.equal(acme.file, 'acme.yaml');
        assert.deepEqual(
          acme.channels.map((c: { direction: string; kind: string }) => `${c.direction} ${c.kind}`),
          ['inbound folder', 'outbound folder'],
        );
        assert.match(acme.channels[0].summary, /^drop: .*acme\/in$/);
        assert.equal(acme.lastFile.receiptId, f.receiptId);
        assert.equal(acme.lastFile.fileName, 'asn.edi');
        assert.equal(acme.lastFile.status, 'processed');
        assert.equal(acme.lastFile.outcome, 'accepted');
        assert.equal(acme.lastError, null);
        assert.deepEqual(acme.acks, {
          sent: 1,
          delivered: 0,
          failed: 0,
          pending: 1,
          noChannel: 0,
          accepted: 1,
          rejected: 0,
          partiallyAccepted: 0,
        });
        assert.deepEqual(acme.warnings, []);
        assert.equal(globex.lastFile, null);
        assert.equal(globex.acks.sent, 0);
      });

      it('lets operations read the list too', async () => {
        assert.equal((await get('/api/partners', f.tokens.operations)).statusCode, 200);
      });

      it('filters by status and by part of the id, name or ISA identity', async () => {
        const ids = async (query: string): Promise<string[]> =>
          ((await get(`/api/partners?${query}`)).json().items as { id: string }[]).map((p) => p.id);
        assert.deepEqual(await ids('status=active'), ['acme', 'globex']);
        assert.deepEqual(await ids('status=suspended'), []);
        assert.deepEqual(await ids('q=GLOB'), ['globex']);
        assert.deepEqual(await ids('q=acmewidget'), ['acme']);
        assert.deepEqual(await ids('q=Inc.'), ['acme', 'globex']);
      });

      it('refuses an unknown status with validation-failed', async () => {
        const res = await get('/api/partners?status=lost');
        assert.equal(res.statusCode, 400);
        assert.equal(res.json().error.code, 'validation-failed');
      });

      it('names a rejected file as the last error, with its first error and line', async () => {
        const id = await f.pipeline.arrive(
          'globex',
          withEnvelope(BROKEN_856, { sender: 'GLOBEX', control: 42 }),
          'broken.edi',
        );
        assert.equal((await processReceipt(f.pipeline.deps, id)).outcome, 'rejected');
        const globex = (await get('/api/partners?q=globex')).json().items[0];
        assert.equal(globex.lastFile.receiptId, id);
        assert.equal(globex.lastFile.outcome, 'rejected');
        assert.equal(globex.lastError.source, 'receipt');
        assert.equal(globex.lastError.receiptId, id);
        assert.match(globex.lastError.message, /^rejected, line \d+: ./);
        assert.equal(globex.acks.sent, 1);
        assert.equal(globex.acks.rejected, 1);
        assert.equal(globex.acks.accepted, 0);
      });

      it('names the newest of a job given up on and an acknowledgment that cannot be delivered', async () => {
        await insertDeadLetter(f.db, {
          queue: 'map-documents',
          jobId: `map-${f.receiptId}`,
          receiptId: f.receiptId,
          payload: { receiptId: f.receiptId },
          errorCode: 'store-unavailable',
          reason: 'the database went away',
          attempts: 6,
        });
        let acme = (await get('/api/partners/acme')).json().partner;
        assert.equal(acme.lastError.source, 'dead-letter');
        assert.equal(acme.lastError.receiptId, f.receiptId);
        assert.match(
          acme.lastError.message,
          /map-documents gave up after 6 attempt\(s\): the database went away/,
        );

        const [ack] = await acknowledgmentsOfReceipt(f.db, f.receiptId);
        await recordDeliveryError(f.db, ack!.id, 'cannot write into /gone: EACCES', true);
        acme = (await get('/api/partners/acme')).json().partner;
        assert.equal(acme.lastError.source, 'delivery');
        assert.match(acme.lastError.message, /could not be delivered: cannot write into \/gone: EACCES$/);
        assert.equal(acme.acks.failed, 1);
        assert.equal(acme.acks.pending, 0);
      });
    });

    describe('GET /api/partners/:id', () => {
      it('shows the partner with its file as written and its identities', async () => {
        const res = await get('/api/partners/acme');
        assert.equal(res.statusCode, 200, res.body);
        const { partner } = res.json();
        assert.equal(partner.id, 'acme');
        assert.equal(partner.yaml, readFileSync(join(f.partnersDir, 'acme.yaml'), 'utf8'));
        assert.deepEqual(partner.identities, [{ qualifier: 'ZZ', id: 'ACMEWIDGET' }]);
        assert.equal(partner.lastFile.receiptId, f.receiptId);
      });

      it('answers an unknown partner with 404 not-found', async () => {
        const res = await get('/api/partners/nobody');
        assert.equal(res.statusCode, 404);
        assert.equal(res.json().error.code, 'not-found');
      });
    });

    describe('GET /api/partners/problems', () => {
      it('lists nothing while every file loads', async () => {
        assert.deepEqual((await get('/api/partners/problems')).json().items, []);
      });

      it('lists each file the gateway would refuse, and the partner it still serves from it', async () => {
        const acmeFile = join(f.partnersDir, 'acme.yaml');
        const acme = readFileSync(acmeFile, 'utf8');
        writeFileSync(acmeFile, acme.replace('status: active', 'status: asleep'));
        writeFileSync(join(f.partnersDir, 'new.yaml'), 'id: newco\nname: [unclosed\n');
        try {
          const res = await get('/api/partners/problems', f.tokens.operations);
          assert.equal(res.statusCode, 200, res.body);
          const items = res.json().items as { file: string; partnerId: string | null; errors: Problem[] }[];
          assert.deepEqual(
            items.map((i) => [i.file, i.partnerId]),
            [
              ['acme.yaml', 'acme'],
              ['new.yaml', null],
            ],
          );
          assert.equal(items[0]!.errors.length, 1);
          assert.deepEqual(
            { ...items[0]!.errors[0]!, message: undefined },
            { line: 3, column: 9, path: 'status', code: 'invalid', message: undefined },
          );
          assert.match(items[0]!.errors[0]!.message, /^status must be equal to one of the allowed values/);
          assert.equal(items[1]!.errors[0]!.code, 'yaml-syntax');
          assert.equal(typeof items[1]!.errors[0]!.line, 'number');
        } finally {
          writeFileSync(acmeFile, acme);
          rmSync(join(f.partnersDir, 'new.yaml'));
        }
      });
    });

    describe('POST /api/partners/validate', () => {
      const GOOD = partnerYaml('newco', 'NEWCO', '/srv/dockside');

      it('accepts a good file and says which partner it is, writing nothing', async () => {
        const before = readdirSync(f.partnersDir);
        const res = await validate({ yaml: GOOD });
        assert.equal(res.statusCode, 200, res.body);
        assert.deepEqual(res.json(), { valid: true, partnerId: 'newco', errors: [], warnings: [] });
        assert.deepEqual(readdirSync(f.partnersDir), before);
      });

      it('points at an unknown key with its line and column, in the words of the loader', async () => {
        const text = GOOD.replace('status: active', 'status: active\nstatsu: testing');
        const { valid, errors } = (await validate({ yaml: text })).json();
        assert.equal(valid, false);
        assert.equal(errors.length, 1);
        assert.equal(errors[0].line, 4);
        assert.equal(errors[0].column, 1);
        assert.equal(errors[0].path, 'statsu');
        assert.equal(errors[0].code, 'unknown-setting');
        assert.deepEqual(
          errors.map((e: Problem) => e.message),
          loaderMessages(text, f),
        );
        assert.match(errors[0].message, /did you mean status\?/);
      });

      it('reports a missing required setting and a wrong value, each with its line', async () => {
        const text = GOOD.replace(/^name: .*\n/m, '').replace('status: active', 'status: asleep');
        const { valid, errors } = (await validate({ yaml: text })).json();
        assert.equal(valid, false);
        assert.deepEqual(
          errors.map((e: Problem) => [e.code, e.line]),
          [
            ['missing-setting', 1],
            ['invalid', 2],
          ],
        );
        assert.match(errors[0].message, /must have required property 'name'/);
        assert.equal(errors[1].path, 'status');
        assert.deepEqual(
          errors.map((e: Problem) => e.message),
          loaderMessages(text, f),
        );
      });

      it('reports bad YAML syntax at its line and column', async () => {
        const text = 'id: newco\nname: New Co\nidentities: [{ qualifier: ZZ, id: NEWCO }\nstatus: active\n';
        const { valid, partnerId, errors } = (await validate({ yaml: text })).json();
        assert.equal(valid, false);
        assert.equal(partnerId, undefined);
        assert.ok(errors.length > 0);
        for (const e of errors as Problem[]) {
          assert.equal(e.code, 'yaml-syntax');
          assert.equal(e.path, null);
          assert.equal(typeof e.line, 'number');
          assert.equal(typeof e.column, 'number');
        }
        assert.deepEqual(
          errors.map((e: Problem) => e.message),
          loaderMessages(text, f),
        );
      });

      it('refuses the id of a partner in another file, but not that of the file it replaces', async () => {
        const text = partnerYaml('acme', 'NEWACME', '/srv/dockside');
        const clash = (await validate({ yaml: text })).json();
        assert.equal(clash.valid, false);
        assert.equal(clash.partnerId, 'acme');
        assert.equal(clash.errors.length, 1);
        assert.equal(clash.errors[0].code, 'duplicate-id');
        assert.equal(clash.errors[0].line, 1);
        assert.equal(clash.errors[0].path, 'id');
        assert.match(clash.errors[0].message, /^id acme is already used by acme\.yaml:1:5/);

        const replacing = (await validate({ yaml: text, fileName: 'acme.yaml' })).json();
        assert.deepEqual(replacing, { valid: true, partnerId: 'acme', errors: [], warnings: [] });
      });

      it('refuses an ISA identity another partner already has', async () => {
        const { valid, errors } = (await validate({ yaml: partnerYaml('newco', 'GLOBEX', '/srv') })).json();
        assert.equal(valid, false);
        assert.equal(errors[0].code, 'duplicate-identity');
        assert.equal(errors[0].path, 'identities[0].id');
        assert.match(
          errors[0].message,
          /ISA identity ZZ\/GLOBEX is already claimed by globex\.yaml:\d+:\d+ \(partner globex\)/,
        );
      });

      it('refuses a file name with a folder in it', async () => {
        const res = await validate({ yaml: GOOD, fileName: '../acme.yaml' });
        assert.equal(res.statusCode, 400);
        assert.equal(res.json().error.code, 'validation-failed');
      });
    });

    describe('POST /api/partners/:id/test', () => {
      it('passes a partner whose folders are reachable and records who tested it', async () => {
        const res = await f.app.inject({
          method: 'POST',
          url: '/api/partners/acme/test',
          headers: bearer(f.tokens.onboarding),
        });
        assert.equal(res.statusCode, 200, res.body);
        const { ok, checks } = res.json();
        assert.equal(ok, true);
        assert.deepEqual(
          [...new Set(checks.map((c: { name: string }) => c.name))],
          ['inbound drop', 'outbound'],
        );
        assert.match(checks.at(-1).message, /^wrote and removed .*\.dockside-probe-/);
        const [entry] = await f.db.query<{ actor: string; details: { ok: boolean } }>(
          `select actor, details from audit_log where action = 'partner.test' and subject_id = 'acme'
           order by id desc limit 1`,
        );
        assert.equal(entry?.actor, 'token:onboarding-token');
        assert.equal(entry?.details.ok, true);
      });

      it('answers ok: false naming the check that failed on an unreachable server, audited with the user', async () => {
        const port = await closedPort();
        writeFileSync(
          join(f.partnersDir, 'north.yaml'),
          [
            'id: north',
            'name: North Freight',
            'identities: [{ qualifier: ZZ, id: NORTH }]',
            'channels:',
            '  inbound:',
            '    - kind: sftp',
            '      id: pull',
            '      host: 127.0.0.1',
            `      port: ${port}`,
            '      user: dockside',
            '      password: env:NORTH_SFTP_PASSWORD',
            "      hostKey: { fingerprints: ['SHA256:rDfvbp3YzcrgFYotisok+DolKm9GhioK3OmxM7xXytI'] }",
            '      directories: [/out]',
            '',
          ].join('\n'),
        );
        f.partners.replace(loadPartners(f.partnersDir, f.partnerLoad));
        try {
          const login = await f.app.inject({
            method: 'POST',
            url: '/api/login',
            payload: { user: 'onboarding-user', password: f.password('onboarding') },
          });
          const cookie = String(login.headers['set-cookie']).split(';')[0]!;
          const res = await f.app.inject({
            method: 'POST',
            url: '/api/partners/north/test',
            headers: { cookie },
          });
          assert.equal(res.statusCode, 200, res.body);
          const { ok, checks } = res.json();
          assert.equal(ok, false);
          const failed = checks.filter((c: { ok: boolean }) => !c.ok);
          assert.equal(failed.length, 1);
          assert.equal(failed[0].name, 'inbound pull');
          assert.match(failed[0].message, new RegExp(`127\\.0\\.0\\.1:${port}.*cannot connect`));
          const [entry] = await f.db.query<{
            actor: string;
            details: { ok: boolean; failed: { name: string }[] };
          }>(`select actor, details from audit_log where action = 'partner.test' and subject_id = 'north'`);
          assert.equal(entry?.actor, 'onboarding-user');
          assert.equal(entry?.details.ok, false);
          assert.deepEqual(
            entry?.details.failed.map((c) => c.name),
            ['inbound pull'],
          );
        } finally {
          rmSync(join(f.partnersDir, 'north.yaml'));
          f.partners.replace(loadPartners(f.partnersDir, f.partnerLoad));
        }
      });

      it('answers an unknown partner with 404 and records nothing', async () => {
        const res = await f.app.inject({
          method: 'POST',
          url: '/api/partners/nobody/test',
          headers: bearer(f.tokens.onboarding),
        });
        assert.equal(res.statusCode, 404);
        assert.equal(res.json().error.code, 'not-found');
        const rows = await f.db.query(`select 1 from audit_log where subject_id = 'nobody'`);
        assert.equal(rows.length, 0);
      });
    });
  });
}
