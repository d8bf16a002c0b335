// `dockside run`, `dockside start` (the demo), `dockside health` and `dockside db migrate`.
import { Command, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import { loadGatewayConfig, type GatewayConfig } from '../config/gateway.ts';
import { GatewayError, errorMessage } from '../errors.ts';
import { createLogger, type Logger } from '../log.ts';
import { HEARTBEAT_MS, heartbeatFile, openDb, openGateway, type Gateway, type Role } from '../main.ts';
import { migrate } from '../store/migrate.ts';
import { startDemo, useDemoSecrets, type RunningDemo } from './demo.ts';

export function gatewayCommands(): Command[] {
  // The demo partners' secret references (env:DOCKSIDE_DEMO_*) resolve in every command, so that `start`,
  // `receipts list` and `partners validate` all read the same partner files (see demo.ts).
  try {
    useDemoSecrets(loadGatewayConfig());
  } catch {
    // A setting that is not valid is reported by the command that reads it; a secret that could not be made,
    // by the reference that names it.
  }
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
      let demo: RunningDemo | undefined;
      await runGateway(config, log, 'all', {
        beforeStart: async (gateway) => {
          demo = await startDemo(gateway);
        },
        afterStart: () => demo!.started(),
        afterStop: () => demo?.close() ?? Promise.resolve(),
      });
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

/** What `start` adds around a running gateway: the demo. */
export interface GatewayHooks {
  /** Before workers and channels start. */
  beforeStart?: (gateway: Gateway) => Promise<void>;
  /** Once they run (the hosted SFTP server listens). */
  afterStart?: (gateway: Gateway) => Promise<void>;
  /** After the gateway stopped, also when a hook failed. */
  afterStop?: () => Promise<void>;
}

export async function runGateway(
  config: GatewayConfig,
  log: Logger,
  role: Role,
  hooks: GatewayHooks = {},
): Promise<void> {
  if (role !== 'all' && !config.redisUrl) {
    throw new GatewayError(
      'usage',
      `--role ${role} needs REDIS_URL: without Redis the queue lives in one process, which must do everything`,
      false,
    );
  }
  const gateway = await openGateway(config, log);
  try {
    await hooks.beforeStart?.(gateway);
    if (role !== 'scheduler') gateway.startWorkers();
    if (role !== 'worker') await gateway.startScheduler();
    await hooks.afterStart?.(gateway);
  } catch (e) {
    await gateway
      .stop()
      .catch((err: unknown) => log.error({ err: errorMessage(err) }, 'error while stopping'));
    await hooks.afterStop?.();
    throw e;
  }
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
        .then(() => hooks.afterStop?.())
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
