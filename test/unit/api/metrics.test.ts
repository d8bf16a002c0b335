import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { createToken } from '../../../src/api/accounts.ts';
import { buildApi } from '../../../src/api/app.ts';
import { InProcessQueue } from '../../../src/jobs/in-process.ts';
import { silentLogger } from '../../../src/log.ts';
import type { Db } from '../../../src/store/db.ts';
import { recordDeliveryError } from '../../../src/store/queries/acknowledgments.ts';
import { markReceiptDead } from '../../../src/store/queries/receipts.ts';
import { GOLDEN_856, withEnvelope } from '../../helpers/pipeline.ts';
import { engines } from '../../helpers/store.ts';
import { apiFixture, bearer, openDeadLetter, type ApiFixture } from './fixture.ts';

interface Exposition {
  /** `name{labels}` exactly as written (labels in the order given) -> value. */
  samples: Map<string, number>;
  types: Map<string, string>;
}

/** Reads the Prometheus text format: `# TYPE name type` lines and `name{label="value",…} number` samples;
 * anything else fails the test. */
function parseExposition(text: string): Exposition {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ')) continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|summary|histogram|untyped)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{(?:[a-zA-Z_]\w*="(?:[^"\\]|\\.)*",?)*\})?) (\S+)$/.exec(
      line,
    );
    assert.ok(sample, `not a Prometheus sample line: ${line}`);
    const value = /^nan$/i.test(sample[2]!) ? Number.NaN : Number(sample[2]);
    assert.ok(!Number.isNaN(value) || /^nan$/i.test(sample[2]!), `not a number: ${line}`);
    samples.set(sample[1]!, value);
  }
  return { samples, types };
}

/** The database, counting the statements it runs that are not the API's own bookkeeping (credentials). */
function counting(db: Db): { db: Db; statements: string[] } {
  const statements: string[] = [];
  const note = (sql: string) => {
    if (!/api_tokens|api_sessions|api_users/.test(sql)) statements.push(sql);
  };
  return {
    statements,
    db: {
      kind: db.kind,
      query: (sql, params) => {
        note(sql);
        return db.query(sql, params);
      },
      exec: (sql) => db.exec(sql),
      transaction: (fn) => db.transaction(fn),
      close: () => Promise.resolve(),
    },
  };
}

function failingMetrics(db: Db): Db {
  return {
    kind: db.kind,
    query: (sql, params) =>
      /from receipts group by|union all/.test(sql)
        ? Promise.reject(new Error('connection lost'))
        : db.query(sql, params),
    exec: (sql) => db.exec(sql),
    transaction: (fn) => db.transaction(fn),
    close: () => Promise.resolve(),
  };
}

