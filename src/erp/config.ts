// The configuration of an ERP adapter: one typed options object per kind, checked against a JSON Schema before
// anything connects, so a mistake is reported as `erp.lines.file: must be string` at start, not as a failed
// lookup at the first ship notice. Secrets (the database URL, an API token) are references only.
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { GatewayError } from '../errors.ts';
import { SECRET_REFERENCE_PATTERN } from '../partners/secrets.ts';
import { HEADER_FIELDS, LINE_FIELDS, RECEIPT_FIELDS, REQUIRED, type FieldMapping } from './fields.ts';

interface CommonOptions {
  /** The partner id the purchase orders are for, when the ERP's header does not map a partnerId field. */
  partnerId?: string;
  fields: FieldMapping;
}

export interface PostgresErpOptions extends CommonOptions {
  kind: 'postgres';
  /** A secret reference (env:NAME or file:/path) to a postgres:// connection URL. */
  url: string;
  /** Returns at most one row: the PO whose number is $1. */
  headerQuery: string;
  /** Returns the lines of the PO whose number is $1, in line order. */
  linesQuery: string;
  /** Returns the goods receipts of the PO whose number is $1. */
  receiptsQuery?: string;
  /** Connections kept open. Default 2: lookups are few and short. */
  poolSize?: number;
  /** Default 5000. */
  connectTimeoutMs?: number;
  /** Each query is cancelled by the server after this long. Default 10000. */
  statementTimeoutMs?: number;
}

export interface CsvExportFile {
  /** A file name inside `folder`. */
  file: string;
}

export interface CsvExportErpOptions extends CommonOptions {
  kind: 'csv-export';
  /** The folder the ERP exports to. */
  folder: string;
  headers: CsvExportFile;
  lines: CsvExportFile;
  receipts?: CsvExportFile;
  /** Default ",". */
  delimiter?: string;
  /** Default '"'. */
  quote?: string;
  /** Default utf-8 (a byte order mark overrides it). */
  encoding?: 'utf-8' | 'utf-16' | 'latin1' | 'windows-1252' | 'iso-8859-15';
  /** Date formats besides ISO 8601, as in partner CSV mappings (`DD.MM.YYYY`). Default none. */
  dateFormats?: string[];
  /** Default ".". */
  decimalSeparator?: '.' | ',';
  /** Default none. */
  thousandsSeparator?: '' | ',' | '.' | ' ' | "'";
}

/** A header whose value is a secret: `prefix` + the secret (e.g. "Bearer " + a token). */
export interface SecretHeader {
  secret: string;
  prefix?: string;
}

export interface HttpErpOptions extends CommonOptions {
  kind: 'http';
  /** The PO's URL; `{po}` is replaced by the PO number, URL-encoded. */
  url: string;
  /** The receipts' URL, with `{po}` likewise. Without it the adapter offers no receipts. */
  receiptsUrl?: string;
  /** Plain headers (Accept, a tenant id). Never credentials: those go in secretHeaders. */
  headers?: Record<string, string>;
  secretHeaders?: Record<string, SecretHeader>;
  /** Per request, connection included. Default 10000. */
  timeoutMs?: number;
  /** JSON path of the array of lines in the PO's body (`lines`, `data.items`). */
  linesPath: string;
  /** JSON path of the array of receipts in the receipts' body; empty for a body that is the array. */
  receiptsPath?: string;
}

export type ErpOptions = PostgresErpOptions | CsvExportErpOptions | HttpErpOptions;

const fieldsOf = (o: object, required: readonly string[]) => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties: Object.fromEntries(Object.keys(o).map((k) => [k, { type: 'string', minLength: 1 }])),
});
const PO_PARAMETER = '\\$1';
const URL_TEMPLATE = '^https?://.*\\{po\\}';
const FILE_NAME = '^[^/\\\\]+$';
const positiveInteger = { type: 'integer', minimum: 1 };
const secret = { type: 'string', pattern: SECRET_REFERENCE_PATTERN };
const common = {
  partnerId: { type: 'string', minLength: 1 },
  fields: {
    type: 'object',
    additionalProperties: false,
    required: ['header', 'line'],
    properties: {
      header: fieldsOf(HEADER_FIELDS, REQUIRED.header),
      line: fieldsOf(LINE_FIELDS, REQUIRED.line),
      receipt: fieldsOf(RECEIPT_FIELDS, REQUIRED.receipt),
    },
  },
};
const file = {
  type: 'object',
  additionalProperties: false,
  required: ['file'],
  properties: { file: { type: 'string', minLength: 1, pattern: FILE_NAME } },
};

