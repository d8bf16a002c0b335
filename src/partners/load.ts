// Reads partners/*.yaml into a PartnerDirectory. Every problem names the file, line and column; all files
// are checked before any error is raised so the author sees every problem at once.
import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { LineCounter, parseDocument, isMap, isNode, isScalar, type Document } from 'yaml';
import ssh2 from 'ssh2';
import { checkCsvMapping, type CsvMapping, type RawCsvMapping } from '../csv/mapping.ts';
import { GatewayError, errorMessage } from '../errors.ts';
// The hosted server owns the hash format; the loader checks a hash the way a login will read it.
import { parsePasswordHash } from '../transports/hosted-sftp/password.ts';
import {
  StaticPartnerDirectory,
  identityKey,
  type FtpEndpoint,
  type HostedLogin,
  type InboundChannel,
  type OutboundChannel,
  type Partner,
  type ReadLock,
  type Completion,
  type SftpEndpoint,
  RESERVED_PARTNER_IDS,
} from './partner.ts';
import {
  checkAsyncMdnUrlsAgainstOurs,
  readAs2Outbound,
  readAs2Settings,
  type RawAs2,
  type RawAs2Outbound,
} from './as2.ts';
import { resolveSecret } from './secrets.ts';
import { compileOverlays, type BaseSpecs } from './specs.ts';
import { editDistance } from '../csv/edit-distance.ts';

export interface LoadPartnersOptions {
  /** Relative channel paths are taken from here (the gateway's data directory); host keys learned on first
   * use are kept under it. */
  dataDir: string;
  /** The hosted SFTP server's root, holding one folder per partner (default `<dataDir>/hosted`). */
  hostedRoot?: string;
  /** Where `env:` references are looked up (default the process environment). */
  env?: NodeJS.ProcessEnv;
  /** Check that the channels' secret references resolve now (`partners validate`). Off, they are resolved at
   * each connection, so that a rotated secret is picked up and a missing one stops only its channel; the
   * hosted login's are always resolved, as the server checks logins against values. */
  checkSecrets?: boolean;
  /** The standard specs: given, each spec overlay is applied and compiled, and one that widens the standard
   * or names no known spec or position is an error of the file. */
  specs?: BaseSpecs;
}

/** The JSON Schema of a partner file; the YAML files name it too, so that editors complete and check them. */
export const PARTNER_SCHEMA_FILE = fileURLToPath(new URL('../../partners/schema.json', import.meta.url));

interface SchemaNode {
  pattern?: string;
  const?: string;
  properties?: Record<string, SchemaNode>;
  oneOf?: SchemaNode[];
  items?: SchemaNode;
}

interface PartnerSchema extends SchemaNode {
  $defs: Record<string, SchemaNode>;
}

// Read once: the loader runs at every reload, the schema changes only with the code.
const PARTNER_SCHEMA = JSON.parse(readFileSync(PARTNER_SCHEMA_FILE, 'utf8')) as PartnerSchema;
// verbose: an unknown key's message suggests a known one from the schema around it.
const ajv = new Ajv2020({
  allErrors: true,
  useDefaults: true,
  strict: true,
  discriminator: true,
  verbose: true,
});
const validate = ajv.compile(PARTNER_SCHEMA);

export function loadPartners(dir: string, options: LoadPartnersOptions): StaticPartnerDirectory {
  const { directory, errors } = readPartnerDirectory(dir, options);
  if (!directory) {
    throw new GatewayError('config-invalid', `partner files are invalid:\n  ${errors.join('\n  ')}`, false);
  }
  return directory;
}

/** Every partner file of `dir` read and checked together; a directory only when there is no error. */
export function readPartnerDirectory(
  dir: string,
  options: LoadPartnersOptions,
): { directory?: StaticPartnerDirectory; errors: string[] } {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
  } catch (e) {
    return { errors: [`cannot read the partner directory ${dir}: ${(e as Error).message}`] };
  }
  const { partners, errors } = checkPartnerFiles(
    names.map((name) => join(dir, name)),
    options,
  );
  return errors.length > 0 ? { errors } : { directory: new StaticPartnerDirectory(partners), errors };
}

