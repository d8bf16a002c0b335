// `dockside run`, `dockside start` (the demo), `dockside health` and `dockside db migrate`.
import { Command, Option } from 'commander';
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { loadGatewayConfig, type GatewayConfig } from '../config/gateway.ts';
import { GatewayError, errorMessage } from '../errors.ts';
import { createLogger, type Logger } from '../log.ts';
import { HEARTBEAT_MS, heartbeatFile, openDb, openGateway, type Gateway, type Role } from '../main.ts';
import { migrate } from '../store/migrate.ts';

const PROJECT_ROOT = resolve(new URL('../..', import.meta.url).pathname);

export function gatewayCommands(): Command[] {
  const roleOption = new Option(
    '--role <role>',
    'what this process does: all, worker (jobs) or scheduler (channels, sweeper)',
  )
    .choices(['all', 'worker', 'scheduler'])
    .default('all');
  const run = new Command('run')
    .description('run the gateway: migrations, channels from the partner registry, workers and the sweeper')
    .addOption(roleOption)
    .option('--pretty', 'readable log lines instead of JSON')
    .action(async (opts: { role: Role; pretty?: boolean }) => {
      const config = loadGatewayConfig();
      const log = createLogger({ level: config.logLevel, pretty: opts.pretty === true });
      await runGateway(config, log, opts.role);
    });

  const start = new Command('start')
    .description('run the gateway on its embedded defaults with the demo partners, and show where files go')
    .option('--json-logs', 'JSON log lines instead of readable ones')
    .action(async (opts: { jsonLogs?: boolean }) => {
      const config = loadGatewayConfig();
      const log = createLogger({ level: config.logLevel, pretty: opts.jsonLogs !== true });
      await runGateway(config, log, 'all', (gateway) => seedDemo(gateway));
    });

  const health = new Command('health')
    .description(
      "exit 0 when this host's gateway process is running and reaches its database (for container health checks)",
    )
    .action(async () => {
      const config = loadGatewayConfig();
      const file = heartbeatFile(config);
      let beat: { pid: number; at: string };
      try {
        beat = JSON.parse(await readFile(file, 'utf8')) as { pid: number; at: string };
      } catch {
        process.stderr.write(`unhealthy: no heartbeat at ${file}; is \`dockside run\` running here?\n`);
        process.exitCode = 1;
        return;
      }
      const age = Date.now() - Date.parse(beat.at);
      if (!(age <= HEARTBEAT_MS * 3)) {
        process.stderr.write(
          `unhealthy: the last heartbeat of pid ${beat.pid} is ${Math.round(age / 1000)} s old\n`,
        );
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`healthy: pid ${beat.pid}, heartbeat ${Math.round(age / 1000)} s ago\n`);
    });

  const db = new Command('db').description('the database');
  db.command('migrate')
    .description('apply the migrations the database lacks (also done by `run` at start)')
    .action(async () => {
      const config = loadGatewayConfig();
      const conn = await openDb(config);
      try {
        const result = await migrate(conn);
        for (const m of result.applied)
          process.stdout.write(`applied ${String(m.version).padStart(4, '0')}_${m.name}\n`);
        process.stdout.write(
          `database ${conn.kind === 'pglite' ? '(embedded) ' : ''}is at migration ${result.current}` +
            `${result.applied.length === 0 ? '; nothing to apply' : ''}\n`,
        );
      } finally {
        await conn.close();
      }
    });
  return [run, start, health, db];
}

export async function runGateway(
  config: GatewayConfig,
  log: Logger,
  role: Role,
  beforeStart?: (gateway: Gateway) => Promise<void>,
): Promise<void> {
  if (role !== 'all' && !config.redisUrl) {
    throw new GatewayError(
      'usage',
      `--role ${role} needs REDIS_URL: without Redis the queue lives in one process, which must do everything`,
      false,
    );
  }
  const gateway = await openGateway(config, log);
  await beforeStart?.(gateway);
  if (role !== 'scheduler') gateway.startWorkers();
  if (role !== 'worker') await gateway.startScheduler();
  log.info(
    {
      role,
      database: gateway.db.kind,
      queue: gateway.queue.kind,
      partners: gateway.partners.all().map((p) => p.id),
    },
    'gateway running',
  );
  await new Promise<void>((resolveStop) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ signal }, 'second signal: exiting without waiting');
        process.exit(1);
      }
      stopping = true;
      log.info(
        { signal, timeoutMs: config.shutdownTimeoutMs },
        'stopping: no new files, finishing running jobs',
      );
      gateway
        .stop()
        .catch((e: unknown) => log.error({ err: errorMessage(e) }, 'error while stopping'))
        .finally(() => {
          log.info('stopped');
          resolveStop();
        });
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}

/** The first `npm start` drops the demo partners' sample files into their inbound folders, so a newcomer sees
 * files flow at once; later starts leave the folders alone. */
async function seedDemo(gateway: Gateway): Promise<void> {
  const { config, log } = gateway;
  const marker = join(config.dataDir, '.demo-seeded');
  const fixtures = join(PROJECT_ROOT, 'sftp-fixtures', 'demo');
  const partnersDir = relative(process.cwd(), config.partnersDir) || '.';
  const lines = ['', 'Dockside is running with the demo partners from ' + partnersDir + '/.'];
  let seeded = false;
  try {
    await stat(marker);
  } catch {
    seeded = true;
  }
  for (const partner of gateway.partners.all()) {
    // The demo drops its samples into local folders; a partner polled over SFTP or FTP is left alone.
    const inbound = partner.inbound.find((c) => c.kind === 'folder');
    if (!inbound) continue;
    lines.push(
      `  ${partner.id}: drop X12 files into ${relative(process.cwd(), inbound.path)}/` +
        (partner.outbound?.kind === 'folder'
          ? `; acknowledgments appear in ${relative(process.cwd(), partner.outbound.path)}/`
          : ''),
    );
    if (!seeded) continue;
    let samples: string[];
    try {
      samples = (await readdir(join(fixtures, partner.id))).filter((f) => !f.startsWith('.')).sort();
    } catch {
      continue;
    }
    await mkdir(inbound.path, { recursive: true });
    for (const s of samples) await copyFile(join(fixtures, partner.id, s), join(inbound.path, s));
    log.info({ partnerId: partner.id, files: samples.length }, 'demo files dropped');
  }
  if (seeded) await writeFile(marker, new Date().toISOString());
  lines.push(
    '  `npx dockside receipts list` (in another terminal, once this one is stopped) shows what arrived.',
    '  Stop with Ctrl-C.',
    '',
  );
  process.stderr.write(`${lines.join('\n')}\n`);
}
