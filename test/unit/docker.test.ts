// The Docker files cannot be run here (no engine), so these tests check what they say against the
// repository: paths that exist, commands and flags the CLI has, variables the code reads, volumes that are
// declared, and two gateways that really share their work.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, posix, relative, resolve } from 'node:path';
import type { Command, Option } from 'commander';
import { parse } from 'yaml';
import { buildProgram } from '../../src/cli/main.ts';
import {
  commandForm,
  isIgnored,
  last,
  parseCopy,
  parseDockerfile,
  parseEnv,
  parseHealthcheck,
  readDockerignore,
  sourceOf,
  type Dockerfile,
  type Stage,
} from '../helpers/dockerfile.ts';
import { ROOT } from '../helpers/golden.ts';

type Environment = Record<string, string | number | boolean | null> | string[];
type VolumeEntry = string | { type?: string; source?: string; target?: string };
type PortEntry =
  string | number | { target?: number | string; published?: number | string; protocol?: string };

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Environment;
  volumes?: VolumeEntry[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  ports?: PortEntry[];
  healthcheck?: { test?: string | string[]; disable?: boolean };
}

interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const DOCKER_DIR = join(ROOT, 'docker');
const GATEWAY_DOCKERFILE = join(DOCKER_DIR, 'Dockerfile');
const COMPOSE_FILE = join(DOCKER_DIR, 'compose.yaml');

// Compose resolves `<<` merge keys (YAML 1.1), which YAML 1.2 parsers leave alone unless asked.
const compose = parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as Compose;
const gateway = parseDockerfile(readFileSync(GATEWAY_DOCKERFILE, 'utf8'));
const runtime = gateway.stages.at(-1)!;

/** The build context and Dockerfile of a service, resolved as Compose does (context from the compose file's
 * folder, dockerfile from the context). */
function buildOf(service: Service): { context: string; dockerfile: string } | undefined {
  if (service.build === undefined) return undefined;
  const b = typeof service.build === 'string' ? { context: service.build } : service.build;
  const context = resolve(DOCKER_DIR, b.context ?? '.');
  return { context, dockerfile: resolve(context, b.dockerfile ?? 'Dockerfile') };
}

const gatewayImages = new Set(
  Object.values(compose.services)
    .filter((s) => buildOf(s)?.dockerfile === GATEWAY_DOCKERFILE && s.image !== undefined)
    .map((s) => s.image!),
);

/** Services that run the gateway image: built from docker/Dockerfile, or named by its tag. */
function gatewayServices(): [string, Service][] {
  return Object.entries(compose.services).filter(
    ([, s]) =>
      buildOf(s)?.dockerfile === GATEWAY_DOCKERFILE || (s.image !== undefined && gatewayImages.has(s.image)),
  );
}

/** Every Dockerfile this directory builds, with its context: compose's builds, and docker/Dockerfile. */
function dockerfiles(): { name: string; file: Dockerfile; path: string; context: string }[] {
  const builds = new Map<string, string>([[GATEWAY_DOCKERFILE, ROOT]]);
  for (const s of Object.values(compose.services)) {
    const b = buildOf(s);
    if (b && existsSync(b.dockerfile)) builds.set(b.dockerfile, b.context);
  }
  return [...builds].map(([path, context]) => ({
    name: relative(ROOT, path),
    path,
    context,
    file: parseDockerfile(readFileSync(path, 'utf8')),
  }));
}

function environment(service: Service): Map<string, string> {
  const env = new Map<string, string>();
  const e = service.environment ?? {};
  if (Array.isArray(e)) {
    for (const item of e) {
      const eq = item.indexOf('=');
      env.set(eq < 0 ? item : item.slice(0, eq), eq < 0 ? '' : item.slice(eq + 1));
    }
  } else {
    for (const [k, v] of Object.entries(e)) env.set(k, v == null ? '' : String(v));
  }
  return env;
}

/** The environment the runtime stage sets (later ENVs win). */
function imageEnv(): Map<string, string> {
  return new Map(
    runtime.instructions.filter((i) => i.keyword === 'ENV').flatMap((i) => [...parseEnv(i.args)]),
  );
}

