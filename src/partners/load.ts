// Reads partners/*.yaml into a PartnerDirectory. Every problem names the file, line and column; all files
// are checked before any error is raised so the author sees every problem at once.
import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { LineCounter, parseDocument, isMap, isNode, isScalar, type Document } from 'yaml';
import { GatewayError } from '../errors.ts';
import { StaticPartnerDirectory, identityKey, type Partner } from './partner.ts';
import { PARTNER_SCHEMA } from './schema.ts';

export interface LoadPartnersOptions {
  /** Relative channel paths are taken from here (the gateway's data directory). */
  dataDir: string;
}

const ajv = new Ajv2020({ allErrors: true, useDefaults: true, strict: true });
const validate = ajv.compile(PARTNER_SCHEMA);

export function loadPartners(dir: string, options: LoadPartnersOptions): StaticPartnerDirectory {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
  } catch (e) {
    throw new GatewayError(
      'config-invalid',
      `cannot read the partner directory ${dir}: ${(e as Error).message}`,
      false,
    );
  }
  const errors: string[] = [];
  const partners: Partner[] = [];
  for (const name of names) {
    const file = join(dir, name);
    const shown = shownPath(file);
    const partner = readPartner(file, shown, options, errors);
    if (partner) partners.push(partner);
  }
  const ids = new Map<string, string>();
  const identities = new Map<string, string>();
  for (const p of partners) {
    const shown = shownPath(p.file);
    const other = ids.get(p.id);
    if (other) errors.push(`${shown}: id ${p.id} is already used by ${other}`);
    ids.set(p.id, shown);
    for (const i of p.identities) {
      const key = identityKey(i.qualifier, i.id);
      const owner = identities.get(key);
      if (owner) errors.push(`${shown}: ISA identity ${key} is already claimed by ${owner}`);
      identities.set(key, shown);
    }
  }
  if (errors.length > 0) {
    throw new GatewayError('config-invalid', `partner files are invalid:\n  ${errors.join('\n  ')}`, false);
  }
  return new StaticPartnerDirectory(partners);
}

interface RawPartner {
  id: string;
  name: string;
  status: Partner['status'];
  identities: { qualifier: string; id: string }[];
  acknowledgments: Partner['acknowledgments'];
  duplicateWindowHours: number;
  channels: {
    inbound: {
      kind: 'folder';
      id: string;
      path: string;
      pollIntervalMs: number;
      completion: 'move' | 'delete' | 'leave';
    }[];
    outbound?: { kind: 'folder'; path: string };
  };
}

function readPartner(
  file: string,
  shown: string,
  options: LoadPartnersOptions,
  errors: string[],
): Partner | undefined {
  const lines = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter: lines, prettyErrors: false });
  } catch (e) {
    errors.push(`${shown}: ${(e as Error).message}`);
    return undefined;
  }
  for (const e of doc.errors) {
    const at = lines.linePos(e.pos[0]);
    errors.push(`${shown}:${at.line}:${at.col}: ${e.message.split('\n')[0]}`);
  }
  if (doc.errors.length > 0) return undefined;
  const raw = doc.toJS() as unknown;
  if (!validate(raw)) {
    for (const e of validate.errors ?? []) {
      const path: (string | number)[] = e.instancePath
        .split('/')
        .slice(1)
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
        .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
      let node = doc.getIn(path, true);
      let message = e.message ?? 'is invalid';
      if (e.keyword === 'additionalProperties') {
        // Point at the unknown key itself, not at the start of the mapping that holds it.
        const key = String(e.params.additionalProperty);
        const pair = isMap(node)
          ? node.items.find((i) => isScalar(i.key) && String(i.key.value) === key)
          : undefined;
        if (pair && isNode(pair.key)) node = pair.key;
        path.push(key);
        message = 'is not a known setting';
      } else if (e.keyword === 'enum') {
        message += `: ${(e.params.allowedValues as unknown[]).map(String).join(', ')}`;
      } else if (e.keyword === 'const') {
        message += `: ${String(e.params.allowedValue)}`;
      }
      const at = isNode(node) && node.range ? lines.linePos(node.range[0]) : { line: 1, col: 1 };
      const where =
        path.length > 0
          ? path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('')
          : 'the file';
      errors.push(`${shown}:${at.line}:${at.col}: ${where} ${message}`);
    }
    return undefined;
  }
  const p = raw as RawPartner;
  const dir = (path: string) => (isAbsolute(path) ? path : resolve(options.dataDir, path));
  const channelIds = new Set<string>();
  for (const c of p.channels.inbound) {
    if (channelIds.has(c.id)) errors.push(`${shown}: two inbound channels are called ${c.id}`);
    channelIds.add(c.id);
  }
  return {
    id: p.id,
    name: p.name,
    status: p.status,
    identities: p.identities,
    acknowledgments: p.acknowledgments,
    duplicateWindowHours: p.duplicateWindowHours,
    inbound: p.channels.inbound.map((c) => ({ ...c, path: dir(c.path) })),
    ...(p.channels.outbound
      ? { outbound: { ...p.channels.outbound, path: dir(p.channels.outbound.path) } }
      : {}),
    file,
  };
}

/** A file as messages name it: relative to the working directory when it is under it, else absolute. */
function shownPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && rel.split(sep)[0] !== '..' && !isAbsolute(rel) ? rel : resolve(file);
}
