// The loader's problems as data: for the partner files of a directory that do not load, and for a proposed
// file's text checked before anyone saves it. The loader itself (load.ts) reads files and words each problem
// as `file:line:col: path message`; these go through it, so that what is said here is exactly what the
// gateway says when it refuses the file, and take each message apart again.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { parseDocument } from 'yaml';
import { GatewayError } from '../errors.ts';
import { certificateWarnings } from './describe.ts';
import { readPartnerDirectory, validatePartnerFiles, type LoadPartnersOptions } from './load.ts';

export type FileProblemCode =
  | 'yaml-syntax'
  | 'unknown-setting'
  | 'missing-setting'
  | 'duplicate-id'
  | 'duplicate-identity'
  | 'duplicate-as2-id'
  | 'secret-unresolved'
  | 'unreadable'
  | 'invalid';

export interface FileProblem {
  line: number | null;
  column: number | null;
  /** The setting, as the message names it (`channels.inbound[0].port`); null for the whole file or a YAML
   * syntax error. */
  path: string | null;
  /** The loader's message without the file and position in front. */
  message: string;
  code: FileProblemCode;
}

export interface FileProblems {
  /** The file's path relative to the partner directory. */
  file: string;
  errors: FileProblem[];
}

const PARTNER_FILE = /\.ya?ml$/;

/** Every file of the directory that the gateway would refuse, with its problems, in file name order. A
 * directory that cannot be read is one problem of the file `.`. */
export function directoryProblems(dir: string, load: LoadPartnersOptions): FileProblems[] {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((f) => PARTNER_FILE.test(f))
      .sort();
  } catch (e) {
    const message = `cannot read the partner directory ${dir}: ${(e as Error).message}`;
    return [{ file: '.', errors: [{ line: null, column: null, path: null, message, code: 'unreadable' }] }];
  }
  const files = names.map((name) => join(dir, name));
  const { errors } = validatePartnerFiles(files, load);
  return files
    .map((file, i) => ({ file: names[i]!, errors: problemsOf(file, errors, dir) }))
    .filter((f) => f.errors.length > 0);
}

export interface TextValidation {
  valid: boolean;
  /** The id the text gives the partner, when it names one. */
  partnerId?: string;
  errors: FileProblem[];
  /** For a valid file: certificates that have expired or are about to. */
  warnings: string[];
}

/**
 * Checks a proposed partner file as `dockside partners validate` would with it in the directory: on its own
 * (secret references resolved now), then against the directory's other files for a repeated id, ISA identity
 * or AS2 id. `fileName` is the file it would replace, left out of the comparison. Nothing in the directory is
 * written: the loader reads files, so the text goes into a private temporary folder, removed afterwards.
 */
export function validatePartnerText(
  text: string,
  o: { dir: string; fileName?: string; load: LoadPartnersOptions; now: Date },
): TextValidation {
  const name = o.fileName ?? 'proposed.yaml';
  if (!/^[^/\\]+\.ya?ml$/.test(name) || name.startsWith('.')) {
    throw new GatewayError(
      'usage',
      `${name}: a partner file name is NAME.yaml or NAME.yml, without folders`,
      false,
    );
  }
  let others: string[] = [];
  try {
    others = readdirSync(o.dir)
      .filter((f) => PARTNER_FILE.test(f) && f !== name)
      .sort()
      .map((f) => join(o.dir, f));
  } catch {
    // Without a directory there is nothing to collide with; the file is still checked on its own.
  }
  const scratch = mkdtempSync(join(tmpdir(), 'dockside-validate-'));
  try {
    const file = join(scratch, name);
    writeFileSync(file, text, { mode: 0o600 });
    // Last, so that a repeated id or identity is reported in this file rather than in the one it repeats.
    const { errors } = validatePartnerFiles([...others, file], { ...o.load, checkSecrets: true });
    const problems = problemsOf(file, errors, o.dir, text);
    const partnerId = idOf(text);
    let warnings: string[] = [];
    if (problems.length === 0) {
      const alone = readPartnerDirectory(scratch, o.load).directory?.all()[0];
      if (alone) warnings = certificateWarnings(alone, o.now);
    }
    return {
      valid: problems.length === 0,
      ...(partnerId !== undefined ? { partnerId } : {}),
      errors: problems,
      warnings,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function idOf(text: string): string | undefined {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return undefined;
  const id: unknown = doc.get('id');
  return typeof id === 'string' ? id : undefined;
}

/** The ways the loader may have named a file: relative to the working directory when under it, else
 * absolute (load.ts shownPath); the longest first, so that one is not taken for the start of another. */
function shownForms(file: string): string[] {
  const abs = resolve(file);
  const rel = relative(process.cwd(), abs);
  return [...new Set([abs, rel])].filter(Boolean).sort((a, b) => b.length - a.length);
}

const POSITIONED = /^:(\d+):(\d+): ([\s\S]*)$/;
// A setting as the loader writes it: keys joined by dots, list positions in brackets.
const SETTING = /^[A-Za-z_$][\w$-]*(?:\.[^\s.[\]]+|\[\d+\])*$/;

/** The problems of one file among the loader's messages for several, with other files named relative to the
 * partner directory. */
function problemsOf(file: string, messages: string[], dir: string, text?: string): FileProblem[] {
  const forms = shownForms(file);
  const dirForms = shownForms(dir).map((d) => d + sep);
  let syntax: boolean | undefined;
  const out: FileProblem[] = [];
  for (const raw of messages) {
    const form = forms.find((f) => raw.startsWith(`${f}:`));
    if (form === undefined) continue;
    let rest = raw.slice(form.length);
    for (const d of dirForms) rest = rest.split(d).join('');
    const positioned = POSITIONED.exec(rest);
    if (!positioned) {
      out.push({
        line: null,
        column: null,
        path: null,
        message: rest.replace(/^:\s*/, ''),
        code: 'unreadable',
      });
      continue;
    }
    const message = positioned[3]!;
    // The loader stops at YAML syntax errors, so a file that does not parse has only those.
    syntax ??= hasSyntaxErrors(text ?? readText(file));
    const first = message.split(' ', 1)[0]!;
    out.push({
      line: Number(positioned[1]),
      column: Number(positioned[2]),
      path: syntax || message.startsWith('the file ') || !SETTING.test(first) ? null : first,
      message,
      code: syntax ? 'yaml-syntax' : codeOf(message),
    });
  }
  return out;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function hasSyntaxErrors(text: string): boolean {
  return parseDocument(text, { prettyErrors: false }).errors.length > 0;
}

function codeOf(message: string): FileProblemCode {
  if (/^id \S+ is already used by /.test(message)) return 'duplicate-id';
  if (/ ISA identity .* is already claimed by /.test(message)) return 'duplicate-identity';
  if (/^as2\.as2Id .* is already used by /.test(message)) return 'duplicate-as2-id';
  if (/ is not a known setting/.test(message)) return 'unknown-setting';
  if (/ must have required property /.test(message)) return 'missing-setting';
  if (/ does not resolve/.test(message)) return 'secret-unresolved';
  return 'invalid';
}
