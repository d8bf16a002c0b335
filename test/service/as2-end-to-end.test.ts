// An 856 sent to the gateway over AS2, end to end: the gateway opened as `dockside run` opens it, a partner
// file with an `as2` section and an `as2` outbound channel, the partner played by the openssl CLI. The
// message yields a receipt and a signed sync MDN, and the 997 goes back to the partner over AS2, where
// openssl decrypts and verifies it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadGatewayConfig } from '../../src/config/gateway.ts';
import { silentLogger } from '../../src/log.ts';
import { openGateway, type Gateway } from '../../src/main.ts';
import { until } from '../helpers/cluster.ts';
import { GOLDEN_856 } from '../helpers/pipeline.ts';
import { As2PartnerServer } from '../unit/transports/as2/as2-partner.ts';
import { OpensslPeer, ediEntity, type PeerIdentity } from '../unit/transports/as2/openssl-peer.ts';

const ENVELOPED = 'application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"';
const SIGNED_MDN =
  'signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, sha-256';

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

function post(
  port: number,
  headers: Record<string, string>,
  body: Buffer,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/as2', method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('AS2 end to end: an 856 in, a signed MDN back, the 997 out over AS2', function () {
  this.timeout(180_000);
  let dir: string;
  let peer: OpensslPeer;
  let ours: PeerIdentity;
  let theirs: PeerIdentity;
  let partnerServer: As2PartnerServer;
  let gateway: Gateway | undefined;
  let as2Port = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dockside-as2-e2e-'));
    peer = new OpensslPeer();
    ours = peer.identity('dockside');
    theirs = peer.identity('acme');
    const other = peer.identity('other');
    // The partner's own AS2 server, where our 997 goes: openssl decrypts and verifies what arrives.
    partnerServer = new As2PartnerServer(peer, ours, theirs, other, 'ACMEWIDGET-AS2');
    const partnerUrl = await partnerServer.start();
    const partners = join(dir, 'partners');
    mkdirSync(partners);
    writeFileSync(
      join(partners, 'acme-as2.yaml'),
      [
        'id: acme-as2',
        'name: Acme Widget over AS2',
        'status: active',
        'identities:',
        '  - qualifier: ZZ',
        '    id: ACMEWIDGET',
        'transactionSets:',
        "  - { set: '856', version: '004010', direction: inbound }",
        'as2:',
        '  as2Id: ACMEWIDGET-AS2',
        '  ourAs2Id: HARBORMART-AS2',
        `  certificate: file:${theirs.certPath}`,
        '  identities:',
        `    - certificate: file:${ours.certPath}`,
        `      privateKey: file:${ours.keyPath}`,
        'channels:',
        '  outbound:',
        '    kind: as2',
        `    url: ${partnerUrl}`,
        '    mdn: sync',
        '',
      ].join('\n'),
    );
    as2Port = await freePort();
    const config = loadGatewayConfig(
      {
        DOCKSIDE_DATA_DIR: join(dir, 'var'),
        DOCKSIDE_PARTNERS_DIR: partners,
        DOCKSIDE_AS2_PORT: String(as2Port),
        DOCKSIDE_SFTP_PORT: '0',
        DOCKSIDE_ERP_CONFIG: '',
      },
      dir,
    );
    gateway = await openGateway(config, silentLogger());
    gateway.startWorkers();
    await gateway.startScheduler();
  });

  after(async () => {
    await gateway?.stop();
    await partnerServer?.stop();
    peer?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('takes the 856 in, answers with a signed processed MDN, and sends the 997 back over AS2', async () => {
    const entity = ediEntity(GOLDEN_856);
    const answer = await post(
      as2Port,
      {
        'AS2-From': 'ACMEWIDGET-AS2',
        'AS2-To': 'HARBORMART-AS2',
        'AS2-Version': '1.2',
        'Message-ID': '<asn-8801@acme.example>',
        'Content-Type': ENVELOPED,
        'Disposition-Notification-To': 'edi@acme.example',
        'Disposition-Notification-Options': SIGNED_MDN,
      },
      peer.encrypt(peer.sign(entity, theirs), ours),
    );
    assert.equal(answer.status, 200, answer.body.toString());
    // The MDN, verified by openssl against our certificate: processed, with the MIC of what was sent.
    const report = peer
      .verifySmime(
        Buffer.concat([
          Buffer.from(`Content-Type: ${String(answer.headers['content-type'])}\r\n\r\n`),
          answer.body,
        ]),
        ours,
      )
      .toString('latin1');
    assert.match(report, /\r\nDisposition: automatic-action\/MDN-sent-automatically; processed\r\n/);
    assert.ok(
      report.includes(`\r\nReceived-Content-MIC: ${peer.digestBase64(entity, 'sha256')}, sha-256\r\n`),
    );

    // The receipt, processed and accepted.
    const db = gateway!.db;
    await until(
      'the receipt processed',
      async () => {
        const rows = await db.query<{ status: string }>(
          `select status from receipts where channel_kind = 'as2' and partner_id = 'acme-as2'`,
        );
        return rows.length === 1 && rows[0]!.status === 'processed';
      },
      60_000,
    );
    const [receipt] = await db.query<{ outcome: string; remotePath: string }>(
      `select outcome, remote_path as "remotePath" from receipts where channel_kind = 'as2'`,
    );
    assert.equal(receipt!.outcome, 'accepted');

    // The 997 at the partner's AS2 server: openssl decrypted it and verified our signature.
    await until('the 997 received over AS2', () => partnerServer.received.length === 1, 60_000);
    const sent = partnerServer.received[0]!;
    assert.equal(sent.headers['as2-from'], 'HARBORMART-AS2');
    assert.equal(sent.headers['as2-to'], 'ACMEWIDGET-AS2');
    const ack = sent.signedEntity.toString('latin1');
    assert.match(ack, /ST\*997\*/);
    assert.match(ack, /AK1\*SH\*8801~/);
    assert.match(ack, /AK9\*A\*1\*1\*1~/);
    await until(
      'the 997 marked delivered',
      async () => {
        const rows = await db.query<{ deliveryStatus: string }>(
          `select delivery_status as "deliveryStatus" from acknowledgments`,
        );
        return rows.length === 1 && rows[0]!.deliveryStatus === 'delivered';
      },
      30_000,
    );
  });
});