for (const engine of engines()) {
  describe(`GET /metrics on ${engine.name}`, function () {
    this.timeout(60_000);
    let f: ApiFixture;

    async function scrape(app: FastifyInstance = f.app, token = f.tokens.operations): Promise<Exposition> {
      const res = await app.inject({ url: '/metrics', headers: bearer(token) });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
      return parseExposition(res.body);
    }

    before(async () => {
      f = await apiFixture(await engine.open());
    });
    after(async () => {
      await f.app.close();
    });

    it("serves the gateway's numbers from the database in the Prometheus text format", async () => {
      const { samples, types } = await scrape();
      assert.equal(samples.get('dockside_up'), 1);
      assert.equal(samples.get('dockside_ready'), 1);
      assert.equal(samples.get('dockside_files_received_total{partner="acme"}'), 1);
      assert.equal(samples.get('dockside_files_processed_total{partner="acme"}'), 1);
      assert.equal(samples.get('dockside_files_rejected_total{partner="acme"}'), 0);
      assert.equal(samples.get('dockside_files_duplicates_total{partner="acme"}'), 0);
      assert.equal(samples.get('dockside_mismatches_open{partner="acme"}'), 1);
      assert.equal(samples.get('dockside_ack_deliveries_pending{partner="acme"}'), 1);
      assert.equal(samples.get('dockside_queue_depth{queue="process-receipt"}'), 0);
      assert.equal(types.get('dockside_files_received_total'), 'counter');
      assert.equal(types.get('dockside_mismatches_open'), 'gauge');
      assert.equal(types.get('dockside_processing_latency_seconds'), 'summary');
      // The fixture's file was processed moments ago by the database's clock: it is in the last hour.
      assert.equal(samples.get('dockside_processing_latency_seconds_count'), 1);
      const median = samples.get('dockside_processing_latency_seconds{quantile="0.5"}');
      assert.ok(median !== undefined && median >= 0 && median < 60, `median ${median}`);
      assert.ok(samples.get('dockside_processing_latency_seconds_sum')! >= median);
    });

    it('moves the counts when files arrive and things fail, labelling files of no partner "unknown"', async () => {
      const second = await f.pipeline.arrive('acme', withEnvelope(GOLDEN_856, { control: 2 }), 'second.edi');
      await markReceiptDead(f.db, second, 'the database went away');
      await f.pipeline.arrive('acme', GOLDEN_856, 'asn.edi');
      await f.pipeline.intake.receive(Readable.from([Buffer.from('not X12 at all')]), {
        channel: { kind: 'upload', id: 'test' },
        partnerId: null,
        fileName: 'stray.txt',
      });
      await openDeadLetter(f, 'map-documents');
      const [ack] = await f.db.query<{ id: number }>('select id from acknowledgments where receipt_id = $1', [
        f.receiptId,
      ]);
      await recordDeliveryError(f.db, ack!.id, 'connection refused', true);

      const { samples, types } = await scrape();
      assert.equal(samples.get('dockside_files_received_total{partner="acme"}'), 3);
      assert.equal(samples.get('dockside_files_duplicates_total{partner="acme"}'), 1);
      assert.equal(samples.get('dockside_files_processed_total{partner="acme"}'), 1);
      assert.equal(samples.get('dockside_files_received_total{partner="unknown"}'), 1);
      assert.equal(samples.get('dockside_files_dead{partner="acme"}'), 1);
      assert.equal(types.get('dockside_files_dead'), 'gauge');
      assert.equal(samples.get('dockside_dead_letters_open{queue="map-documents"}'), 1);
      assert.equal(samples.get('dockside_ack_deliveries_failed{partner="acme"}'), 1);
      assert.equal(samples.get('dockside_ack_deliveries_pending{partner="acme"}'), undefined);
    });

    it('reads the numbers of a scrape in two statements, however many metrics and partners', async () => {
      const { db, statements } = counting(f.db);
      const app = await buildApi({ db, blobs: f.pipeline.blobs, log: silentLogger() });
      try {
        await scrape(app);
        assert.equal(statements.length, 2, statements.join('\n---\n'));
        statements.length = 0;
        await scrape(app);
        assert.equal(statements.length, 2, 'a second scrape reads again rather than reusing the first');
      } finally {
        await app.close();
      }
    });

    it("takes the queue's depth from the queue", async () => {
      const queue = new InProcessQueue({ attempts: 1, backoffMs: 1 }, () => Promise.resolve());
      await queue.addMany('deliver-outbound', [{ ackId: 1 }, { ackId: 2 }, { ackId: 3 }]);
      const app = await buildApi({
        db: f.db,
        blobs: f.pipeline.blobs,
        log: silentLogger(),
        operations: { intake: f.pipeline.intake, queue },
      });
      try {
        const { samples } = await scrape(app);
        assert.equal(samples.get('dockside_queue_depth{queue="deliver-outbound"}'), 3);
        assert.equal(samples.get('dockside_queue_active{queue="deliver-outbound"}'), 0);
        assert.equal(samples.get('dockside_queue_depth{queue="map-documents"}'), 0);
      } finally {
        await app.close();
        await queue.close({ timeoutMs: 100 });
      }
    });

    it('still answers when the database does not, with dockside_ready 0 and no database numbers', async () => {
      const token = await createToken(f.db, { name: 'prometheus', role: 'operations' });
      const app = await buildApi({ db: failingMetrics(f.db), blobs: f.pipeline.blobs, log: silentLogger() });
      try {
        const { samples, types } = await scrape(app, token);
        assert.equal(samples.get('dockside_up'), 1);
        assert.equal(samples.get('dockside_ready'), 0);
        assert.equal(types.get('dockside_files_received_total'), 'counter');
        assert.deepEqual(
          [...samples.keys()].filter((k) => k.startsWith('dockside_files_')),
          [],
          'no made-up zeros',
        );
      } finally {
        await app.close();
      }
    });
  });
}