/**
 * Checks partner files without starting anything: each file on its own, then the files against each other
 * (ids and ISA identities unique among them). Messages are `file:line:col: field what is wrong`. Pass every
 * file of a directory to check it as the gateway would load it.
 */
export function validatePartnerFiles(paths: string[], options: LoadPartnersOptions): { errors: string[] } {
  return { errors: checkPartnerFiles(paths, options).errors };
}

function checkPartnerFiles(
  files: string[],
  options: LoadPartnersOptions,
): { partners: Partner[]; errors: string[] } {
  const errors: string[] = [];
  const read: ReadPartner[] = [];
  for (const file of files) {
    const r = readPartner(file, shownPath(file), options, errors);
    if (r) read.push(r);
  }
  const ids = new Map<string, string>();
  const identities = new Map<string, { at: string; partnerId: string }>();
  const as2Ids = new Map<string, { at: string; partnerId: string }>();
  for (const { partner: p, at } of read) {
    const other = ids.get(p.id);
    if (other) {
      errors.push(`${at.id}: id ${p.id} is already used by ${other}; every partner needs an id of its own`);
    } else ids.set(p.id, at.id);
    p.identities.forEach((i, n) => {
      const key = identityKey(i.qualifier, i.id);
      const owner = identities.get(key);
      if (owner) {
        errors.push(
          `${at.identities[n]!}: identities[${n}].id ISA identity ${key} is already claimed by ${owner.at} ` +
            `(partner ${owner.partnerId}); an ISA identity belongs to one partner only`,
        );
      } else identities.set(key, { at: at.identities[n]!, partnerId: p.id });
    });
    if (p.as2 && at.as2Id) {
      // The AS2 endpoint tells partners apart by AS2-From: two partners with one name could not be told apart.
      const owner = as2Ids.get(p.as2.as2Id);
      if (owner) {
        errors.push(
          `${at.as2Id}: as2.as2Id ${p.as2.as2Id} is already used by ${owner.at} (partner ${owner.partnerId}); ` +
            'an AS2 id belongs to one partner only',
        );
      } else as2Ids.set(p.as2.as2Id, { at: at.as2Id, partnerId: p.id });
    }
  }
  return { partners: read.map((r) => r.partner), errors };
}

/** A partner read from its file, with where its id and identities are written for cross-file messages. */
interface ReadPartner {
  partner: Partner;
  at: { id: string; identities: string[]; as2Id?: string };
}

type Path = (string | number)[];

interface RawPolled {
  id: string;
  pollIntervalMs: number;
  patterns: string[];
  maxFilesPerPoll: number;
  readLock: ReadLock;
  completion: Completion;
  backoffMaxMs: number;
}

interface RawSftpLogin {
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  privateKey?: string;
  passphrase?: string;
  hostKey?: { fingerprints: string[]; trustOnFirstUse: boolean };
}

interface RawFtpLogin {
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  tls?: { mode: 'explicit' | 'implicit' | 'none'; ca?: string; fingerprint?: string };
}

type RawInbound =
  | (RawPolled & { kind: 'folder'; path: string })
  | (RawPolled & RawSftpLogin & { kind: 'sftp'; directories: string[] })
  | (RawPolled & RawFtpLogin & { kind: 'ftp'; directories: string[] });

type RawOutbound =
  | { kind: 'folder'; path: string }
  | (RawSftpLogin & { kind: 'sftp'; channel?: string; directory: string })
  | (RawFtpLogin & { kind: 'ftp'; channel?: string; directory: string })
  | { kind: 'hosted' }
  | RawAs2Outbound;

interface RawPartner {
  id: string;
  name: string;
  status: Partner['status'];
  identities: Partner['identities'];
  transactionSets: Partner['transactionSets'];
  acknowledgments: Partner['acknowledgments'];
  duplicateWindowHours: number;
  specOverlays: Partner['specOverlays'];
  csv: RawCsvMapping[];
  reconciliation: Partner['reconciliation'];
  contacts: Partner['contacts'];
  channels: { inbound: RawInbound[]; outbound?: RawOutbound };
  hosted?: { passwordHash?: string; publicKeys?: string[] };
  as2?: RawAs2;
}