const SCHEMA = {
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'url', 'headerQuery', 'linesQuery', 'fields'],
      properties: {
        ...common,
        kind: { const: 'postgres' },
        url: secret,
        headerQuery: { type: 'string', minLength: 1, pattern: PO_PARAMETER },
        linesQuery: { type: 'string', minLength: 1, pattern: PO_PARAMETER },
        receiptsQuery: { type: 'string', minLength: 1, pattern: PO_PARAMETER },
        poolSize: positiveInteger,
        connectTimeoutMs: positiveInteger,
        statementTimeoutMs: positiveInteger,
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'folder', 'headers', 'lines', 'fields'],
      properties: {
        ...common,
        kind: { const: 'csv-export' },
        folder: { type: 'string', minLength: 1 },
        headers: file,
        lines: file,
        receipts: file,
        delimiter: { type: 'string', minLength: 1, maxLength: 1 },
        quote: { type: 'string', minLength: 1, maxLength: 1 },
        encoding: { enum: ['utf-8', 'utf-16', 'latin1', 'windows-1252', 'iso-8859-15'] },
        dateFormats: { type: 'array', items: { type: 'string', minLength: 1 } },
        decimalSeparator: { enum: ['.', ','] },
        thousandsSeparator: { enum: ['', ',', '.', ' ', "'"] },
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'url', 'linesPath', 'fields'],
      properties: {
        ...common,
        kind: { const: 'http' },
        url: { type: 'string', pattern: URL_TEMPLATE },
        receiptsUrl: { type: 'string', pattern: URL_TEMPLATE },
        headers: { type: 'object', additionalProperties: { type: 'string' } },
        secretHeaders: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            additionalProperties: false,
            required: ['secret'],
            properties: { secret, prefix: { type: 'string' } },
          },
        },
        timeoutMs: positiveInteger,
        linesPath: { type: 'string' },
        receiptsPath: { type: 'string' },
      },
    },
  ],
};

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validators = new Map(
  (['postgres', 'csv-export', 'http'] as const).map((kind, i) => [kind, ajv.compile(SCHEMA.oneOf[i]!)]),
);

function describe(e: ErrorObject, where: string): string {
  const path = `${where}${e.instancePath.replaceAll('/', '.')}`;
  if (e.keyword === 'additionalProperties') {
    return `${path}: unknown property "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  }
  if (e.keyword === 'required')
    return `${path}: missing "${(e.params as { missingProperty: string }).missingProperty}"`;
  if (e.keyword === 'pattern') {
    const pattern = (e.params as { pattern: string }).pattern;
    if (pattern === SECRET_REFERENCE_PATTERN) {
      return e.instancePath === '/url'
        ? `${path}: must be a secret reference (env:NAME or file:/absolute/path), not the URL itself`
        : `${path}: must be a secret reference (env:NAME or file:/absolute/path)`;
    }
    if (pattern === PO_PARAMETER) return `${path}: must use $1 for the PO number`;
    if (pattern === URL_TEMPLATE) return `${path}: must be an http(s) URL with {po} where the PO number goes`;
    if (pattern === FILE_NAME) return `${path}: must be a file name inside the folder, without / or \\`;
  }
  if (e.keyword === 'enum')
    return `${path}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  return `${path}: ${e.message ?? 'is not valid'}`;
}

/**
 * The options, checked. `where` names the setting in messages ("erp"). Throws a non-retryable config-invalid
 * GatewayError listing every problem, one per line.
 */
export function validateErpOptions(value: unknown, where = 'erp'): ErpOptions {
  const kind = (value as { kind?: unknown } | null)?.kind;
  const validate = typeof kind === 'string' ? validators.get(kind as ErpOptions['kind']) : undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GatewayError('config-invalid', `${where}: must be an object`, false);
  }
  if (!validate) {
    throw new GatewayError(
      'config-invalid',
      `${where}.kind: must be one of "postgres", "csv-export", "http"`,
      false,
    );
  }
  if (!validate(value)) {
    const messages = [...new Set((validate.errors ?? []).map((e) => describe(e, where)))];
    throw new GatewayError('config-invalid', messages.join('\n'), false);
  }
  const options = value as unknown as ErpOptions;
  if (options.kind === 'http') {
    for (const key of ['url', 'receiptsUrl'] as const) {
      const url = options[key];
      // Messages show the URL, so it must not carry a password; credentials go in secretHeaders.
      if (url !== undefined && /^https?:\/\/[^/]*@/.test(url)) {
        throw new GatewayError(
          'config-invalid',
          `${where}.${key}: must not hold credentials (user:password@); put them in secretHeaders`,
          false,
        );
      }
    }
  }
  if (options.partnerId === undefined && options.fields.header.partnerId === undefined) {
    throw new GatewayError(
      'config-invalid',
      `${where}: set partnerId, or map fields.header.partnerId to where the ERP keeps it`,
      false,
    );
  }
  if (
    (options.kind === 'csv-export' && options.receipts) ||
    (options.kind === 'postgres' && options.receiptsQuery) ||
    (options.kind === 'http' && options.receiptsUrl)
  ) {
    if (!options.fields.receipt)
      throw new GatewayError(
        'config-invalid',
        `${where}.fields: missing "receipt" (receipts are configured)`,
        false,
      );
  }
  if (options.kind === 'csv-export' && options.fields.header.poNumber === undefined) {
    throw new GatewayError(
      'config-invalid',
      `${where}.fields.header: missing "poNumber" (the export is indexed by it)`,
      false,
    );
  }
  if (options.kind === 'csv-export' && options.fields.line.poNumber === undefined) {
    throw new GatewayError(
      'config-invalid',
      `${where}.fields.line: missing "poNumber" (the export is indexed by it)`,
      false,
    );
  }
  if (options.kind === 'csv-export' && options.receipts && options.fields.receipt?.poNumber === undefined) {
    throw new GatewayError(
      'config-invalid',
      `${where}.fields.receipt: missing "poNumber" (the export is indexed by it)`,
      false,
    );
  }
  return options;
}
