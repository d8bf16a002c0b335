// `dockside users add` and `dockside tokens create|list|revoke`: who may use the HTTP API (docs/api.md).
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { createToken, createUser } from '../api/accounts.ts';
import { GatewayError } from '../errors.ts';
import { API_ROLES, listTokens, revokeToken, type ApiRole } from '../store/queries/api-users.ts';
import { withGateway } from './context.ts';
import { table } from './operations.ts';

function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

const roleOption = () =>
  new Option('--role <role>', 'what it may reach').choices([...API_ROLES]).makeOptionMandatory();

/** The password from a file (`-` for standard input): never an argument, which other users could see. */
function readPassword(file: string): string {
  const text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  const password = text.replace(/\r?\n$/, '');
  if (password.includes('\n'))
    throw new GatewayError('usage', 'the password file has more than one line', false);
  return password;
}

export function accessCommands(): Command[] {
  const users = new Command('users').description('people who log in to the HTTP API and the console');
  users
    .command('add')
    .description('add a user who logs in with a password')
    .argument('<name>', 'login name')
    .addOption(roleOption())
    .requiredOption(
      '--password-file <file>',
      'a file holding the password on one line, or - for standard input',
    )
    .action(async (name: string, opts: { role: ApiRole; passwordFile: string }) => {
      const password = readPassword(opts.passwordFile);
      await withGateway({}, async (gateway) => {
        const user = await createUser(gateway.db, { name, role: opts.role, password });
        out(`user ${user.name} (${user.role}) added`);
      });
    });

  const tokens = new Command('tokens').description('API tokens for scripts and other systems');
  tokens
    .command('create')
    .description('make a token; it is printed once and only its hash is kept')
    .argument('<name>', 'what the token is for')
    .addOption(roleOption())
    .action(async (name: string, opts: { role: ApiRole }) => {
      await withGateway({}, async (gateway) => {
        const token = await createToken(gateway.db, { name, role: opts.role });
        process.stderr.write(`token ${name} (${opts.role}) created; it is not shown again:\n`);
        out(token);
      });
    });
  tokens
    .command('list')
    .description('the tokens, without their secrets')
    .action(async () => {
      await withGateway({}, async (gateway) => {
        const rows = await listTokens(gateway.db);
        if (rows.length === 0) {
          out('no tokens');
          return;
        }
        const when = (d: Date | null) => (d ? d.toISOString().replace('T', ' ').slice(0, 19) : '');
        out(
          table(
            ['name', 'role', 'created', 'last used', 'revoked'],
            rows.map((t) => [t.name, t.role, when(t.createdAt), when(t.lastUsedAt), when(t.revokedAt)]),
          ),
        );
      });
    });
  tokens
    .command('revoke')
    .description('stop a token from working')
    .argument('<name>', 'the token')
    .action(async (name: string) => {
      await withGateway({}, async (gateway) => {
        if (!(await revokeToken(gateway.db, name, new Date()))) {
          throw new GatewayError('not-found', `no token named "${name}" that is not revoked`, false);
        }
        out(`token ${name} revoked`);
      });
    });
  return [users, tokens];
}