/** Messages for schema errors that ajv words for machines. */
const PATTERN_MESSAGES: Record<string, string> = {
  [PARTNER_SCHEMA.$defs.secret!.pattern!]:
    'must be a secret reference (env:NAME or file:/absolute/path); the secret itself does not belong in a partner file',
  [PARTNER_SCHEMA.$defs.sha256Fingerprint!.pattern!]:
    'must be an OpenSSH SHA256 fingerprint: SHA256: and 43 base64 characters, as `ssh-keygen -lf` prints it',
  [PARTNER_SCHEMA.$defs.certFingerprint!.pattern!]:
    'must be a certificate SHA-256 fingerprint, 32 hex bytes separated by colons, as `openssl x509 -noout -fingerprint -sha256` prints it',
};

const defs = PARTNER_SCHEMA.$defs;
/** What a value must look like, said after ajv's `must match pattern "…"`. */
const PATTERN_HINTS: Record<string, string> = {
  [PARTNER_SCHEMA.properties!.id!.pattern!]:
    'lower-case letters, digits and dashes, starting with a letter or digit, e.g. acme-widget',
  [defs.identity!.properties!.qualifier!.pattern!]: 'two capital letters or digits, e.g. ZZ or 01',
  [defs.channelId!.pattern!]: 'lower-case letters, digits and dashes, e.g. pull or drop-2',
  [defs.x12Set!.pattern!]: 'three digits in quotes, e.g. "856"',
  [defs.x12Version!.pattern!]:
    'six digits and an optional release, in quotes, e.g. "004010" or "005010X221A1"',
  [defs.specOverlay!.properties!.version!.pattern!]: 'six digits in quotes, e.g. "004010"',
  '^[PRECL][0-9]{4,}$':
    'an X12 syntax note: P, R, E, C or L and two-digit element positions, e.g. P0102 or C0706',
  [defs.contact!.properties!.email!.pattern!]: 'an address such as edi@partner.example',
  [defs.host!.pattern!]: 'a host name or address only, without user@, port or path',
  [defs.readLock!.properties!.doneFile!.pattern!]:
    'a file name containing {name} or {base}, without folders, e.g. {name}.done',
  [defs.as2Name!.pattern!]:
    'printable ASCII without quotes or backslashes, no space at either end, as the partner spells it, e.g. ACME-AS2',
  [defs.outbound!.oneOf!.find((o) => o.properties?.kind?.const === 'as2')!.properties!.url!.pattern!]:
    'an http:// or https:// URL, e.g. https://as2.partner.example:4080/as2',
  [defs.as2!.properties!.asyncMdnUrls!.items!.pattern!]:
    'an http:// or https:// address and path, without query, e.g. https://as2.partner.example/mdn',
};

