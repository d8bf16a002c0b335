// The composition root: the one place that turns configuration into running parts — the database, the
// blob store, the queue, the partner registry, the pipeline's handlers, the channels and the sweeper.
// Commands ask for what they need and close it when done.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { blobsDir, embeddedDbDir, hostedRootDir, hostKeysDir, type GatewayConfig } from './config/gateway.ts';
import { DEFAULT_SPECS_DIR, loadSpecs, type LoadedSpecs } from './config/x12-specs.ts';
import { GatewayError, errorMessage } from './errors.ts';
import { createIntake, type Intake } from './intake/receive.ts';
import { BullmqQueue } from './jobs/bullmq.ts';
import { InProcessQueue } from './jobs/in-process.ts';
import { localLeases, RedisLeases, type Leases } from './jobs/lease.ts';
import type { JobQueue } from './jobs/queue.ts';
import type { Logger } from './log.ts';
import { loadPartners } from './partners/load.ts';
import type { Partner, PartnerDirectory } from './partners/partner.ts';
import { LivePartnerDirectory, PartnerReloader } from './partners/reload.ts';
import { partnerSpecResolvers } from './partners/specs.ts';
import { deadLetterSink } from './pipeline/dead-letters.ts';
import { deliverOutboundHandler } from './pipeline/deliver-outbound.ts';
import { mapDocumentsHandler } from './pipeline/map-documents.ts';
import { processReceiptHandler, type PipelineDeps } from './pipeline/process-receipt.ts';
import { defaultMappers } from './documents/mappers/index.ts';
import { Sweeper } from './pipeline/sweeper.ts';
import { FileBlobStore } from './store/blobs.ts';
import { openPglite, openPostgres, type Db } from './store/db.ts';
import { migrate } from './store/migrate.ts';
import { inboundChannel, type RunningChannel } from './transports/channels.ts';
import { PartnerBackoffs } from './transports/backoff.ts';
import { usePartnerConnectionLeases } from './transports/partner-gate.ts';
import { hostedAccounts } from './transports/hosted-sftp/auth.ts';
import { HostedSftpServer } from './transports/hosted-sftp/server.ts';
import { openErpFromFile } from './config/erp-file.ts';
import type { ErpAdapter } from './erp/index.ts';
import { Reconciler } from './pipeline/reconcile-documents.ts';
import { acceptAsyncMdn, expireAsyncMdns } from './transports/as2/async-mdn.ts';
import { resendPendingMdns } from './transports/as2/mdn-delivery.ts';
import { startAs2Server, type As2Server } from './transports/as2/server.ts';
import type { FastifyInstance } from 'fastify';
import { buildApi, type ApiDeps } from './api/app.ts';

export interface X12Services {
  specs: LoadedSpecs;
}

export function createX12Services(options: { specsDir?: string } = {}): X12Services {
  return { specs: loadSpecs(options.specsDir ?? process.env.DOCKSIDE_SPECS_DIR ?? DEFAULT_SPECS_DIR) };
}

export async function openDb(config: GatewayConfig): Promise<Db> {
  return config.databaseUrl
    ? // Jobs running at once share batches (src/jobs/batcher.ts), so connections do not grow with the
      // concurrency: a few batches of each kind, the sweeper, the heartbeat and the CLI's reads.
      openPostgres({ url: config.databaseUrl, poolSize: 12 })
    : openPglite({ dataDir: embeddedDbDir(config) });
}

export type Role = 'all' | 'worker' | 'scheduler';

export interface Gateway {
  config: GatewayConfig;
  log: Logger;
  db: Db;
  blobs: FileBlobStore;
  queue: JobQueue;
  partners: PartnerDirectory;
  specs: LoadedSpecs;
  intake: Intake;
  sweeper: Sweeper;
  pipeline: PipelineDeps;
  /** The ERP adapter of DOCKSIDE_ERP_CONFIG; without one, documents are stored but not reconciled. */
  erp: ErpAdapter | undefined;
  /** Matches new ship notices and invoices against the ERP (the scheduler role runs it). */
  reconciler: Reconciler | undefined;
  /** Takes jobs: processing and delivery. */
  startWorkers(): void;
  /** Polls the channels and sweeps. Both roles write the heartbeat that `dockside health` reads. */
  startScheduler(): Promise<void>;
  /** Stops polling, lets running jobs finish (up to the shutdown timeout) and closes everything. */
  stop(): Promise<void>;
  /** Where this process serves the console and HTTP API; undefined when it does not (off, the port taken by
   * another process, or the scheduler not started). */
  apiAddress(): { host: string; port: number } | undefined;
}

export interface OpenOptions {
  /** Apply migrations first (default true). */
  migrate?: boolean;
}

