import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { buildApi } from '../../../src/api/app.ts';
import { createToken } from '../../../src/api/accounts.ts';
import { FileBlobStore } from '../../../src/store/blobs.ts';
import { createLogger } from '../../../src/log.ts';
import { engines } from '../../helpers/store.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

for (const engine of engines()) {
  describe(`API request log on ${engine.name}`, () => {
    it('writes one debug line per answered request, with the user and without the query, and none at info', async () => {
      const lines: { level: number; msg: string; path?: string; status?: number; user?: string }[] = [];
      const destination = new Writable({
        write(chunk: Buffer, _enc, done) {
          for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
          done();
        },
      });
      const db = await engine.open();
      const token = await createToken(db, { name: 'ops', role: 'operations' });
      const app = await buildApi({
        db,
        blobs: new FileBlobStore(mkdtempSync(join(tmpdir(), 'dockside-log-'))),
        log: createLogger({ level: 'debug', destination }),
      });
      try {
        await app.inject({
          url: '/api/receipts?partner=acme',
          headers: { authorization: `Bearer ${token}` },
        });
        await app.inject({ url: '/api/health' });
      } finally {
        await app.close();
      }
      assert.deepEqual(
        lines.filter((l) => l.level >= 30),
        [],
      );
      assert.deepEqual(
        lines.map((l) => `${l.level} ${l.msg} ${l.path} ${l.status} ${l.user ?? '-'}`),
        ['20 request answered /api/receipts 200 ops', '20 request answered /api/health 200 -'],
      );
    });
  });
}