function readPartner(
  file: string,
  shown: string,
  options: LoadPartnersOptions,
  errors: string[],
): ReadPartner | undefined {
  const lines = new LineCounter();
  let doc: Document;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  } catch (e) {
    errors.push(`${shown}: ${(e as Error).message}`);
    return undefined;
  }
  for (const e of doc.errors) {
    const at = lines.linePos(e.pos[0]);
    errors.push(`${shown}:${at.line}:${at.col}: ${e.message.split('\n')[0]}`);
  }
  if (doc.errors.length > 0) return undefined;

  /** `file:line:col: field message`, at the node of the path (or of its key, for a key that is not known). */
  const positionOf = (path: Path): string => {
    const node = doc.getIn(path, true);
    const at = isNode(node) && node.range ? lines.linePos(node.range[0]) : { line: 1, col: 1 };
    return `${shown}:${at.line}:${at.col}`;
  };
  const sourceOf = (path: Path): string => {
    const node = doc.getIn(path, true);
    return isNode(node) && node.range ? text.slice(node.range[0], node.range[1]) : '';
  };
  const located = (path: Path, message: string, atKey?: string): string => {
    let node = doc.getIn(path, true);
    const shownPath = [...path];
    if (atKey !== undefined) {
      const pair = isMap(node)
        ? node.items.find((i) => isScalar(i.key) && String(i.key.value) === atKey)
        : undefined;
      if (pair && isNode(pair.key)) node = pair.key;
      shownPath.push(atKey);
    }
    const at = isNode(node) && node.range ? lines.linePos(node.range[0]) : { line: 1, col: 1 };
    const where =
      shownPath.length > 0
        ? shownPath.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('')
        : 'the file';
    return `${shown}:${at.line}:${at.col}: ${where} ${message}`;
  };

  const raw = doc.toJS() as unknown;
  if (!validate(raw)) {
    for (const e of csvAlternatives(validate.errors ?? [])) {
      // The enum on `kind` already says what is wrong; the discriminator would say it again, less clearly.
      if (e.keyword === 'discriminator') continue;
      const path: Path = e.instancePath
        .split('/')
        .slice(1)
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
        .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
      if (e.keyword === 'additionalProperties') {
        // Point at the unknown key itself, not at the start of the mapping that holds it.
        const key = String(e.params.additionalProperty);
        const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
        const near = closest(key, known);
        errors.push(located(path, `is not a known setting${near ? `; did you mean ${near}?` : ''}`, key));
        continue;
      }
      // The pattern error below names the key; propertyNames would only say that one is wrong.
      if (e.keyword === 'propertyNames') continue;
      if (e.propertyName !== undefined) {
        const inElements = e.schemaPath.includes('/elements/');
        errors.push(
          located(
            path,
            inElements
              ? 'is not an element position: write two digits in quotes, "01", or "05-01" for a component'
              : 'is not a segment path: segment tags and loop ids joined by /, e.g. BSN or "HL/TD1"',
            e.propertyName,
          ),
        );
        continue;
      }
      let message = e.message ?? 'is invalid';
      if (e.keyword === 'minimum' || e.keyword === 'maximum') {
        message = `must be ${e.keyword === 'minimum' ? 'at least' : 'at most'} ${String(e.params.limit)}`;
      } else if (e.keyword === 'type' && e.params.type === 'string' && typeof e.data === 'number') {
        // YAML reads 004010 as the number 4010: the leading zeros are gone unless the value is quoted. The
        // value is repeated only for codes (digit patterns), never for what could be a literal secret.
        const pattern = (e.parentSchema as { pattern?: string } | undefined)?.pattern ?? '';
        message += pattern.startsWith('^[0-9]')
          ? `; put it in quotes: "${sourceOf(path)}"`
          : '; put it in quotes';
      } else if (e.keyword === 'enum') {
        message += `: ${(e.params.allowedValues as unknown[]).map(String).join(', ')}`;
      } else if (e.keyword === 'const') {
        message += `: ${String(e.params.allowedValue)}`;
      } else if (e.keyword === 'pattern' && e.parentSchema === defs.certificateRef) {
        // Same form as a secret reference, but a certificate is public: say where the PEM goes instead.
        message =
          'must be a reference to a PEM certificate: file:/absolute/path.pem or env:NAME (a variable holding the PEM)';
      } else if (e.keyword === 'pattern') {
        const pattern = String(e.params.pattern);
        message =
          PATTERN_MESSAGES[pattern] ?? `${message}: ${PATTERN_HINTS[pattern] ?? 'see docs/partners.md'}`;
      }
      errors.push(located(path, message));
    }
    return undefined;
  }
  const p = raw as RawPartner;
  const before = errors.length;
  if (RESERVED_PARTNER_IDS.includes(p.id)) {
    errors.push(
      located(
        ['id'],
        `${p.id} is reserved: the API and the console use /partners/${p.id} for something else; choose another id`,
      ),
    );
  }
  const dir = (path: string) => (isAbsolute(path) ? path : resolve(options.dataDir, path));
  const learnedFile = (channelId: string, host: string, port: number) =>
    join(
      options.dataDir,
      'known-hosts',
      p.id,
      `${channelId}@${host.replace(/[^A-Za-z0-9.-]/g, '_')}_${port}`,
    );

  const checkReferences = (
    c: { password?: string; privateKey?: string; passphrase?: string },
    path: Path,
  ) => {
    if (!options.checkSecrets) return;
    for (const field of ['password', 'privateKey', 'passphrase'] as const) {
      const reference = c[field];
      if (reference === undefined) continue;
      try {
        resolveSecret(reference, field, options.env ? { env: options.env } : {});
      } catch (e) {
        errors.push(
          located(
            [...path, field],
            `${reference} does not resolve: ${errorMessage(e).replace(/^.*?does not resolve: /, '')}`,
          ),
        );
      }
    }
  };
  const sftpLogin = (c: RawSftpLogin, channelId: string, path: Path): SftpEndpoint => {
    checkReferences(c, path);
    if (c.password === undefined && c.privateKey === undefined) {
      errors.push(located(path, 'needs a password or a privateKey (as a secret reference)'));
    }
    if (c.passphrase !== undefined && c.privateKey === undefined) {
      errors.push(located(path, 'has a passphrase but no privateKey', 'passphrase'));
    }
    const host = c.host!;
    const port = c.port ?? 22;
    return {
      host,
      port,
      user: c.user!,
      ...(c.password !== undefined ? { password: c.password } : {}),
      ...(c.privateKey !== undefined ? { privateKey: c.privateKey } : {}),
      ...(c.passphrase !== undefined ? { passphrase: c.passphrase } : {}),
      hostKey: {
        fingerprints: c.hostKey?.fingerprints ?? [],
        trustOnFirstUse: c.hostKey?.trustOnFirstUse ?? false,
        learnedFile: learnedFile(channelId, host, port),
      },
    };
  };
  const ftpLogin = (c: RawFtpLogin, path: Path): FtpEndpoint => {
    checkReferences(c, path);
    if (c.password === undefined) errors.push(located(path, 'needs a password (as a secret reference)'));
    const tls = c.tls ?? { mode: 'explicit' as const };
    if (tls.mode === 'none' && (tls.ca !== undefined || tls.fingerprint !== undefined)) {
      errors.push(located([...path, 'tls'], 'has a ca or fingerprint but mode none'));
    }
    return {
      host: c.host!,
      port: c.port ?? (tls.mode === 'implicit' ? 990 : 21),
      user: c.user!,
      ...(c.password !== undefined ? { password: c.password } : {}),
      tls: {
        mode: tls.mode,
        ...(tls.ca !== undefined ? { ca: dir(tls.ca) } : {}),
        ...(tls.fingerprint !== undefined ? { fingerprint: tls.fingerprint.toUpperCase() } : {}),
      },
    };
  };

  const channelIds = new Map<string, number>();
  const inbound: InboundChannel[] = p.channels.inbound.map((c, i) => {
    const path: Path = ['channels', 'inbound', i];
    const first = channelIds.get(c.id);
    if (first !== undefined) {
      errors.push(
        located(
          [...path, 'id'],
          `${c.id} is already the id of channels.inbound[${first}]; two inbound channels cannot share an id`,
        ),
      );
    } else channelIds.set(c.id, i);
    const polled = {
      id: c.id,
      pollIntervalMs: c.pollIntervalMs,
      patterns: c.patterns,
      maxFilesPerPoll: c.maxFilesPerPoll,
      readLock: c.readLock,
      completion: c.completion,
      backoffMaxMs: c.backoffMaxMs,
    };
    switch (c.kind) {
      case 'folder':
        return { kind: 'folder', ...polled, path: dir(c.path) };
      case 'sftp':
        return { kind: 'sftp', ...polled, ...sftpLogin(c, c.id, path), directories: c.directories };
      case 'ftp':
        return { kind: 'ftp', ...polled, ...ftpLogin(c, path), directories: c.directories };
    }
  });

  let outbound: OutboundChannel | undefined;
  const o = p.channels.outbound;
  const outPath: Path = ['channels', 'outbound'];
  if (o?.kind === 'folder') {
    outbound = { kind: 'folder', path: dir(o.path) };
  } else if (o?.kind === 'hosted') {
    outbound = { kind: 'hosted', root: options.hostedRoot ?? join(options.dataDir, 'hosted') };
  } else if (o?.kind === 'as2') {
    outbound = readAs2Outbound(o, p.as2 !== undefined, located, errors);
  } else if (o?.kind === 'sftp' || o?.kind === 'ftp') {
    const ownLogin = o.host !== undefined || o.user !== undefined;
    if (o.channel !== undefined) {
      const borrowed = inbound.find((c) => c.id === o.channel);
      if (ownLogin) {
        errors.push(located(outPath, 'names both a channel to borrow the login from and a host or user'));
      } else if (!borrowed || borrowed.kind !== o.kind) {
        errors.push(located([...outPath, 'channel'], `is not an inbound ${o.kind} channel of this partner`));
      } else if (borrowed.kind === 'sftp') {
        const { host, port, user, password, privateKey, passphrase, hostKey } = borrowed;
        outbound = {
          kind: 'sftp',
          host,
          port,
          user,
          ...(password !== undefined ? { password } : {}),
          ...(privateKey !== undefined ? { privateKey } : {}),
          ...(passphrase !== undefined ? { passphrase } : {}),
          hostKey,
          directory: o.directory,
        };
      } else if (borrowed.kind === 'ftp') {
        const { host, port, user, password, tls } = borrowed;
        outbound = {
          kind: 'ftp',
          host,
          port,
          user,
          ...(password !== undefined ? { password } : {}),
          tls,
          directory: o.directory,
        };
      }
    } else if (o.host === undefined || o.user === undefined) {
      errors.push(
        located(outPath, `needs host and user, or channel: the id of an inbound ${o.kind} channel`),
      );
    } else if (o.kind === 'sftp') {
      outbound = { kind: 'sftp', ...sftpLogin(o, 'outbound', outPath), directory: o.directory };
    } else {
      outbound = { kind: 'ftp', ...ftpLogin(o, outPath), directory: o.directory };
    }
  }

  const uses = new Map<string, number>();
  p.transactionSets.forEach((t, i) => {
    const key = `${t.version}/${t.set} ${t.direction}`;
    const first = uses.get(key);
    if (first !== undefined) {
      errors.push(
        located(['transactionSets', i], `repeats transactionSets[${first}] (${key}); list it once`),
      );
    } else uses.set(key, i);
  });
  if (options.specs) {
    for (const problem of compileOverlays(p.specOverlays, options.specs).problems) {
      errors.push(
        problem.position
          ? located(['specOverlays', problem.index, 'positions'], problem.message, problem.position)
          : located(['specOverlays', problem.index], problem.message),
      );
    }
  }

  const csv = csvMappings(p.csv, located, errors);
  const hosted = p.hosted ? hostedLogin(p.hosted, p.id, located, errors, options.env) : undefined;
  const as2 = p.as2 ? readAs2Settings(p.as2, located, errors, options.env) : undefined;
  if (as2 && outbound?.kind === 'as2') checkAsyncMdnUrlsAgainstOurs(as2, outbound, located, errors);
  if (errors.length > before) return undefined;
  const at = {
    id: positionOf(['id']),
    identities: p.identities.map((_, i) => positionOf(['identities', i, 'id'])),
    ...(as2 ? { as2Id: positionOf(['as2', 'as2Id']) } : {}),
  };
  const partner: Partner = {
    id: p.id,
    name: p.name,
    status: p.status,
    identities: p.identities,
    transactionSets: p.transactionSets,
    acknowledgments: p.acknowledgments,
    duplicateWindowHours: p.duplicateWindowHours,
    specOverlays: p.specOverlays,
    csv,
    reconciliation: p.reconciliation,
    contacts: p.contacts,
    inbound,
    ...(outbound ? { outbound } : {}),
    ...(hosted ? { hosted } : {}),
    ...(as2 ? { as2 } : {}),
    file,
  };
  return { partner, at };
}

