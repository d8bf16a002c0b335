import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createLogger, silentLogger } from '../../src/log.ts';

/** A destination that keeps what is written; `lines(n)` resolves once n lines have arrived. */
class Collector extends PassThrough {
  text = '';
  private waiters: { n: number; resolve: (lines: string[]) => void }[] = [];

  constructor() {
    super();
    this.setEncoding('utf8');
    this.on('data', (chunk: string) => {
      this.text += chunk;
      this.settle();
    });
  }

  current(): string[] {
    return this.text.split('\n').filter((l) => l !== '');
  }

  lines(n: number): Promise<string[]> {
    return new Promise((resolve) => {
      this.waiters.push({ n, resolve });
      this.settle();
    });
  }

  records(): Record<string, unknown>[] {
    return this.current().map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  private settle(): void {
    const have = this.current();
    this.waiters = this.waiters.filter((w) => {
      if (have.length < w.n) return true;
      w.resolve(have);
      return false;
    });
  }
}

const SECRET = 'hunter2-s3cret';

describe('createLogger', () => {
  it('writes one JSON line per record with level, msg and pid', async () => {
    const out = new Collector();
    const log = createLogger({ destination: out });
    log.info({ file: 'a.edi' }, 'file received');
    log.warn('second');
    const lines = await out.lines(2);
    assert.equal(lines.length, 2);
    const [first, second] = out.records();
    assert.equal(first!.level, 30);
    assert.equal(first!.msg, 'file received');
    assert.equal(first!.pid, process.pid);
    assert.equal(first!.file, 'a.edi');
    assert.equal(typeof first!.time, 'number');
    assert.equal('hostname' in first!, false);
    assert.equal(second!.level, 40);
    assert.equal(second!.msg, 'second');
  });

  it('leaves out records below its level', async () => {
    const out = new Collector();
    const log = createLogger({ destination: out, level: 'warn' });
    log.info('quiet');
    log.debug('quieter');
    log.error('loud');
    await out.lines(1);
    assert.deepEqual(
      out.records().map((r) => r.msg),
      ['loud'],
    );
  });

  it('carries receiptId and partnerId on every record of a child logger', async () => {
    const out = new Collector();
    const log = createLogger({ destination: out }).child({ receiptId: 42, partnerId: 'acme-widget' });
    log.info('parsed');
    log.child({ controlNumber: '000000041' }).warn('late ack');
    await out.lines(2);
    const [a, b] = out.records();
    assert.equal(a!.receiptId, 42);
    assert.equal(a!.partnerId, 'acme-widget');
    assert.equal(b!.receiptId, 42);
    assert.equal(b!.partnerId, 'acme-widget');
    assert.equal(b!.controlNumber, '000000041');
  });

  it('redacts secrets and payloads at the top level', async () => {
    const out = new Collector();
    const log = createLogger({ destination: out });
    log.info(
      {
        password: SECRET,
        privateKey: SECRET,
        body: SECRET,
        payload: SECRET,
        passphrase: SECRET,
        token: SECRET,
        secret: SECRET,
      },
      'connect',
    );
    const [line] = await out.lines(1);
    assert.ok(!line!.includes(SECRET), line);
    const r = out.records()[0]!;
    for (const key of ['password', 'privateKey', 'body', 'payload', 'passphrase', 'token', 'secret']) {
      assert.equal(r[key], '[redacted]', key);
    }
  });

  it('redacts secrets and payloads one level down, keeping their neighbours', async () => {
    const out = new Collector();
    const log = createLogger({ destination: out });
    log.info(
      {
        sftp: { host: 'sftp.acme.example', password: SECRET, privateKey: SECRET },
        ack: { kinds: '997', body: SECRET },
        job: { payload: SECRET },
      },
      'delivering',
    );
    const [line] = await out.lines(1);
    assert.ok(!line!.includes(SECRET), line);
    const r = out.records()[0]!;
    assert.deepEqual(r.sftp, { host: 'sftp.acme.example', password: '[redacted]', privateKey: '[redacted]' });
    assert.deepEqual(r.ack, { kinds: '997', body: '[redacted]' });
    assert.deepEqual(r.job, { payload: '[redacted]' });
  });

  it('redacts secrets bound to a child logger', async () => {
    const out = new Collector();
    const log = createLogger({ destination: out }).child({ partnerId: 'acme', sftp: { password: SECRET } });
    log.info('polling');
    const [line] = await out.lines(1);
    assert.ok(!line!.includes(SECRET), line);
  });

  describe('pretty mode', () => {
    it('writes one readable line per record to the destination', async () => {
      const out = new Collector();
      const log = createLogger({ destination: out, pretty: true });
      log.child({ receiptId: 7 }).info({ file: 'a.edi' }, 'file received');
      log.warn('second record');
      const lines = await out.lines(2);
      assert.equal(lines.length, 2, out.text);
      assert.match(lines[0]!, /INFO/);
      assert.match(lines[0]!, /file received/);
      assert.match(lines[0]!, /"receiptId":7/);
      assert.match(lines[0]!, /a\.edi/);
      assert.match(lines[1]!, /WARN.*second record/);
      for (const line of lines) {
        assert.ok(!line.startsWith('{'), `a JSON line in pretty mode: ${line}`);
        assert.ok(!line.includes(`(${process.pid}`) && !line.includes('"pid"'), `pid shown: ${line}`);
      }
    });

    it('does not colour what it writes to something that is not a terminal', async () => {
      const out = new Collector();
      createLogger({ destination: out, pretty: true }).error('failed');
      const [line] = await out.lines(1);
      assert.ok(!line!.includes('\u001b['), JSON.stringify(line));
    });

    it('redacts as the JSON mode does', async () => {
      const out = new Collector();
      createLogger({ destination: out, pretty: true }).info({ ack: { body: SECRET }, password: SECRET }, 'x');
      const [line] = await out.lines(1);
      assert.ok(!line!.includes(SECRET), line);
      assert.match(line!, /\[redacted\]/);
    });
  });
});

describe('silentLogger', () => {
  it('logs nothing', () => {
    const log = silentLogger();
    assert.equal(log.level, 'silent');
    assert.equal(log.isLevelEnabled('fatal'), false);
  });
});