export async function openGateway(
  config: GatewayConfig,
  log: Logger,
  options: OpenOptions = {},
): Promise<Gateway> {
  const specs = loadSpecs(config.specsDir);
  if (specs.errors.length > 0) {
    throw new GatewayError(
      'config-invalid',
      `the transaction-set specs have problems:\n  ${specs.errors.join('\n  ')}`,
      false,
    );
  }
  const partnerOptions = { dataDir: config.dataDir, specs };
  // Live: a valid change to the partner files replaces what it holds (see the reloader below).
  const partners = new LivePartnerDirectory(loadPartners(config.partnersDir, partnerOptions));
  const db = await openDb(config);
  try {
    if (options.migrate !== false) {
      const migrated = await migrate(db);
      if (migrated.applied.length > 0) {
        log.info({ applied: migrated.applied.map((m) => `${m.version}_${m.name}`) }, 'database migrated');
      }
    }
  } catch (e) {
    await db.close();
    throw e;
  }
  const blobs = new FileBlobStore(blobsDir(config));
  const policy = { attempts: config.jobAttempts, backoffMs: config.jobBackoffMs };
  const deadLetter = deadLetterSink(db, log);
  const queue: JobQueue = config.redisUrl
    ? new BullmqQueue({
        url: config.redisUrl,
        policy,
        deadLetter,
        lockMs: config.jobLockMs,
        prefix: config.redisPrefix,
      })
    : new InProcessQueue(policy, deadLetter);
  const owner = `${hostname()}:${process.pid}`;
  const leases: Leases = config.redisUrl
    ? new RedisLeases(config.redisUrl, owner, `${config.redisPrefix}:lease:`)
    : localLeases;
  const backoffs = new PartnerBackoffs();
  // Polls and deliveries of one partner take turns across processes too.
  usePartnerConnectionLeases(leases);
  const intake = createIntake({ db, blobs, queue, log });
  const mappers = defaultMappers();
  const pipeline: PipelineDeps = {
    db,
    blobs,
    // One registry for the whole job, even when a reload lands while it runs.
    partners: () => partners.current,
    specs: specs.registry,
    specsFor: partnerSpecResolvers(specs),
    queue,
    log,
    inlineDelivery: true,
    mappers,
    queueMapping: true,
  };
  const sweeper = new Sweeper(db, queue, log, { intervalMs: config.sweepIntervalMs });
  let erp: ErpAdapter | undefined;
  try {
    erp = config.erpConfigFile ? openErpFromFile(config.erpConfigFile) : undefined;
  } catch (e) {
    await db.close();
    throw e;
  }
  const reconciler = erp
    ? new Reconciler({ db, erp, partners, log }, { intervalMs: config.reconcileIntervalMs })
    : undefined;
  const pollers = new Map<string, RunningChannel[]>();
  let scheduling = false;
  const startPollers = (partner: Partner) => {
    if (partner.status === 'suspended') return;
    const running: RunningChannel[] = [];
    for (const channel of partner.inbound) {
      const poller = inboundChannel(partner.id, channel, { intake, leases, log, scratchDir, backoffs });
      poller.start();
      running.push(poller);
      log.info(
        { partnerId: partner.id, channel: channel.id, kind: channel.kind, where: poller.where },
        'polling channel',
      );
    }
    pollers.set(partner.id, running);
  };
  const stopPollers = async (partnerId: string) => {
    const running = pollers.get(partnerId) ?? [];
    pollers.delete(partnerId);
    await Promise.all(running.map((p) => p.stop()));
  };
  const reloader = new PartnerReloader({
    dir: config.partnersDir,
    load: partnerOptions,
    directory: partners,
    db,
    log,
    // A partner whose channels or status changed polls with its new channels; the others keep running.
    onApplied: async (changes) => {
      if (!scheduling) return;
      for (const change of changes.filter((c) => c.channelsChanged)) {
        await stopPollers(change.partnerId);
        const partner = partners.get(change.partnerId);
        if (partner) startPollers(partner);
      }
      // The server runs only while some partner pushes; the first one may come with a reload. Once running
      // it reads the logins at each login, so later changes need nothing here.
      if (!as2 && changes.some((c) => partners.get(c.partnerId)?.as2)) {
        try {
          as2 = await startAs2(config, partners, intake, db, log);
        } catch (e) {
          log.error({ err: errorMessage(e) }, 'cannot start the AS2 endpoint; AS2 partners cannot send');
        }
      }
      if (!hosted && changes.some((c) => partners.get(c.partnerId)?.hosted)) {
        try {
          hosted = await startHostedSftp(config, partners, intake, log);
        } catch (e) {
          log.error(
            { err: errorMessage(e) },
            'cannot start the hosted SFTP server; partners who push cannot log in',
          );
        }
      }
    },
  });
  let watching: Promise<void> | undefined;
  const watchPartners = () => (watching ??= reloader.start());
  // Downloads of this process wait here for the intake; on the blob store's file system, and its own.
  const scratchDir = join(config.dataDir, 'tmp', `${hostname()}-${process.pid}`);
  let hosted: HostedSftpServer | undefined;
  let as2: As2Server | undefined;
  let api: FastifyInstance | undefined;
  let as2Upkeep: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  // Either role writes it, so a worker-only container is healthy too.
  const startHeartbeat = async () => {
    if (heartbeat) return;
    const beat = () =>
      writeHeartbeat(config, db).catch((e: unknown) =>
        log.warn({ err: errorMessage(e) }, 'heartbeat failed'),
      );
    heartbeat = setInterval(() => void beat(), HEARTBEAT_MS);
    heartbeat.unref();
    await beat();
  };

  const gateway: Gateway = {
    config,
    log,
    db,
    blobs,
    queue,
    partners,
    specs,
    intake,
    sweeper,
    pipeline,
    erp,
    reconciler,
    apiAddress() {
      const address = api?.server.address();
      return address && typeof address === 'object'
        ? { host: address.address, port: address.port }
        : undefined;
    },
    startWorkers() {
      void startHeartbeat();
      watchPartners().catch((e: unknown) =>
        log.error({ err: errorMessage(e) }, 'cannot watch the partner files; changes need a restart'),
      );
      const concurrency = config.workerConcurrency;
      queue.process('process-receipt', processReceiptHandler(pipeline), { concurrency });
      queue.process(
        'deliver-outbound',
        deliverOutboundHandler({ db, partners: () => partners.current, log }),
        {
          concurrency,
        },
      );
      queue.process(
        'map-documents',
        mapDocumentsHandler({ db, blobs, partners: () => partners.current, mappers, log }),
        { concurrency },
      );
    },
    async startScheduler() {
      // First, so that an address that cannot be used stops the start before anything else runs.
      hosted ??= await startHostedSftp(config, partners, intake, log);
      as2 ??= await startAs2(config, partners, intake, db, log);
      if (config.apiPort !== 0 && !api) {
        api = await startApi(
          config,
          {
            db,
            blobs,
            ...(erp ? { erp } : {}),
            operations: { intake, queue },
            partners: {
              directory: partners,
              dir: config.partnersDir,
              load: partnerOptions,
              hostKeysDir: hostKeysDir(config),
            },
          },
          log,
        );
      }
      // AS2 bookkeeping that time drives: async MDNs we owe partners (posted again after a restart) and async
      // MDNs partners owe us (a delivery fails visibly when its deadline passes).
      as2Upkeep = setInterval(() => {
        // The partner as its file says now, by the AS2 names the message came with (as the endpoint finds
        // it): an MDN whose URL the file no longer allows, or whose partner is gone or suspended, is refused.
        const partnerOf = (row: { partnerId: string; as2From: string; as2To: string }) =>
          partners
            .all()
            .find(
              (p) =>
                p.id === row.partnerId &&
                p.status !== 'suspended' &&
                p.as2?.as2Id === row.as2From &&
                p.as2.ourAs2Id === row.as2To,
            );
        void Promise.all([
          resendPendingMdns({ db, log, partnerOf }),
          expireAsyncMdns({ db, log }, new Date()),
        ]).catch((e: unknown) => log.warn({ err: errorMessage(e) }, 'AS2 MDN upkeep failed'));
      }, config.sweepIntervalMs);
      as2Upkeep.unref();
      // A single process with the in-process queue owns all unfinished work at start; in a cluster a
      // receipt may be running elsewhere, and the deterministic job id keeps a re-add from doubling it.
      await sweeper.sweep(config.redisUrl ? config.jobLockMs * 2 : 0);
      sweeper.start();
      if (reconciler) {
        reconciler.start();
        log.info({ erp: erp!.kind, settings: config.erpConfigFile }, 'reconciling against the ERP');
      } else {
        log.info('no ERP configured (DOCKSIDE_ERP_CONFIG): documents are stored but not reconciled');
      }
      scheduling = true;
      for (const partner of partners.all()) startPollers(partner);
      await watchPartners();
      await startHeartbeat();
    },
    async stop() {
      clearInterval(heartbeat);
      // First: a reload in progress finishes, and none starts pollers after this.
      await reloader.close();
      scheduling = false;
      await Promise.all([...pollers.keys()].map((id) => stopPollers(id)));
      await rm(scratchDir, { recursive: true, force: true });
      await hosted?.close();
      clearInterval(as2Upkeep);
      await as2?.close();
      await api?.close();
      await sweeper.stop();
      await reconciler?.stop();
      await erp?.close();
      await queue.close({ timeoutMs: config.shutdownTimeoutMs });
      usePartnerConnectionLeases(localLeases);
      await leases.close();
      await db.close();
    },
  };
  return gateway;
}