/**
 * A CSV column or field source that is none of its allowed forms makes ajv report every form it is not; one
 * message says what it may be. For an object, only the errors of the form its keys choose are kept ({value}
 * or {column, default}), so that a misspelt key is still pointed at.
 */
function csvAlternatives(errors: ErrorObject[]): ErrorObject[] {
  const alternatives = new Map<string, ErrorObject>();
  for (const e of errors) {
    if ((e.keyword === 'anyOf' || e.keyword === 'oneOf') && e.instancePath.startsWith('/csv/')) {
      // The outermost alternative at a path wins: a field source's anyOf holds a column's oneOf.
      const known = alternatives.get(e.instancePath);
      if (!known || e.parentSchema === defs.csvFieldSource) alternatives.set(e.instancePath, e);
    }
  }
  const out: ErrorObject[] = [];
  for (const e of errors) {
    const alternative = alternatives.get(e.instancePath);
    if (!alternative) {
      out.push(e);
      continue;
    }
    const data: unknown = alternative.data;
    if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
      const form = 'value' in data ? 'value' : 'column';
      const required = (e.parentSchema as { required?: string[] } | undefined)?.required;
      if ((e.keyword === 'additionalProperties' || e.keyword === 'required') && required?.[0] === form) {
        out.push(e);
      }
    } else if (e === alternative) {
      const message =
        e.parentSchema === defs.csvFieldSource
          ? 'must be a column name, a column number from 1, { column, default } or { value }'
          : e.parentSchema === defs.csvColumn
            ? 'must be a column name or a column number from 1'
            : 'must be text or a number';
      out.push({ ...e, message });
    }
  }
  return out;
}

