// The partner file as the gateway reads it today. The registry work replaces this with partners/schema.json
// and adds CSV mappings and tolerances; defaults here are the documented defaults (docs/transports.md
// describes the channels).
import { SECRET_REFERENCE_PATTERN } from './secrets.ts';

const SECRET = { type: 'string', pattern: SECRET_REFERENCE_PATTERN } as const;
const CHANNEL_ID = { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$' } as const;
const HOST = { type: 'string', minLength: 1, maxLength: 253, pattern: '^[^\\s/@]+$' } as const;
const PORT = { type: 'integer', minimum: 1, maximum: 65535 } as const;
const USER = { type: 'string', minLength: 1, maxLength: 128 } as const;
const REMOTE_DIR = { type: 'string', minLength: 1 } as const;
export const SHA256_FINGERPRINT_PATTERN = '^SHA256:[A-Za-z0-9+/]{43}$';
export const CERT_FINGERPRINT_PATTERN = '^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$';

const HOST_KEY = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    fingerprints: {
      type: 'array',
      default: [],
      items: { type: 'string', pattern: SHA256_FINGERPRINT_PATTERN },
    },
    trustOnFirstUse: { type: 'boolean', default: false },
  },
} as const;

const FTP_TLS = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    mode: { enum: ['explicit', 'implicit', 'none'], default: 'explicit' },
    ca: { type: 'string', minLength: 1 },
    fingerprint: { type: 'string', pattern: CERT_FINGERPRINT_PATTERN },
  },
} as const;

const READ_LOCK = {
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    kind: { enum: ['changed', 'done-file', 'rename'], default: 'changed' },
    checks: { type: 'integer', minimum: 1, maximum: 100, default: 2 },
    doneFile: { type: 'string', pattern: '^[^/\\\\]*\\{(name|base)\\}[^/\\\\]*$', default: '{name}.done' },
  },
} as const;

function completion(kind: 'move' | 'delete', failedTo?: string) {
  return {
    type: 'object',
    additionalProperties: false,
    default: {},
    properties: {
      kind: { enum: ['move', 'delete', 'leave'], default: kind },
      to: { type: 'string', minLength: 1, default: kind === 'move' ? 'processed' : 'archive' },
      failedTo: failedTo
        ? { type: 'string', minLength: 1, default: failedTo }
        : { type: 'string', minLength: 1 },
    },
  } as const;
}

const POLLED = {
  id: CHANNEL_ID,
  pollIntervalMs: { type: 'integer', minimum: 100, maximum: 86400000, default: 2000 },
  patterns: { type: 'array', minItems: 1, default: ['*'], items: { type: 'string', minLength: 1 } },
  maxFilesPerPoll: { type: 'integer', minimum: 1, maximum: 100000, default: 100 },
  readLock: READ_LOCK,
  backoffMaxMs: { type: 'integer', minimum: 1000, maximum: 86400000, default: 300000 },
} as const;

const SFTP_LOGIN = {
  host: HOST,
  port: { ...PORT, default: 22 },
  user: USER,
  password: SECRET,
  privateKey: SECRET,
  passphrase: SECRET,
  hostKey: HOST_KEY,
} as const;

// No default port: 21, or 990 for implicit TLS, filled in by the loader.
const FTP_LOGIN = { host: HOST, port: PORT, user: USER, password: SECRET, tls: FTP_TLS } as const;

const INBOUND = {
  type: 'object',
  required: ['kind'],
  properties: { kind: { enum: ['folder', 'sftp', 'ftp'] } },
  discriminator: { propertyName: 'kind' },
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'id', 'path'],
      properties: {
        kind: { const: 'folder' },
        path: { type: 'string', minLength: 1 },
        ...POLLED,
        completion: completion('move', 'failed'),
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'id', 'host', 'user', 'directories'],
      properties: {
        kind: { const: 'sftp' },
        ...SFTP_LOGIN,
        directories: { type: 'array', minItems: 1, items: REMOTE_DIR },
        ...POLLED,
        completion: completion('delete'),
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'id', 'host', 'user', 'directories'],
      properties: {
        kind: { const: 'ftp' },
        ...FTP_LOGIN,
        directories: { type: 'array', minItems: 1, items: REMOTE_DIR },
        ...POLLED,
        completion: completion('delete'),
      },
    },
  ],
} as const;

// An SFTP or FTP outbound channel names its server itself, or borrows the login of an inbound channel of
// the same kind (`channel: <id>`), as most partners fetch and drop on one server.
const OUTBOUND = {
  type: 'object',
  required: ['kind'],
  properties: { kind: { enum: ['folder', 'sftp', 'ftp', 'hosted'] } },
  discriminator: { propertyName: 'kind' },
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'path'],
      properties: { kind: { const: 'folder' }, path: { type: 'string', minLength: 1 } },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'directory'],
      properties: { kind: { const: 'sftp' }, channel: CHANNEL_ID, ...SFTP_LOGIN, directory: REMOTE_DIR },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind', 'directory'],
      properties: { kind: { const: 'ftp' }, channel: CHANNEL_ID, ...FTP_LOGIN, directory: REMOTE_DIR },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['kind'],
      properties: { kind: { const: 'hosted' } },
    },
  ],
} as const;

export const PARTNER_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'identities'],
  properties: {
    $schema: { type: 'string' },
    id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
    name: { type: 'string', minLength: 1 },
    status: { enum: ['testing', 'active', 'suspended'], default: 'active' },
    identities: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['qualifier', 'id'],
        properties: {
          qualifier: { type: 'string', pattern: '^[0-9A-Z]{2}$' },
          id: { type: 'string', minLength: 1, maxLength: 15 },
        },
      },
    },
    acknowledgments: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        functional: { enum: ['auto', '997', '999', 'none'], default: 'auto' },
        ta1: {
          enum: ['always', 'requested', 'errors', 'requested-or-errors', 'never'],
          default: 'requested-or-errors',
        },
        ackAcks: { type: 'boolean', default: false },
      },
    },
    duplicateWindowHours: { type: 'integer', minimum: 0, maximum: 87600, default: 720 },
    channels: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        inbound: { type: 'array', default: [], items: INBOUND },
        outbound: OUTBOUND,
      },
    },
    // How the partner logs in to the hosted SFTP server, if it pushes files there.
    hosted: {
      type: 'object',
      additionalProperties: false,
      properties: {
        passwordHash: SECRET,
        publicKeys: {
          type: 'array',
          items: { type: 'string', minLength: 1 },
        },
      },
    },
  },
} as const;
