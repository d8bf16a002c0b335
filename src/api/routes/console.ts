// The web console: a few static files (one page, its ES modules and a stylesheet) that call the JSON API from
// the browser with the session cookie. They are read into memory once when the API is built and served from
// there rather than through @fastify/static: there are a handful of small files, no directory listing or
// range requests are wanted, every answer must carry the same strict security headers, and a dependency would
// bring its own notion of which paths exist. A file changed on disk is picked up when the gateway restarts,
// like the code that goes with it.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ApiError, ERROR_SCHEMA } from '../errors.ts';

export const CONSOLE_DIR = join(import.meta.dirname, '../console');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * Only this origin's scripts and styles, no inline script or style attributes a stray piece of data could
 * turn into code, no plugins, no framing, and fetch to this origin only. `img-src data:` is not needed: the
 * charts are inline SVG built with DOM calls.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

interface ConsoleFile {
  body: Buffer;
  type: string;
  etag: string;
}

/** The console's files by name, read once. Names are flat: the folder has no subfolders. */
export function loadConsoleFiles(dir = CONSOLE_DIR): Map<string, ConsoleFile> {
  const files = new Map<string, ConsoleFile>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    const body = readFileSync(join(dir, name));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    files.set(name, { body, type, etag });
  }
  if (!files.has('index.html')) throw new Error(`the console has no index.html in ${dir}`);
  return files;
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const v = t.trim().replace(/^W\//, '');
    return v === etag || v === '*';
  });
}

export function consoleRoutes(app: FastifyInstance, deps: { dir?: string } = {}): void {
  const files = loadConsoleFiles(deps.dir);

  const send = (reply: FastifyReply, file: ConsoleFile, ifNoneMatch: string | undefined) => {
    // no-cache: the browser keeps the file but asks each time, so an upgraded gateway's page and modules are
    // never mixed with old ones; the ETag makes the question cheap.
    void reply.headers(SECURITY_HEADERS).header('etag', file.etag).header('cache-control', 'no-cache');
    if (etagMatches(ifNoneMatch, file.etag)) return reply.code(304).send();
    return reply.type(file.type).send(file.body);
  };

  const REDIRECT = {
    summary: 'Redirects to the web console',
    tags: ['console'],
    response: { 302: { description: 'to /console/', type: 'null' } },
  } as const;

  app.get('/', { schema: REDIRECT }, (_request, reply) => reply.redirect('/console/', 302));
  app.get('/console', { schema: REDIRECT }, (_request, reply) => reply.redirect('/console/', 302));

  const FILE_RESPONSES = {
    200: {
      description: 'the file',
      content: {
        'text/html': { schema: { type: 'string' } },
        'text/javascript': { schema: { type: 'string' } },
        'text/css': { schema: { type: 'string' } },
      },
    },
    304: { description: 'not modified since the ETag given in If-None-Match', type: 'null' },
  } as const;

  app.get(
    '/console/',
    {
      schema: {
        summary: 'The web console (public; its data comes from the API after logging in)',
        tags: ['console'],
        response: FILE_RESPONSES,
      },
    },
    (request, reply) => send(reply, files.get('index.html')!, request.headers['if-none-match']),
  );

  app.get<{ Params: { file: string } }>(
    '/console/:file',
    {
      schema: {
        summary: "One of the web console's scripts or its stylesheet",
        tags: ['console'],
        params: {
          type: 'object',
          required: ['file'],
          additionalProperties: false,
          properties: { file: { type: 'string', description: 'the file name, e.g. app.js' } },
        },
        response: { ...FILE_RESPONSES, 404: { description: 'no such file', ...ERROR_SCHEMA } },
      },
    },
    (request, reply) => {
      const file = files.get(request.params.file);
      if (!file) throw new ApiError('not-found', `the console has no file ${request.params.file}`);
      return send(reply, file, request.headers['if-none-match']);
    },
  );
}
