import assert from 'node:assert/strict';
import { hostedRootDir, hostKeysDir, loadGatewayConfig } from '../../../../src/config/gateway.ts';
import { GatewayError } from '../../../../src/errors.ts';

const configError = (name: string) => (e: unknown) => {
  assert.ok(e instanceof GatewayError);
  assert.equal(e.code, 'config-invalid');
  assert.match(e.message, new RegExp(`^${name}=`));
  return true;
};

describe('hosted SFTP settings', () => {
  it('defaults to port 2222 on the loopback address, with the documented limits', () => {
    const c = loadGatewayConfig({}, '/srv/dockside');
    assert.equal(c.sftpPort, 2222);
    assert.equal(c.sftpHost, '127.0.0.1');
    assert.equal(c.sftpMaxUploadBytes, 1024 ** 3);
    assert.equal(c.sftpIdleTimeoutMs, 600_000);
    assert.equal(c.sftpMaxSessions, 4);
    assert.equal(hostedRootDir(c), '/srv/dockside/var/hosted');
    assert.equal(hostKeysDir(c), '/srv/dockside/var/keys');
  });

  it('reads the port (0 turns the server off), address and limits from the environment', () => {
    const c = loadGatewayConfig(
      {
        DOCKSIDE_SFTP_PORT: '0',
        DOCKSIDE_SFTP_HOST: '0.0.0.0',
        DOCKSIDE_SFTP_MAX_UPLOAD_BYTES: '1048576',
        DOCKSIDE_SFTP_IDLE_TIMEOUT_MS: '30000',
        DOCKSIDE_SFTP_MAX_SESSIONS: '2',
      },
      '/srv',
    );
    assert.deepEqual(
      [c.sftpPort, c.sftpHost, c.sftpMaxUploadBytes, c.sftpIdleTimeoutMs, c.sftpMaxSessions],
      [0, '0.0.0.0', 1048576, 30000, 2],
    );
    assert.equal(loadGatewayConfig({ DOCKSIDE_SFTP_HOST: '::' }, '/srv').sftpHost, '::');
    assert.equal(
      loadGatewayConfig({ DOCKSIDE_SFTP_HOST: 'sftp.example.com' }, '/srv').sftpHost,
      'sftp.example.com',
    );
  });

  it('refuses a port out of range and an address that is neither an IP nor a host name', () => {
    assert.throws(
      () => loadGatewayConfig({ DOCKSIDE_SFTP_PORT: '65536' }),
      configError('DOCKSIDE_SFTP_PORT'),
    );
    assert.throws(() => loadGatewayConfig({ DOCKSIDE_SFTP_PORT: '22x' }), configError('DOCKSIDE_SFTP_PORT'));
    assert.throws(
      () => loadGatewayConfig({ DOCKSIDE_SFTP_HOST: '0.0.0.0:2222' }),
      configError('DOCKSIDE_SFTP_HOST'),
    );
    assert.throws(() => loadGatewayConfig({ DOCKSIDE_SFTP_HOST: 'a b' }), configError('DOCKSIDE_SFTP_HOST'));
    assert.throws(
      () => loadGatewayConfig({ DOCKSIDE_SFTP_MAX_SESSIONS: '0' }),
      configError('DOCKSIDE_SFTP_MAX_SESSIONS'),
    );
  });
});