/** The CSV mappings with their shorthands expanded; what the schema cannot check is checked here. */
function csvMappings(
  raw: RawCsvMapping[],
  located: (path: Path, message: string, atKey?: string) => string,
  errors: string[],
): CsvMapping[] {
  const names = new Map<string, number>();
  return raw.map((r, i) => {
    const first = names.get(r.name);
    if (first !== undefined) {
      errors.push(
        located(
          ['csv', i, 'name'],
          `${r.name} is already the name of csv[${first}]; each mapping needs its own`,
        ),
      );
    } else names.set(r.name, i);
    const { mapping, problems } = checkCsvMapping(r);
    for (const problem of problems)
      errors.push(located(['csv', i, ...problem.path], problem.message, problem.key));
    return mapping;
  });
}

/** The hosted login with its references read now: the server checks logins against values, and a reference
 * that does not resolve should stop the start, not every login. */
function hostedLogin(
  raw: NonNullable<RawPartner['hosted']>,
  partnerId: string,
  located: (path: Path, message: string) => string,
  errors: string[],
  env: NodeJS.ProcessEnv | undefined,
): HostedLogin {
  const login: HostedLogin = { publicKeys: [] };
  if (raw.passwordHash !== undefined) {
    const path: Path = ['hosted', 'passwordHash'];
    try {
      const hash = resolveSecret(raw.passwordHash, `partner ${partnerId}, hosted.passwordHash`, {
        trimLineBreak: true,
        ...(env ? { env } : {}),
      });
      try {
        parsePasswordHash(hash);
        login.passwordHash = hash.trim();
      } catch (e) {
        errors.push(
          located(
            path,
            `${raw.passwordHash} is not a usable scrypt hash ($scrypt$ln=…,r=…,p=…$salt$hash): ` +
              errorMessage(e).replace(/^password hash: /, ''),
          ),
        );
      }
    } catch (e) {
      errors.push(
        located(path, `does not resolve: ${errorMessage(e).replace(/^.*?does not resolve: /, '')}`),
      );
    }
  }
  (raw.publicKeys ?? []).forEach((entry, i) => {
    const path: Path = ['hosted', 'publicKeys', i];
    let lines: string[];
    if (entry.startsWith('file:')) {
      const file = entry.slice(5);
      try {
        lines = readFileSync(file, 'utf8')
          .split(/\r?\n/)
          .map((l) => l.trim())
          .filter((l) => l !== '' && !l.startsWith('#'));
      } catch (e) {
        errors.push(
          located(path, `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'unreadable'})`),
        );
        return;
      }
      if (lines.length === 0) errors.push(located(path, `${file} holds no public key`));
    } else {
      lines = [entry.trim()];
    }
    for (const line of lines) {
      const key = ssh2.utils.parseKey(line);
      if (key instanceof Error || key.isPrivateKey()) {
        errors.push(
          located(
            path,
            `${entry.startsWith('file:') ? `${entry}: a line ` : ''}is not an OpenSSH public key (type base64 [comment])`,
          ),
        );
        return;
      }
      login.publicKeys.push(line);
    }
  });
  return login;
}

/** The known name nearest to a mistyped one (at most a third of its letters off), for "did you mean". */
function closest(name: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

/** A file as messages name it: relative to the working directory when it is under it, else absolute. */
function shownPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && rel.split(sep)[0] !== '..' && !isAbsolute(rel) ? rel : resolve(file);
}
