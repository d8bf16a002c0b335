// A small Dockerfile reader for the tests: enough of the reference syntax (parser directives, comments,
// line continuations, exec and shell forms, flags) to check what our own Dockerfiles say. What it does not
// understand (heredocs, ARG expansion) it refuses, so a test fails instead of checking a misreading.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';

export interface Instruction {
  /** Upper case: FROM, RUN, COPY, … */
  keyword: string;
  /** Everything after the keyword, continuation lines joined with a space, comment lines dropped. */
  args: string;
  /** 1-based line of the keyword. */
  line: number;
  /** Index of the stage (FROM) it belongs to; -1 for ARGs before the first FROM. */
  stage: number;
  /** The WORKDIR in effect when the instruction runs. */
  workdir: string;
}

export interface Stage {
  index: number;
  name: string | undefined;
  image: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  instructions: Instruction[];
  stages: Stage[];
}

export interface CommandForm {
  /** JSON array (exec form) rather than a string for /bin/sh -c. */
  exec: boolean;
  argv: string[];
}

export function parseDockerfile(text: string): Dockerfile {
  const lines = text.split(/\r?\n/);
  let escape = '\\';
  let i = 0;
  // Parser directives: only at the very top, before any other comment, blank line or instruction.
  for (; i < lines.length; i++) {
    const m = /^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$/.exec(lines[i]!);
    if (!m) break;
    if (m[1]!.toLowerCase() === 'escape') escape = m[2]!;
  }
  const continuation = new RegExp(`${escape.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}[ \\t]*$`);

  const instructions: Instruction[] = [];
  const stages: Stage[] = [];
  let workdir = '/';
  for (; i < lines.length; i++) {
    const first = lines[i]!;
    if (/^\s*(#|$)/.test(first)) continue;
    const start = i + 1;
    let text = first;
    // Docker drops comment and blank lines inside a continued instruction rather than ending it there.
    while (continuation.test(text)) {
      text = text.replace(continuation, ' ');
      i++;
      while (i < lines.length && /^\s*(#|$)/.test(lines[i]!)) i++;
      if (i >= lines.length) throw new Error(`line ${start}: the file ends inside a continued instruction`);
      text += lines[i]!;
    }
    const m = /^\s*([A-Za-z]+)(?:\s+([\s\S]*))?$/.exec(text);
    if (!m) throw new Error(`line ${start}: not an instruction: ${first}`);
    const keyword = m[1]!.toUpperCase();
    const args = (m[2] ?? '').trim();
    if (/<<-?\s*["']?\w+/.test(args) && ['RUN', 'COPY', 'ADD'].includes(keyword)) {
      throw new Error(`line ${start}: heredocs are not supported by this parser`);
    }
    if (/\$\{?\w/.test(args) && ['FROM', 'COPY', 'ADD', 'WORKDIR', 'USER', 'VOLUME'].includes(keyword)) {
      throw new Error(`line ${start}: variable expansion in ${keyword} is not supported by this parser`);
    }
    if (keyword === 'FROM') {
      const words = splitWords(args).filter((w) => !w.startsWith('--'));
      const as = words.findIndex((w) => w.toLowerCase() === 'as');
      workdir = '/';
      stages.push({
        index: stages.length,
        name: as >= 0 ? words[as + 1] : undefined,
        image: words[0] ?? '',
        instructions: [],
      });
    } else if (keyword === 'WORKDIR') {
      workdir = posix.resolve(workdir, args);
    }
    const instruction = { keyword, args, line: start, stage: stages.length - 1, workdir };
    instructions.push(instruction);
    stages.at(-1)?.instructions.push(instruction);
  }
  return { instructions, stages };
}

/** Shell-like words: whitespace separated, with single and double quotes and backslash escapes. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unclosed quote in: ${text}`);
  if (inWord) words.push(word);
  return words;
}

/** Leading `--name=value` / `--name` flags, as COPY, ADD, RUN and HEALTHCHECK take them. */
export function splitFlags(args: string): { flags: Map<string, string | true>; rest: string } {
  const flags = new Map<string, string | true>();
  let rest = args;
  for (;;) {
    const m = /^--([a-z-]+)(?:=(\S*))?(?:\s+|$)/.exec(rest);
    if (!m) break;
    flags.set(m[1]!, m[2] ?? true);
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}

/** Docker's rule: a JSON array of strings is the exec form; anything else is handed to a shell. */
export function commandForm(text: string): CommandForm {
  if (text.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed) && parsed.every((a) => typeof a === 'string')) {
        return { exec: true, argv: parsed };
      }
    } catch {
      // Not JSON: Docker runs it through the shell, and so do we.
    }
  }
  return { exec: false, argv: splitWords(text) };
}

/** `ENV A=1 B="two words"`, or the legacy `ENV A one value`. */
export function parseEnv(args: string): Map<string, string> {
  const env = new Map<string, string>();
  const words = splitWords(args);
  if (words[0] !== undefined && !words[0].includes('=')) {
    env.set(words[0], words.slice(1).join(' '));
    return env;
  }
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new Error(`ENV: not NAME=value: ${w}`);
    env.set(w.slice(0, eq), w.slice(eq + 1));
  }
  return env;
}

export interface Copy {
  instruction: Instruction;
  flags: Map<string, string | true>;
  sources: string[];
  /** Absolute path in the image. */
  dest: string;
  /** The destination is a directory: it ends with a slash, or there is more than one source. */
  destIsDir: boolean;
}

export function parseCopy(instruction: Instruction): Copy {
  const { flags, rest } = splitFlags(instruction.args);
  const { argv } = commandForm(rest);
  if (argv.length < 2)
    throw new Error(`line ${instruction.line}: ${instruction.keyword} needs a source and a dest`);
  const rawDest = argv.at(-1)!;
  const sources = argv.slice(0, -1);
  return {
    instruction,
    flags,
    sources,
    dest: posix.resolve(instruction.workdir, rawDest),
    destIsDir: rawDest.endsWith('/') || sources.length > 1,
  };
}

export interface Healthcheck {
  flags: Map<string, string | true>;
  /** undefined for HEALTHCHECK NONE. */
  command: CommandForm | undefined;
}

export function parseHealthcheck(instruction: Instruction): Healthcheck {
  const { flags, rest } = splitFlags(instruction.args);
  const m = /^(\w+)\s*([\s\S]*)$/.exec(rest);
  const kind = m?.[1]?.toUpperCase();
  if (kind === 'NONE') return { flags, command: undefined };
  if (kind !== 'CMD') throw new Error(`line ${instruction.line}: HEALTHCHECK needs CMD or NONE`);
  return { flags, command: commandForm(m![2]!) };
}

/** The last value of one instruction in a stage (ENTRYPOINT, CMD, USER, HEALTHCHECK), if any. */
export function last(stage: Stage, keyword: string): Instruction | undefined {
  return stage.instructions.filter((i) => i.keyword === keyword).at(-1);
}

/**
 * The file in the build context that a COPY (not --from) puts at an absolute image path, or undefined when
 * no COPY in the stage provides it. Later COPYs win, as they overwrite earlier ones.
 */
export function sourceOf(stage: Stage, context: string, imagePath: string): string | undefined {
  const copies = stage.instructions
    .filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')
    .map(parseCopy)
    .filter((c) => !c.flags.has('from'))
    .reverse();
  for (const copy of copies) {
    for (const source of copy.sources) {
      const local = join(context, source);
      if (!existsSync(local)) continue;
      if (statSync(local).isDirectory()) {
        // A directory's contents land in dest, not the directory itself.
        const rel = posix.relative(copy.dest, imagePath);
        if (rel !== '' && !rel.startsWith('..') && !posix.isAbsolute(rel)) {
          const candidate = join(local, rel);
          if (existsSync(candidate)) return candidate;
        }
      } else {
        const target = copy.destIsDir ? posix.join(copy.dest, posix.basename(source)) : copy.dest;
        if (target === imagePath) return local;
      }
    }
  }
  return undefined;
}

/**
 * Whether .dockerignore keeps a context path out of the build, with Docker's rules: patterns are relative to
 * the context, `**` spans directories, a pattern that matches a parent directory excludes what is inside
 * it, `!` re-includes, and the last matching pattern wins.
 */
export function isIgnored(patterns: string[], path: string): boolean {
  const parts = posix
    .normalize(path)
    .replace(/^\/+|\/+$/g, '')
    .split('/');
  let ignored = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const pattern = posix.normalize((negate ? raw.slice(1) : raw).trim()).replace(/^\/+|\/+$/g, '');
    if (pattern === '' || pattern === '.') continue;
    const re = globToRegExp(pattern);
    for (let n = 1; n <= parts.length; n++) {
      if (re.test(parts.slice(0, n).join('/'))) {
        ignored = !negate;
        break;
      }
    }
  }
  return ignored;
}

export function readDockerignore(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      i++;
      if (pattern[i + 1] === '/') {
        i++;
        re += '(?:.*/)?';
      } else {
        re += '.*';
      }
    } else if (c === '*') {
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else {
      re += c.replace(/[\\^$.+()[\]{}|]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}
