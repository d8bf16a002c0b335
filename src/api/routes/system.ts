// Liveness, readiness and the API's own description: public, for load balancers, probes and client generators.
import type { FastifyInstance } from 'fastify';
import type { Queryable } from '../../store/db.ts';
import { ERROR_SCHEMA, errorBody } from '../errors.ts';

export function systemRoutes(app: FastifyInstance, deps: { db: Queryable; openapi: () => object }): void {
  app.get(
    '/api/health',
    {
      schema: {
        summary: 'Liveness: the process answers',
        tags: ['system'],
        response: { 200: { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } } },
      },
    },
    () => ({ status: 'ok' as const }),
  );

  app.get(
    '/api/ready',
    {
      schema: {
        summary: 'Readiness: the database answers',
        description: '503 with code internal when the database does not answer.',
        tags: ['system'],
        response: {
          200: { type: 'object', required: ['status'], properties: { status: { const: 'ready' } } },
          503: { description: 'the database does not answer', ...ERROR_SCHEMA },
        },
      },
    },
    async (request, reply) => {
      try {
        await deps.db.query('select 1');
        return { status: 'ready' as const };
      } catch (e) {
        request.log.warn({ err: e }, 'readiness check: the database does not answer');
        return reply.code(503).send(errorBody('internal', 'the database does not answer'));
      }
    },
  );

  app.get(
    '/api/openapi.json',
    {
      schema: {
        summary: 'This API as an OpenAPI 3.1 document',
        tags: ['system'],
        response: { 200: { type: 'object', additionalProperties: true } },
      },
    },
    () => deps.openapi(),
  );
}