function argv(value: string | string[]): string[] {
  return typeof value === 'string' ? commandForm(value).argv : value;
}

function stageArgv(stage: Stage, keyword: 'ENTRYPOINT' | 'CMD'): string[] {
  const i = last(stage, keyword);
  return i ? commandForm(i.args).argv : [];
}

/** The arguments after the dockside script in a command line, or undefined when it does not run dockside. */
function docksideArgs(line: string[]): string[] | undefined {
  const at = line.findIndex((w) => w === 'dockside' || w.endsWith('bin/dockside.js'));
  return at < 0 ? undefined : line.slice(at + 1);
}

interface Volume {
  kind: 'named' | 'bind' | 'anonymous';
  source: string;
  target: string;
}

function volumes(service: Service): Volume[] {
  return (service.volumes ?? []).map((v) => {
    if (typeof v !== 'string') {
      const kind = v.type === 'bind' ? 'bind' : v.source ? 'named' : 'anonymous';
      return { kind, source: v.source ?? '', target: v.target ?? '' };
    }
    const [source, target] = v.split(':');
    if (target === undefined) return { kind: 'anonymous', source: '', target: source! };
    return { kind: /^[./~]/.test(source!) ? 'bind' : 'named', source: source!, target };
  });
}

function allCommands(c: Command, path: string[] = []): { path: string[]; command: Command }[] {
  return c.commands.flatMap((sub) => {
    const p = [...path, sub.name()];
    return [{ path: p, command: sub }, ...allCommands(sub, p)];
  });
}

/** What is wrong with running `dockside ...args`: unknown commands, options, option values, missing
 * arguments. Empty when commander would accept it. */
function invocationProblems(program: Command, args: string[]): string[] {
  const problems: string[] = [];
  const chain: Command[] = [program];
  let i = 0;
  for (; i < args.length && !args[i]!.startsWith('-'); i++) {
    const here = chain.at(-1)!;
    const sub = here.commands.find((c) => c.name() === args[i] || c.aliases().includes(args[i]!));
    if (!sub) break;
    chain.push(sub);
  }
  const command = chain.at(-1)!;
  const name = ['dockside', ...chain.slice(1).map((c) => c.name())].join(' ');
  if (command === program) return [`dockside has no command "${args[0] ?? ''}"`];
  // commander has no public getter for a default subcommand or for allowExcessArguments.
  const defaultSub = (command as unknown as { _defaultCommandName?: string | null })._defaultCommandName;
  if (command.commands.length > 0 && !defaultSub) {
    problems.push(`${name} needs a subcommand, one of ${command.commands.map((c) => c.name()).join(', ')}`);
  }
  const positionals: string[] = [];
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      positionals.push(a);
      continue;
    }
    const [flag, inline] =
      a.startsWith('--') && a.includes('=')
        ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
        : [a, undefined];
    const option: Option | undefined = [...chain]
      .reverse()
      .flatMap((c) => c.options)
      .find((o) => o.long === flag || o.short === flag);
    if (!option) {
      problems.push(`${name} has no option ${flag}`);
      continue;
    }
    let value = inline;
    if (value === undefined && option.required) value = args[++i];
    if (
      value === undefined &&
      option.optional &&
      args[i + 1] !== undefined &&
      !args[i + 1]!.startsWith('-')
    ) {
      value = args[++i];
    }
    if (option.required && value === undefined) problems.push(`${name} ${flag} needs a value`);
    if (value !== undefined && option.argChoices && !option.argChoices.includes(value)) {
      problems.push(`${name} ${flag} ${value}: not one of ${option.argChoices.join(', ')}`);
    }
  }
  const declared = command.registeredArguments;
  const required = declared.filter((a) => a.required).length;
  if (positionals.length < required) problems.push(`${name} needs ${required} argument(s)`);
  const excessAllowed = (command as unknown as { _allowExcessArguments?: boolean })._allowExcessArguments;
  if (!excessAllowed && !declared.some((a) => a.variadic) && positionals.length > declared.length) {
    problems.push(`${name} takes ${declared.length} argument(s), got ${positionals.length}`);
  }
  positionals.forEach((value, n) => {
    const choices = (declared[n] ?? (declared.at(-1)?.variadic ? declared.at(-1) : undefined))?.argChoices;
    if (choices && !choices.includes(value))
      problems.push(`${name} ${value}: not one of ${choices.join(', ')}`);
  });
  return problems;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.[cm]?[jt]s$/.test(f))
    .map((f) => join(dir, f));
}

