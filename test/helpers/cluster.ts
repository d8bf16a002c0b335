// Gateway processes for the service-backed tests: a fresh PostgreSQL database per suite, a temp data and
// partner directory, and `dockside run` child processes whose JSON log lines are kept for assertions.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ROOT } from './golden.ts';

export async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`drop database if exists ${name} with (force)`);
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface Site {
  dataDir: string;
  partnersDir: string;
  outbound: string;
  inbound: string;
  env: NodeJS.ProcessEnv;
}

/** A data directory and one partner (acme, ISA ZZ/ACMEWIDGET) with a drop folder and an outbound folder. */
export function site(env: Record<string, string>): Site {
  const root = mkdtempSync(join(tmpdir(), 'dockside-cluster-'));
  const dataDir = join(root, 'var');
  const partnersDir = join(root, 'partners');
  mkdirSync(partnersDir, { recursive: true });
  const inbound = join(root, 'drop', 'inbound');
  const outbound = join(root, 'drop', 'outbound');
  writeFileSync(
    join(partnersDir, 'acme.yaml'),
    [
      'id: acme',
      'name: Acme',
      'identities: [{ qualifier: ZZ, id: ACMEWIDGET }]',
      'channels:',
      '  inbound: [{ kind: folder, id: drop, path: ' + inbound + ', pollIntervalMs: 200 }]',
      '  outbound: { kind: folder, path: ' + outbound + ' }',
      '',
    ].join('\n'),
  );
  return {
    dataDir,
    partnersDir,
    inbound,
    outbound,
    env: {
      ...process.env,
      DOCKSIDE_DATA_DIR: dataDir,
      DOCKSIDE_PARTNERS_DIR: partnersDir,
      DOCKSIDE_LOG_LEVEL: 'info',
      ...env,
    },
  };
}

export interface GatewayProcess {
  child: ChildProcess;
  /** Parsed JSON log lines so far. */
  logs: Record<string, unknown>[];
  exited: Promise<number | null>;
}

export function spawnGateway(s: Site, args: string[] = ['run', '--role', 'all']): GatewayProcess {
  const child = spawn(process.execPath, [join(ROOT, 'bin/dockside.js'), ...args], {
    env: s.env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let rest = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line, raw: true });
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, logs, exited };
}

export async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  ms = 120_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
