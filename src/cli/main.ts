// The `dockside` command line. Commands are thin: parse arguments, call a service, print. Usage and I/O
// problems exit 2 with a one-line message; problems in the data are reported by the commands themselves.
import { Command, CommanderError } from 'commander';
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GatewayError } from '../errors.ts';
import { gatewayCommands } from './gateway.ts';
import { operationsCommands } from './operations.ts';
import { documentsCommand } from './documents.ts';
import { mismatchesCommand, reconcileCommand } from './mismatches.ts';
import { archiveCommand, reportCommand } from './report.ts';
import { accessCommands } from './access.ts';
import { partnersCommand } from './partners.ts';
import { x12Command } from './x12.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export function buildProgram(): Command {
  const program = new Command('dockside')
    .description('Dockside: an EDI and managed-file-transfer gateway for logistics')
    .version(pkg.version)
    .showHelpAfterError()
    .exitOverride();
  program.addCommand(x12Command());
  for (const c of gatewayCommands()) program.addCommand(c);
  for (const c of operationsCommands()) program.addCommand(c);
  program.addCommand(documentsCommand());
  program.addCommand(mismatchesCommand());
  program.addCommand(reconcileCommand());
  program.addCommand(reportCommand());
  program.addCommand(archiveCommand());
  for (const c of accessCommands()) program.addCommand(c);
  program.addCommand(partnersCommand());
  // `dockside` alone: what it can do, not an error.
  program.action(() => program.outputHelp());
  for (const c of program.commands) c.exitOverride();
  for (const c of program.commands.flatMap((c) => c.commands)) c.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  // `dockside x12 validate big.edi | head`: a reader that stops early is not an error worth a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw e;
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version output exit 0; anything else is a usage error.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof GatewayError) {
      // A usage, configuration or I/O problem: one clear line, no stack trace, exit 2.
      process.stderr.write(`dockside: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

// Run directly (`node --import tsx src/cli/main.ts ...`); bin/dockside.js calls main() itself.
if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv);
}