export const HEARTBEAT_MS = 10_000;

/** The hosted SFTP server, when some partner logs in to push files and the port is not turned off. */
async function startHostedSftp(
  config: GatewayConfig,
  partners: PartnerDirectory,
  intake: Intake,
  log: Logger,
): Promise<HostedSftpServer | undefined> {
  // Read at every login, so a new key, a new password or a suspension applies at once.
  const accounts = () => hostedAccounts(partners.all());
  const pushing = accounts().map((a) => a.partnerId);
  if (pushing.length === 0) return undefined;
  if (config.sftpPort === 0) {
    log.warn({ partners: pushing }, 'hosted SFTP is off (DOCKSIDE_SFTP_PORT=0); these partners cannot push');
    return undefined;
  }
  return HostedSftpServer.start({
    root: hostedRootDir(config),
    hostKeysDir: hostKeysDir(config),
    host: config.sftpHost,
    port: config.sftpPort,
    accounts,
    intake,
    log: log.child({ channel: 'hosted-sftp' }),
    limits: {
      maxUploadBytes: config.sftpMaxUploadBytes,
      idleTimeoutMs: config.sftpIdleTimeoutMs,
      maxSessionsPerPartner: config.sftpMaxSessions,
    },
  });
}

/** The HTTP API. Several gateway processes on one host share one port: the first serves it, the others say so
 * and run without it. */
