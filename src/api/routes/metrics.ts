// GET /metrics for Prometheus. Behind the operations role like the rest of operations' views: a scrape
// config sends an API token as a bearer credential.
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export function metricsRoutes(app: FastifyInstance, deps: { registry: Registry }): void {
  const { registry } = deps;
  app.get(
    '/metrics',
    {
      config: { roles: ['operations'] },
      schema: {
        summary: 'Metrics of the whole gateway in the Prometheus text format, read from the database',
        description:
          'Counters by partner (files received, processed, rejected, duplicates; acks sent), gauges (files ' +
          'dead, failed and pending deliveries, open dead letters, open mismatches, queue depth, ready) and a ' +
          'summary of processing time (quantiles over the last hour). Send an API token of the operations ' +
          'role as `Authorization: Bearer …` (Prometheus: `authorization: { credentials_file: … }`).',
        tags: ['operations'],
        response: {
          200: {
            description: 'Prometheus text exposition format 0.0.4',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
        },
      },
    },
    async (_request, reply) => {
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(text);
    },
  );
}
