import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { blobsDir, embeddedDbDir, loadGatewayConfig } from '../../../src/config/gateway.ts';
import { DEFAULT_SPECS_DIR } from '../../../src/config/x12-specs.ts';
import { GatewayError } from '../../../src/errors.ts';

const CWD = '/srv/dockside';

/** The message of the error loadGatewayConfig throws; fails the test if it does not throw config-invalid. */
function refusal(env: NodeJS.ProcessEnv): string {
  try {
    loadGatewayConfig(env, CWD);
  } catch (e) {
    assert.ok(e instanceof GatewayError, String(e));
    assert.equal(e.code, 'config-invalid');
    assert.equal(e.retryable, false);
    return e.message;
  }
  assert.fail(`accepted ${JSON.stringify(env)}`);
}

// The checkout's own ERP settings: an explicit DOCKSIDE_ERP_CONFIG must name a file that exists.
const ERP_FILE = new URL('../../../erp.yaml', import.meta.url).pathname;

describe('loadGatewayConfig', () => {
  it('runs on one machine with nothing set: ./var, ./partners, PGlite, the in-process queue', () => {
    const c = loadGatewayConfig({}, CWD);
    assert.deepEqual(c, {
      redisPrefix: 'dockside',
      dataDir: '/srv/dockside/var',
      partnersDir: '/srv/dockside/partners',
      specsDir: DEFAULT_SPECS_DIR,
      logLevel: 'info',
      workerConcurrency: 128,
      shutdownTimeoutMs: 30_000,
      jobLockMs: 30_000,
      jobAttempts: 6,
      jobBackoffMs: 1000,
      sweepIntervalMs: 30_000,
      sftpPort: 2222,
      sftpHost: '127.0.0.1',
      sftpMaxUploadBytes: 1024 ** 3,
      sftpIdleTimeoutMs: 600_000,
      sftpMaxSessions: 4,
      reconcileIntervalMs: 5000,
      as2Port: 4080,
      as2Host: '127.0.0.1',
      as2MaxMessageBytes: 100 * 1024 ** 2,
      as2RequestTimeoutMs: 120_000,
      apiPort: 8080,
      apiHost: '127.0.0.1',
      apiSecureCookie: false,
    });
    assert.equal('erpConfigFile' in c, false, 'no erp.yaml in the working directory: nothing is reconciled');
    assert.equal('databaseUrl' in c, false, 'no DATABASE_URL means the embedded database');
    assert.equal('redisUrl' in c, false, 'no REDIS_URL means jobs run in this process');
    assert.equal(embeddedDbDir(c), '/srv/dockside/var/db');
    assert.equal(blobsDir(c), '/srv/dockside/var/blobs');
  });

  it('defaults to the working directory of the process', () => {
    const c = loadGatewayConfig({});
    assert.equal(c.dataDir, `${process.cwd()}/var`);
    assert.equal(c.partnersDir, `${process.cwd()}/partners`);
  });

  it('takes every setting from the environment', () => {
    const c = loadGatewayConfig(
      {
        DATABASE_URL: 'postgres://dockside@db/dockside',
        REDIS_URL: 'redis://redis:6379',
        DOCKSIDE_REDIS_PREFIX: 'dockside-test',
        DOCKSIDE_DATA_DIR: '/data',
        DOCKSIDE_PARTNERS_DIR: '/etc/dockside/partners',
        DOCKSIDE_SPECS_DIR: '/etc/dockside/specs',
        DOCKSIDE_LOG_LEVEL: 'debug',
        DOCKSIDE_WORKER_CONCURRENCY: '2',
        DOCKSIDE_SHUTDOWN_TIMEOUT_MS: '0',
        DOCKSIDE_JOB_LOCK_MS: '5000',
        DOCKSIDE_JOB_ATTEMPTS: '3',
        DOCKSIDE_JOB_BACKOFF_MS: '250',
        DOCKSIDE_SWEEP_INTERVAL_MS: '60000',
        DOCKSIDE_SFTP_PORT: '2022',
        DOCKSIDE_SFTP_HOST: '0.0.0.0',
        DOCKSIDE_SFTP_MAX_UPLOAD_BYTES: '1048576',
        DOCKSIDE_SFTP_IDLE_TIMEOUT_MS: '60000',
        DOCKSIDE_SFTP_MAX_SESSIONS: '2',
        DOCKSIDE_ERP_CONFIG: ERP_FILE,
        DOCKSIDE_RECONCILE_INTERVAL_MS: '1000',
        DOCKSIDE_ARCHIVE_KEEP_DAYS: '90',
        DOCKSIDE_AS2_PORT: '4443',
        DOCKSIDE_AS2_HOST: '0.0.0.0',
        DOCKSIDE_AS2_MAX_MESSAGE_BYTES: '2048',
        DOCKSIDE_AS2_REQUEST_TIMEOUT_MS: '5000',
        DOCKSIDE_API_PORT: '9090',
        DOCKSIDE_API_HOST: '0.0.0.0',
        DOCKSIDE_API_SECURE_COOKIE: 'true',
      },
      CWD,
    );
    assert.deepEqual(c, {
      databaseUrl: 'postgres://dockside@db/dockside',
      redisUrl: 'redis://redis:6379',
      redisPrefix: 'dockside-test',
      dataDir: '/data',
      partnersDir: '/etc/dockside/partners',
      specsDir: '/etc/dockside/specs',
      logLevel: 'debug',
      workerConcurrency: 2,
      shutdownTimeoutMs: 0,
      jobLockMs: 5000,
      jobAttempts: 3,
      jobBackoffMs: 250,
      sweepIntervalMs: 60_000,
      sftpPort: 2022,
      sftpHost: '0.0.0.0',
      sftpMaxUploadBytes: 1_048_576,
      sftpIdleTimeoutMs: 60_000,
      sftpMaxSessions: 2,
      erpConfigFile: ERP_FILE,
      reconcileIntervalMs: 1000,
      archiveKeepDays: 90,
      as2Port: 4443,
      as2Host: '0.0.0.0',
      as2MaxMessageBytes: 2048,
      as2RequestTimeoutMs: 5000,
      apiPort: 9090,
      apiHost: '0.0.0.0',
      apiSecureCookie: true,
    });
    assert.equal(embeddedDbDir(c), '/data/db');
  });

  it('resolves relative directories against the working directory', () => {
    const c = loadGatewayConfig(
      {
        DOCKSIDE_DATA_DIR: 'data',
        DOCKSIDE_PARTNERS_DIR: '../shared/partners',
        DOCKSIDE_SPECS_DIR: './specs',
      },
      CWD,
    );
    assert.equal(c.dataDir, '/srv/dockside/data');
    assert.equal(c.partnersDir, '/srv/shared/partners');
    assert.equal(c.specsDir, '/srv/dockside/specs');
  });

  it('treats a variable set to the empty string as not set', () => {
    const c = loadGatewayConfig(
      {
        DATABASE_URL: '',
        REDIS_URL: '',
        DOCKSIDE_DATA_DIR: '',
        DOCKSIDE_LOG_LEVEL: '',
        DOCKSIDE_WORKER_CONCURRENCY: '',
      },
      CWD,
    );
    assert.equal(c.databaseUrl, undefined);
    assert.equal(c.redisUrl, undefined);
    assert.equal(c.dataDir, '/srv/dockside/var');
    assert.equal(c.logLevel, 'info');
    assert.equal(c.workerConcurrency, 128);
  });

  it('uses ./erp.yaml when it exists, and refuses a DOCKSIDE_ERP_CONFIG that names no file', () => {
    const root = dirname(ERP_FILE);
    assert.equal(loadGatewayConfig({}, root).erpConfigFile, ERP_FILE);
    assert.throws(
      () => loadGatewayConfig({ DOCKSIDE_ERP_CONFIG: 'missing.yaml' }, root),
      (e: Error) => e.message === `DOCKSIDE_ERP_CONFIG=missing.yaml: no such file (${root}/missing.yaml)`,
    );
  });

  it('accepts the bounds of a range', () => {
    assert.equal(loadGatewayConfig({ DOCKSIDE_WORKER_CONCURRENCY: '1' }, CWD).workerConcurrency, 1);
    assert.equal(loadGatewayConfig({ DOCKSIDE_WORKER_CONCURRENCY: '256' }, CWD).workerConcurrency, 256);
  });

  for (const bad of ['abc', '1.5', '-1', '0', '257', ' ', '0x10', '1e2', '8 workers']) {
    it(`refuses DOCKSIDE_WORKER_CONCURRENCY=${JSON.stringify(bad)}, naming the variable`, () => {
      const message = refusal({ DOCKSIDE_WORKER_CONCURRENCY: bad });
      assert.ok(message.startsWith(`DOCKSIDE_WORKER_CONCURRENCY=${bad}:`), message);
      assert.match(message, /whole number from 1 to 256/);
    });
  }

  for (const name of [
    'DOCKSIDE_SHUTDOWN_TIMEOUT_MS',
    'DOCKSIDE_JOB_LOCK_MS',
    'DOCKSIDE_JOB_ATTEMPTS',
    'DOCKSIDE_JOB_BACKOFF_MS',
    'DOCKSIDE_SWEEP_INTERVAL_MS',
  ]) {
    it(`refuses a bad ${name}, naming it`, () => {
      assert.match(refusal({ [name]: 'soon' }), new RegExp(`^${name}=soon: `));
      assert.match(refusal({ [name]: '99999999999' }), new RegExp(`^${name}=99999999999: `));
      assert.match(refusal({ [name]: ' ' }), new RegExp(`^${name}= : `));
    });
  }

  it('refuses a job lock shorter than a second', () => {
    assert.match(
      refusal({ DOCKSIDE_JOB_LOCK_MS: '999' }),
      /DOCKSIDE_JOB_LOCK_MS=999: expected a whole number from 1000/,
    );
  });

  it('refuses an unknown log level, naming the variable and the levels', () => {
    const message = refusal({ DOCKSIDE_LOG_LEVEL: 'verbose' });
    assert.match(message, /^DOCKSIDE_LOG_LEVEL=verbose: /);
    assert.match(message, /fatal, error, warn, info, debug, trace, silent/);
  });
});