async function startApi(
  config: GatewayConfig,
  deps: Pick<ApiDeps, 'db' | 'blobs' | 'erp' | 'operations' | 'partners'>,
  log: Logger,
): Promise<FastifyInstance | undefined> {
  const api = await buildApi({
    ...deps,
    log: log.child({ channel: 'api' }),
    secureCookie: config.apiSecureCookie,
  });
  try {
    await api.listen({ host: config.apiHost, port: config.apiPort });
  } catch (e) {
    await api.close();
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    log.warn(
      { host: config.apiHost, port: config.apiPort },
      'the HTTP API port is taken (another gateway process on this host serves it?); this process runs without it',
    );
    return undefined;
  }
  log.info({ host: config.apiHost, port: config.apiPort }, 'HTTP API listening on /api');
  return api;
}

/** The AS2 endpoint, when some partner exchanges over AS2 and the port is not turned off. */
async function startAs2(
  config: GatewayConfig,
  partners: LivePartnerDirectory,
  intake: Intake,
  db: Db,
  log: Logger,
): Promise<As2Server | undefined> {
  const exchanging = partners.all().filter((p) => p.as2);
  if (exchanging.length === 0) return undefined;
  if (config.as2Port === 0) {
    log.warn(
      { partners: exchanging.map((p) => p.id) },
      'the AS2 endpoint is off (DOCKSIDE_AS2_PORT=0); these partners cannot send',
    );
    return undefined;
  }
  const server = await startAs2Server({
    host: config.as2Host,
    port: config.as2Port,
    intake,
    db,
    log,
    // Read at every request, so a reloaded partner file applies to the next message.
    lookup: (as2From, as2To) => {
      const partner = partners
        .all()
        .find((p) => p.status !== 'suspended' && p.as2?.as2Id === as2From && p.as2.ourAs2Id === as2To);
      return partner ? { partner } : undefined;
    },
    limits: { maxMessageBytes: config.as2MaxMessageBytes, requestTimeoutMs: config.as2RequestTimeoutMs },
    onAsyncMdn: (headers, body) =>
      acceptAsyncMdn({ db, partners: () => partners.current, log }, headers, body),
  });
  log.info(
    { host: config.as2Host, port: server.port, partners: exchanging.map((p) => p.id) },
    'AS2 endpoint listening on /as2',
  );
  return server;
}

export function heartbeatFile(config: GatewayConfig): string {
  return join(config.dataDir, 'run', `${hostname()}.json`);
}

/** The heartbeat proves the process runs and reaches its database. */
async function writeHeartbeat(config: GatewayConfig, db: Db): Promise<void> {
  await db.query('select 1');
  const file = heartbeatFile(config);
  await mkdir(join(config.dataDir, 'run'), { recursive: true });
  await writeFile(file, JSON.stringify({ pid: process.pid, at: new Date().toISOString() }));
}