describe('docker files', () => {
  it('copies only paths that exist and .dockerignore lets through, and builds from files that exist', () => {
    const problems: string[] = [];
    for (const [name, service] of Object.entries(compose.services)) {
      const b = buildOf(service);
      if (!b) continue;
      if (!existsSync(b.context) || !statSync(b.context).isDirectory()) {
        problems.push(`${name}: build context ${relative(ROOT, b.context)} is not a directory`);
      }
      if (!existsSync(b.dockerfile)) problems.push(`${name}: no Dockerfile ${relative(ROOT, b.dockerfile)}`);
    }
    for (const { name, path, context, file } of dockerfiles()) {
      // BuildKit prefers <Dockerfile>.dockerignore next to the Dockerfile to the context's .dockerignore.
      const own = `${path}.dockerignore`;
      const ignore = readDockerignore(existsSync(own) ? own : join(context, '.dockerignore'));
      for (const i of file.instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')) {
        const copy = parseCopy(i);
        const from = copy.flags.get('from');
        if (typeof from === 'string') {
          const earlier = file.stages
            .slice(0, i.stage)
            .some((s) => s.name === from || String(s.index) === from);
          // A bare name that is not a stage would be pulled as an image from Docker Hub.
          if (!earlier && !/[:/]/.test(from)) {
            problems.push(`${name}:${i.line}: --from=${from} names no earlier stage`);
          }
          continue;
        }
        for (const source of copy.sources) {
          if (/^https?:\/\//.test(source)) continue;
          if (!existsSync(join(context, source))) {
            problems.push(`${name}:${i.line}: ${source} does not exist`);
          } else if (isIgnored(ignore, source)) {
            problems.push(`${name}:${i.line}: ${source} is in .dockerignore`);
          }
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it('runs as a user that is not root and checks its health with a dockside command', () => {
    const user = last(runtime, 'USER');
    assert.ok(user, 'the runtime stage has no USER');
    const [name, group] = user.args.split(':');
    assert.ok(!['root', '0'].includes(name!) && !['root', '0'].includes(group ?? ''), `USER ${user.args}`);

    const health = last(runtime, 'HEALTHCHECK');
    assert.ok(health, 'the runtime stage has no HEALTHCHECK');
    const { command } = parseHealthcheck(health);
    assert.ok(command, 'HEALTHCHECK NONE');
    const args = docksideArgs(command.argv);
    assert.ok(
      args && args.length > 0,
      `HEALTHCHECK does not run a dockside command: ${command.argv.join(' ')}`,
    );
  });

  it('starts a dockside script that the image contains, from its WORKDIR', () => {
    const entrypoint = stageArgv(runtime, 'ENTRYPOINT');
    const script = entrypoint.find((w) => w.endsWith('bin/dockside.js'));
    assert.ok(script, `ENTRYPOINT does not run bin/dockside.js: ${entrypoint.join(' ')}`);
    const entry = last(runtime, 'ENTRYPOINT')!;
    const inImage = posix.resolve(entry.workdir, script);
    const source = sourceOf(runtime, ROOT, inImage);
    assert.ok(source, `nothing is copied to ${inImage}`);
    assert.equal(relative(ROOT, source), 'bin/dockside.js');
    // The script is ESM and src/cli/main.ts reads its version from there.
    assert.ok(
      sourceOf(runtime, ROOT, posix.join(entry.workdir, 'package.json')),
      'package.json is not copied',
    );
  });

  it('names only dockside commands and options that the CLI has', () => {
    const program = buildProgram();
    const entrypoint = stageArgv(runtime, 'ENTRYPOINT');
    const invocations: [string, string[] | undefined][] = [
      ['Dockerfile ENTRYPOINT + CMD', docksideArgs([...entrypoint, ...stageArgv(runtime, 'CMD')])],
    ];
    const health = last(runtime, 'HEALTHCHECK');
    if (health) {
      invocations.push([
        'Dockerfile HEALTHCHECK',
        docksideArgs(parseHealthcheck(health).command?.argv ?? []),
      ]);
    }
    for (const [name, s] of gatewayServices()) {
      const line = [
        ...(s.entrypoint !== undefined ? argv(s.entrypoint) : entrypoint),
        ...(s.command !== undefined ? argv(s.command) : stageArgv(runtime, 'CMD')),
      ];
      invocations.push([`compose ${name} command`, docksideArgs(line)]);
      const test = s.healthcheck?.test;
      if (Array.isArray(test) && test[0] === 'CMD') {
        invocations.push([`compose ${name} healthcheck`, docksideArgs(test.slice(1))]);
      }
    }
    assert.ok(invocations.length >= 4, 'expected the Dockerfile and at least two gateway services');

    const problems = invocations.flatMap(([where, args]) =>
      args === undefined
        ? [`${where}: does not run dockside`]
        : invocationProblems(program, args).map((p) => `${where}: ${p}`),
    );
    assert.deepEqual(
      problems,
      [],
      `the CLI has: ${allCommands(program)
        .map((c) => c.path.join(' '))
        .join('; ')}`,
    );
  });

  it('sets only environment variables that src/ reads and both READMEs document', () => {
    const names = new Set<string>();
    for (const i of gateway.instructions.filter((i) => i.keyword === 'ENV')) {
      for (const k of parseEnv(i.args).keys()) names.add(k);
    }
    for (const [, s] of gatewayServices()) for (const k of environment(s).keys()) names.add(k);
    assert.ok(names.has('DATABASE_URL') && names.has('DOCKSIDE_DATA_DIR'), 'found no variables to check');

    const code = sourceFiles(join(ROOT, 'src'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const dockerReadme = readFileSync(join(DOCKER_DIR, 'README.md'), 'utf8');
    const problems: string[] = [];
    for (const name of [...names].sort()) {
      if (!new RegExp(`env\\.${name}\\b|['"\`]${name}['"\`]`).test(code)) {
        problems.push(`${name}: not read in src/`);
      }
      const word = new RegExp(`\\b${name}\\b`);
      if (!word.test(readme)) problems.push(`${name}: not in README.md`);
      if (!word.test(dockerReadme)) problems.push(`${name}: not in docker/README.md`);
    }
    assert.deepEqual(problems, []);
  });

  it('declares every named volume and mounts only host paths that exist', () => {
    const declared = new Set(Object.keys(compose.volumes ?? {}));
    const problems: string[] = [];
    for (const [name, s] of Object.entries(compose.services)) {
      for (const v of volumes(s)) {
        if (v.kind === 'named' && !declared.has(v.source)) {
          problems.push(`${name}: volume ${v.source} not declared`);
        }
        if (v.kind === 'bind' && !existsSync(resolve(DOCKER_DIR, v.source))) {
          problems.push(`${name}: bind source ${v.source} does not exist`);
        }
        if (!posix.isAbsolute(v.target)) problems.push(`${name}: mount target ${v.target} is not absolute`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('depends only on services that exist, waiting for health only where there is a health check', () => {
    const conditions = ['service_started', 'service_healthy', 'service_completed_successfully'];
    const problems: string[] = [];
    for (const [name, s] of Object.entries(compose.services)) {
      const deps = Array.isArray(s.depends_on)
        ? s.depends_on.map((d) => [d, 'service_started'] as const)
        : Object.entries(s.depends_on ?? {}).map(([d, v]) => [d, v.condition ?? 'service_started'] as const);
      for (const [target, condition] of deps) {
        const t = compose.services[target];
        if (!t) {
          problems.push(`${name}: depends on ${target}, which is not a service`);
          continue;
        }
        if (!conditions.includes(condition)) problems.push(`${name}: unknown condition ${condition}`);
        const inImage = gatewayServices().some(([n]) => n === target) && last(runtime, 'HEALTHCHECK');
        if (
          condition === 'service_healthy' &&
          (t.healthcheck?.disable || !(t.healthcheck?.test || inImage))
        ) {
          problems.push(`${name}: waits for ${target} to be healthy, which has no health check`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it('publishes only valid port mappings, to ports the image exposes', () => {
    const problems: string[] = [];
    const valid = (p: string) => /^\d+(-\d+)?$/.test(p) && p.split('-').every((n) => +n >= 1 && +n <= 65535);
    let published = 0;
    for (const [name, s] of Object.entries(compose.services)) {
      const b = buildOf(s);
      const exposed = b
        ? parseDockerfile(readFileSync(b.dockerfile, 'utf8'))
            .instructions.filter((i) => i.keyword === 'EXPOSE')
            .flatMap((i) => i.args.split(/\s+/).map((p) => p.split('/')[0]!))
        : undefined;
      for (const p of s.ports ?? []) {
        published++;
        let host: string | undefined;
        let container: string;
        if (typeof p === 'object') {
          container = String(p.target ?? '');
          host = p.published === undefined ? undefined : String(p.published);
        } else {
          // [ip:]host:container[/protocol], or a bare container port; an IPv6 address sits in brackets.
          const m = /^(?:(?:\[[^\]]+\]|[\d.]+):)?(?:([^:]*):)?([^:/]+)(?:\/(tcp|udp))?$/.exec(String(p));
          if (!m) {
            problems.push(`${name}: cannot read port ${String(p)}`);
            continue;
          }
          host = m[1] === '' ? undefined : m[1];
          container = m[2]!;
        }
        if (!valid(container) || (host !== undefined && !valid(host))) {
          problems.push(`${name}: ${JSON.stringify(p)} is not a valid mapping`);
        }
        if (exposed && !exposed.includes(container)) {
          problems.push(`${name}: publishes ${container}, which its Dockerfile does not EXPOSE`);
        }
      }
    }
    assert.ok(published > 0, 'expected partner-sftp to publish a port');
    assert.deepEqual(problems, []);
  });

  it('gives gateway-1 and gateway-2 one data volume, one database and one Redis', () => {
    const pair = ['gateway-1', 'gateway-2'].map((n) => {
      const s = compose.services[n];
      assert.ok(s, `no service ${n}`);
      const env = environment(s);
      const dataDir = env.get('DOCKSIDE_DATA_DIR') ?? imageEnv().get('DOCKSIDE_DATA_DIR');
      assert.ok(dataDir, `${n}: no DOCKSIDE_DATA_DIR`);
      const mount = volumes(s).find((v) => v.target === dataDir);
      assert.ok(mount, `${n}: nothing is mounted at DOCKSIDE_DATA_DIR ${dataDir}`);
      assert.equal(mount.kind, 'named', `${n}: the data directory is not on a named volume`);
      for (const v of ['DATABASE_URL', 'REDIS_URL']) assert.ok(env.get(v), `${n}: ${v} is not set`);
      return { volume: mount.source, db: env.get('DATABASE_URL'), redis: env.get('REDIS_URL') };
    });
    assert.deepEqual(pair[0], pair[1]);
  });

  it('keeps DOCKSIDE_DATA_DIR on a volume of the image', () => {
    const dataDir = imageEnv().get('DOCKSIDE_DATA_DIR');
    assert.ok(dataDir, 'the runtime stage sets no DOCKSIDE_DATA_DIR');
    const declared = runtime.instructions
      .filter((i) => i.keyword === 'VOLUME')
      .flatMap((i) => commandForm(i.args).argv);
    assert.ok(declared.includes(dataDir), `VOLUME ${declared.join(' ')} does not hold ${dataDir}`);
  });

  it('imports at run time only production dependencies (the image installs no others)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    const deps = new Set(Object.keys(pkg.dependencies ?? {}));
    const problems: string[] = [];
    for (const file of [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'bin'))]) {
      const text = readFileSync(file, 'utf8');
      // `import type` is erased; any other import or export ... from loads the package.
      const specifiers = [
        ...text.matchAll(/^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm),
        ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
      ].map((m) => m[1]!);
      for (const s of specifiers) {
        if (s.startsWith('.') || s.startsWith('/') || s.startsWith('node:') || builtinModules.includes(s))
          continue;
        const name = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!;
        if (!deps.has(name)) problems.push(`${relative(ROOT, file)}: imports ${name}, not a dependency`);
      }
    }
    assert.deepEqual(problems, []);
  });
});
