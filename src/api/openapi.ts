// The OpenAPI 3.1 document, made from the routes' own JSON Schemas as they are registered, so the document
// cannot drift from what the server validates and serialises. (OpenAPI 3.1 uses JSON Schema 2020-12, which the
// draft-07 schemas fastify uses fit without changes for the keywords used here.)
import type { FastifyInstance, RouteOptions } from 'fastify';
import { ERROR_SCHEMA } from './errors.ts';

declare module 'fastify' {
  interface FastifySchema {
    /** One line for the OpenAPI operation. */
    summary?: string;
    description?: string;
    tags?: readonly string[];
  }
}

interface Collected {
  method: string;
  url: string;
  schema: Record<string, unknown>;
  roles: readonly string[] | undefined;
}

type JsonSchema = {
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
  [k: string]: unknown;
};

const ERROR_STATUS: Record<string, string> = {
  '400': 'validation-failed: a parameter or the body does not fit the schema',
  '401': 'unauthorized: no valid token or session',
  '403': 'forbidden: the role may not use this route',
  '404': 'not-found',
  '409': 'conflict: the change does not fit the current state',
};

/** Collects every route registered after this call; `document()` describes them. */
export function collectRoutes(app: FastifyInstance, info: { title: string; version: string }) {
  const routes: Collected[] = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      routes.push({
        method,
        url: route.url,
        schema: (route.schema ?? {}) as Record<string, unknown>,
        roles: route.config?.roles,
      });
    }
  });
  return {
    routes: () => routes.map((r) => ({ method: r.method, url: r.url })),
    document: () => buildDocument(routes, info),
  };
}

function parameters(schema: JsonSchema | undefined, where: 'path' | 'query') {
  if (!schema?.properties) return [];
  return Object.entries(schema.properties).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (schema.required ?? []).includes(name),
    ...(s.description ? { description: s.description } : {}),
    schema: s,
  }));
}

function buildDocument(routes: Collected[], info: { title: string; version: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const s = r.schema as {
      summary?: string;
      description?: string;
      tags?: string[];
      params?: JsonSchema;
      querystring?: JsonSchema;
      body?: JsonSchema;
      response?: Record<string, JsonSchema & { content?: Record<string, unknown> }>;
    };
    const responses: Record<string, unknown> = {};
    for (const [status, body] of Object.entries(s.response ?? {})) {
      const { description, content, ...schema } = body;
      responses[status] = {
        description: description ?? (status.startsWith('2') ? 'success' : (ERROR_STATUS[status] ?? 'error')),
        ...(content ? { content } : status === '204' ? {} : { content: { 'application/json': { schema } } }),
      };
    }
    const validated = s.params !== undefined || s.querystring !== undefined || s.body !== undefined;
    const errors = [
      ...(validated ? ['400'] : []),
      ...(r.roles ? ['401', '403'] : []),
      ...(s.params ? ['404'] : []),
    ];
    for (const status of errors) {
      responses[status] ??= {
        description: ERROR_STATUS[status],
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    (paths[path] ??= {})[r.method.toLowerCase()] = {
      operationId: `${r.method.toLowerCase()}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c?: string) => (c ?? '').toUpperCase())}`,
      ...(s.summary ? { summary: s.summary } : {}),
      ...(s.description ? { description: s.description } : {}),
      ...(s.tags ? { tags: s.tags } : {}),
      parameters: [...parameters(s.params, 'path'), ...parameters(s.querystring, 'query')],
      ...(s.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: s.body } } } }
        : {}),
      responses,
      security: r.roles ? [{ bearer: [] }, { session: [] }] : [],
      // Who may call it (admin always may); absent on public routes, whose security list is empty.
      ...(r.roles ? { 'x-roles': [...new Set(['admin', ...r.roles])] } : {}),
    };
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'an API token, shown once when it is made' },
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'dockside_session',
          description: 'set by POST /api/login',
        },
      },
    },
  };
}
