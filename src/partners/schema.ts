// The partner file as the pipeline reads it today. The registry work replaces this with partners/schema.json
// and adds the transports, CSV mappings and tolerances; defaults here are the documented defaults.
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
        inbound: {
          type: 'array',
          default: [],
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['kind', 'id', 'path'],
            properties: {
              kind: { const: 'folder' },
              id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$' },
              path: { type: 'string', minLength: 1 },
              pollIntervalMs: { type: 'integer', minimum: 100, maximum: 86400000, default: 2000 },
              completion: { enum: ['move', 'delete', 'leave'], default: 'move' },
            },
          },
        },
        outbound: {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'path'],
          properties: {
            kind: { const: 'folder' },
            path: { type: 'string', minLength: 1 },
          },
        },
      },
    },
  },
} as const;
