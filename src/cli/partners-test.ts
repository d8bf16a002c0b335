// `dockside partners test ID`: the connectivity checks of src/partners/connectivity.ts, one line per check.
import { Command } from 'commander';
import { hostKeysDir, loadGatewayConfig } from '../config/gateway.ts';
import { GatewayError } from '../errors.ts';
import { testPartner, type CheckLine } from '../partners/connectivity.ts';
import { partnerOf, registryOf } from './partners-registry.ts';

export function testCommand(): Command {
  return new Command('test')
    .description(
      "connect to each of a partner's channels: host key, login, listing, and a probe file written and " +
        'removed where acknowledgments go; AS2 certificates, keys and URL (exit 1 if any check fails)',
    )
    .argument('<id>', 'partner id')
    .option('--timeout <seconds>', 'how long a connection may take', seconds, 20)
    .action(async (id: string, opts: { timeout: number }) => {
      const config = loadGatewayConfig();
      const partner = partnerOf(registryOf(config), id);
      const timeoutMs = opts.timeout * 1000;
      let failed = 0;
      const report = (line: CheckLine) => {
        if (line.ok === false) failed++;
        const mark = line.ok === true ? 'ok     ' : line.ok === false ? 'FAILED ' : 'skipped';
        process.stdout.write(`${mark} ${line.what}: ${line.detail}\n`);
      };
      await testPartner(partner, { hostKeysDir: hostKeysDir(config), timeoutMs, report });
      process.stdout.write(
        failed === 0
          ? `partner ${partner.id}: every check passed\n`
          : `partner ${partner.id}: ${failed} check(s) failed\n`,
      );
      if (failed > 0) process.exitCode = 1;
    });
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 600) {
    throw new GatewayError('usage', `--timeout must be a number of seconds up to 600, not "${value}"`, false);
  }
  return n;
}
