// The one error format of the API, `{ error: { code, message, details? } }`, with a small set of stable codes
// that clients may branch on. Fastify's own errors (schema validation, malformed JSON, unknown routes) are
// answered in the same format, so a client never has to parse two shapes.
import type { FastifyError, FastifyInstance } from 'fastify';

export type ApiErrorCode =
  | 'validation-failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'too-many-requests'
  | 'internal';

const STATUS: Record<ApiErrorCode, number> = {
  'validation-failed': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'too-many-requests': 429,
  internal: 500,
};

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.status = STATUS[code];
  }
}

export interface ErrorBody {
  error: { code: ApiErrorCode; message: string; details?: unknown };
}

export function errorBody(code: ApiErrorCode, message: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(details !== undefined ? { details } : {}) } };
}

/** The JSON Schema of an error response, for the route schemas and the OpenAPI document. */
export const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', enum: Object.keys(STATUS) },
        message: { type: 'string' },
        details: {},
      },
    },
  },
} as const;

function fromFastify(error: FastifyError): ApiError | undefined {
  if (error.validation) {
    const where = error.validationContext ?? 'request';
    return new ApiError(
      'validation-failed',
      `${where}: ${error.validation.map((v) => `${v.instancePath || '/'} ${v.message ?? 'is invalid'}`).join('; ')}`,
      error.validation.map((v) => ({
        in: where,
        path: v.instancePath || '/',
        message: v.message ?? 'is invalid',
        ...(v.params && Object.keys(v.params).length > 0 ? { params: v.params } : {}),
      })),
    );
  }
  // Fastify's client errors (malformed JSON, a body too large, an unsupported media type) keep their status
  // but speak our format.
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    const e = new ApiError('validation-failed', error.message);
    Object.defineProperty(e, 'status', { value: error.statusCode });
    return e;
  }
  return undefined;
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    const known = error instanceof ApiError ? error : fromFastify(error);
    if (known) {
      return reply.code(known.status).send(errorBody(known.code, known.message, known.details));
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send(errorBody('internal', 'internal error; the gateway log has the details'));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody('not-found', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );
}
