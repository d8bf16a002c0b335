import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GatewayError } from '../../../src/errors.ts';
import { openPglite } from '../../../src/store/db.ts';

const DB_MODULE = pathToFileURL(new URL('../../../src/store/db.ts', import.meta.url).pathname).href;

// Opens the data directory, leaves a mark in it, says "ready", and closes it when its stdin ends.
const HOLDER = `
const { openPglite } = await import(process.env.DB_MODULE);
const db = await openPglite({ dataDir: process.env.DATA_DIR });
await db.exec('create table if not exists left_by_child (n int)');
process.stdout.write('ready\\n');
process.stdin.resume();
process.stdin.on('end', async () => {
  await db.close();
  process.exit(0);
});
`;

function startHolder(dataDir: string): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', HOLDER], {
    env: { ...process.env, DB_MODULE, DATA_DIR: dataDir },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
}

async function untilReady(child: ChildProcess): Promise<void> {
  let out = '';
  for await (const chunk of child.stdout!) {
    out += String(chunk);
    if (out.includes('ready')) return;
  }
  throw new Error(`the lock holder exited before it was ready: ${out}`);
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid!;
}

function locked(pattern: RegExp, retryable: boolean) {
  return (e: unknown) => {
    assert.ok(e instanceof GatewayError, String(e));
    assert.equal(e.code, 'locked');
    assert.equal(e.retryable, retryable);
    assert.match(e.message, pattern);
    return true;
  };
}

// PGlite with a data directory takes seconds and hundreds of MB to start: one directory, created once by the
// child process, then reopened.
describe('embedded database lock', function () {
  this.timeout(120_000);
  let dir: string;
  let dataDir: string;
  let lockFile: string;
  let child: ChildProcess | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dockside-pglite-'));
    dataDir = join(dir, 'db');
    lockFile = `${dataDir}.lock`;
  });

  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a data directory another live process has open, naming its pid', async () => {
    child = startHolder(dataDir);
    await untilReady(child);
    assert.equal(readFileSync(lockFile, 'utf8').trim(), String(child.pid));
    await assert.rejects(
      openPglite({ dataDir }),
      locked(new RegExp(`open in another Dockside process \\(pid ${child.pid}\\)`), true),
    );
    assert.equal(readFileSync(lockFile, 'utf8').trim(), String(child.pid), 'the holder keeps its lock');
    child.stdin!.end();
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
    assert.equal(existsSync(lockFile), false, 'closing releases the lock');
  });

  it('takes over a lock left by a process that died, and refuses a second open in the same process', async () => {
    const pid = await deadPid();
    writeFileSync(lockFile, String(pid));
    const db = await openPglite({ dataDir });
    try {
      assert.equal(readFileSync(lockFile, 'utf8').trim(), String(process.pid));
      const rows = await db.query(`select 1 from pg_tables where tablename = 'left_by_child'`);
      assert.equal(rows.length, 1, 'the same database the child wrote');
      await assert.rejects(openPglite({ dataDir }), locked(/already open in this process/, false));
      assert.equal(readFileSync(lockFile, 'utf8').trim(), String(process.pid));
    } finally {
      await db.close();
    }
    assert.equal(existsSync(lockFile), false);
  });

  it('takes over a lock naming its own pid that it does not hold (left by an earlier process with that pid)', async () => {
    writeFileSync(lockFile, String(process.pid));
    const db = await openPglite({ dataDir });
    await db.close();
    assert.equal(existsSync(lockFile), false);
  });
});
