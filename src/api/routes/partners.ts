// Onboarding's view of the partner registry: every partner with its channels and recent activity, one with
// its file, the files the gateway refuses, a proposed file checked before it is saved, and a partner's
// channels tried. The answers are those of `dockside partners list|show|validate|test`: the same registry,
// loader and checks.
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { errorMessage } from '../../errors.ts';
import { testPartner } from '../../partners/connectivity.ts';
import { certificateWarnings, channelsOf } from '../../partners/describe.ts';
import { directoryProblems, validatePartnerText } from '../../partners/file-problems.ts';
import type { LoadPartnersOptions } from '../../partners/load.ts';
import type { Partner, PartnerDirectory } from '../../partners/partner.ts';
import type { Db } from '../../store/db.ts';
import { audit } from '../../store/queries/audit.ts';
import { partnerActivity, type PartnerActivity } from '../../store/queries/partner-activity.ts';
import { principal } from '../auth.ts';
import { ApiError } from '../errors.ts';
import { DATE_TIME, listSchema, NULLABLE_INTEGER, NULLABLE_STRING } from '../schemas.ts';

export interface PartnerApiDeps {
  /** The registry the gateway serves (the live one: a valid reload replaces what it holds). */
  directory: PartnerDirectory;
  /** The partner directory (config.partnersDir). */
  dir: string;
  /** What the gateway loads partner files with (its reloader's options), so that a file is judged alike. */
  load: LoadPartnersOptions;
  /** The gateway's host keys folder (hostKeysDir(config)): the test reports the hosted server's key. */
  hostKeysDir: string;
  /** How long one connection of a partner test may take; 15 s by default (a request waits for them all). */
  testTimeoutMs?: number;
}

const READ_ROLES = ['onboarding', 'operations'] as const;
const WRITE_ROLES = ['onboarding'] as const;
const STATUSES: readonly Partner['status'][] = ['testing', 'active', 'suspended'];
const ACK_WINDOW_DAYS = 30;

const ID_PARAMS = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$', description: 'partner id' } },
} as const;

const VALIDATION_ERROR = {
  type: 'object',
  required: ['line', 'column', 'path', 'message'],
  properties: {
    line: NULLABLE_INTEGER,
    column: NULLABLE_INTEGER,
    path: { ...NULLABLE_STRING, description: 'the setting, e.g. channels.inbound[0].port' },
    message: {
      type: 'string',
      description: 'as `dockside partners validate` prints it, after file:line:col',
    },
    code: {
      type: 'string',
      description:
        'yaml-syntax, unknown-setting, missing-setting, duplicate-id, duplicate-identity, duplicate-as2-id, ' +
        'secret-unresolved, unreadable or invalid',
    },
  },
} as const;

const PARTNER_SUMMARY_PROPERTIES = {
  id: { type: 'string' },
  name: { type: 'string' },
  status: { type: 'string', enum: [...STATUSES] },
  file: { type: 'string', description: 'relative to the partner directory' },
  channels: {
    type: 'array',
    items: {
      type: 'object',
      required: ['direction', 'kind', 'summary'],
      properties: {
        direction: { type: 'string', enum: ['inbound', 'outbound'] },
        kind: { type: 'string', enum: ['sftp-poll', 'ftp', 'folder', 'hosted-sftp', 'as2', 'sftp'] },
        id: { type: 'string' },
        summary: { type: 'string' },
      },
    },
  },
  lastFile: {
    type: ['object', 'null'],
    required: ['receiptId', 'fileName', 'receivedAt', 'status', 'outcome'],
    properties: {
      receiptId: { type: 'integer' },
      fileName: NULLABLE_STRING,
      receivedAt: DATE_TIME,
      status: { type: 'string' },
      outcome: NULLABLE_STRING,
    },
  },
  lastError: {
    type: ['object', 'null'],
    required: ['at', 'message', 'receiptId', 'source'],
    properties: {
      at: DATE_TIME,
      message: { type: 'string' },
      receiptId: NULLABLE_INTEGER,
      source: { type: 'string', enum: ['receipt', 'delivery', 'dead-letter'] },
    },
  },
  acks: {
    type: 'object',
    description: `acknowledgments we sent the partner in the last ${ACK_WINDOW_DAYS} days`,
    required: ['sent', 'delivered', 'failed', 'pending', 'accepted', 'rejected', 'partiallyAccepted'],
    properties: Object.fromEntries(
      [
        'sent',
        'delivered',
        'failed',
        'pending',
        'noChannel',
        'accepted',
        'rejected',
        'partiallyAccepted',
      ].map((k) => [k, { type: 'integer' }]),
    ),
  },
  warnings: { type: 'array', items: { type: 'string' } },
} as const;

const PARTNER_SUMMARY = {
  type: 'object',
  required: Object.keys(PARTNER_SUMMARY_PROPERTIES),
  properties: PARTNER_SUMMARY_PROPERTIES,
} as const;

const PARTNER_DETAIL = {
  type: 'object',
  required: [...Object.keys(PARTNER_SUMMARY_PROPERTIES), 'yaml', 'identities'],
  properties: {
    ...PARTNER_SUMMARY_PROPERTIES,
    yaml: { type: 'string', description: 'the file as it is now; secrets in it are references only' },
    identities: {
      type: 'array',
      items: {
        type: 'object',
        required: ['qualifier', 'id'],
        properties: {
          qualifier: { type: 'string' },
          id: { type: 'string' },
          applicationIds: { type: 'array', items: { type: 'string' } },
        },
      },
    },
    transactionSets: {
      type: 'array',
      items: {
        type: 'object',
        properties: { set: { type: 'string' }, version: { type: 'string' }, direction: { type: 'string' } },
      },
    },
    contacts: {
      type: 'array',
      items: {
        type: 'object',
        properties: { name: { type: 'string' }, email: { type: 'string' }, role: { type: 'string' } },
      },
    },
  },
} as const;

const CHECK = {
  type: 'object',
  required: ['name', 'ok', 'message'],
  properties: {
    name: {
      type: 'string',
      description: 'what was checked: inbound <channel id>, outbound, hosted login, as2, …',
    },
    ok: { type: 'boolean' },
    skipped: { type: 'boolean', description: 'not tried, because an earlier check of the channel failed' },
    message: { type: 'string' },
    ms: { type: 'integer', description: 'how long the check took' },
  },
} as const;

interface ListQuery {
  status?: Partner['status'];
  q?: string;
  limit: number;
  after?: string;
}

export function partnerRoutes(
  app: FastifyInstance,
  deps: { db: Db; now: () => Date; partners: PartnerApiDeps },
): void {
  const { db, now } = deps;
  const { directory, dir, load, hostKeysDir } = deps.partners;
  const testTimeoutMs = deps.partners.testTimeoutMs ?? 15_000;

  const fileOf = (p: Partner) => {
    const rel = relative(dir, p.file);
    return rel && rel.split(sep)[0] !== '..' && !isAbsolute(rel) ? rel : p.file;
  };
  const summaryOf = (p: Partner, activity: PartnerActivity | undefined, at: Date) => ({
    id: p.id,
    name: p.name,
    status: p.status,
    file: fileOf(p),
    channels: channelsOf(p),
    lastFile: activity?.lastFile ?? null,
    lastError: activity?.lastError ?? null,
    acks: activity?.acks ?? {
      sent: 0,
      delivered: 0,
      failed: 0,
      pending: 0,
      noChannel: 0,
      accepted: 0,
      rejected: 0,
      partiallyAccepted: 0,
    },
    warnings: certificateWarnings(p, at),
  });
  const ackWindowStart = (at: Date) => new Date(at.getTime() - ACK_WINDOW_DAYS * 24 * 60 * 60 * 1000);
  const partnerOr404 = (id: string): Partner => {
    const partner = directory.get(id);
    if (!partner) throw new ApiError('not-found', `no partner ${id}`);
    return partner;
  };

  app.get<{ Querystring: ListQuery }>(
    '/api/partners',
    {
      config: { roles: READ_ROLES },
      schema: {
        summary: 'Every partner the gateway serves, with its channels, last file, last error and acks',
        description:
          'Sorted by id and paged by id: pass nextAfter as ?after= for the next page. The last error is the newest of: a file refused or failing ' +
          '(among its 200 latest), an acknowledgment that could not be delivered, a job given up on.',
        tags: ['partners'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: [...STATUSES] },
            q: {
              type: 'string',
              minLength: 1,
              description: 'part of the id, the name or an ISA identity, in any case',
            },
            limit: {
              type: 'integer',
              minimum: 1,
              maximum: 500,
              default: 100,
              description: 'partners per page',
            },
            after: {
              type: 'string',
              minLength: 1,
              description:
                "keyset paging: only partners whose id sorts after this one (the previous page's nextAfter)",
            },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['items', 'nextAfter'],
            properties: {
              items: { type: 'array', items: PARTNER_SUMMARY },
              nextAfter: {
                type: ['string', 'null'],
                description: 'pass as ?after= for the next page; null on the last page',
              },
            },
          },
        },
      },
    },
    async (request) => {
      const { status, q, limit, after } = request.query;
      const needle = q?.toLowerCase();
      // Ids are compared by code unit, for the sort and for `after` alike, so pages neither skip nor repeat.
      const matching = directory
        .all()
        .filter((p) => after === undefined || p.id > after)
        .filter((p) => status === undefined || p.status === status)
        .filter(
          (p) =>
            needle === undefined ||
            p.id.toLowerCase().includes(needle) ||
            p.name.toLowerCase().includes(needle) ||
            p.identities.some((i) => i.id.toLowerCase().includes(needle)),
        )
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const partners = matching.slice(0, limit);
      const at = now();
      const activity = await partnerActivity(
        db,
        partners.map((p) => p.id),
        ackWindowStart(at),
      );
      return {
        items: partners.map((p) => summaryOf(p, activity.get(p.id), at)),
        nextAfter: matching.length > limit ? partners[partners.length - 1]!.id : null,
      };
    },
  );

  app.get(
    '/api/partners/problems',
    {
      config: { roles: READ_ROLES },
      schema: {
        summary: 'Partner files the gateway refuses to load, with every problem',
        description:
          'While any file has a problem the gateway keeps serving the last valid registry; partnerId is the ' +
          'partner it still serves from that file (its previous version), null for a file it never loaded.',
        tags: ['partners'],
        response: {
          200: listSchema({
            type: 'object',
            required: ['file', 'errors', 'partnerId'],
            properties: {
              file: { type: 'string', description: 'relative to the partner directory' },
              errors: { type: 'array', items: VALIDATION_ERROR },
              partnerId: NULLABLE_STRING,
            },
          }),
        },
      },
    },
    // The loader reads files synchronously; so does this, like the gateway's reload.
    () => {
      const serving = new Map(directory.all().map((p) => [resolve(p.file), p.id]));
      const items = directoryProblems(dir, load).map((f) => ({
        ...f,
        partnerId: serving.get(resolve(join(dir, f.file))) ?? null,
      }));
      return { items, nextBefore: null };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/partners/:id',
    {
      config: { roles: READ_ROLES },
      schema: {
        summary: 'One partner as the gateway serves it, with its file',
        tags: ['partners'],
        params: ID_PARAMS,
        response: {
          200: { type: 'object', required: ['partner'], properties: { partner: PARTNER_DETAIL } },
        },
      },
    },
    async (request) => {
      const p = partnerOr404(request.params.id);
      const at = now();
      const activity = await partnerActivity(db, [p.id], ackWindowStart(at));
      const summary = summaryOf(p, activity.get(p.id), at);
      let yaml = '';
      try {
        yaml = await readFile(p.file, 'utf8');
      } catch (e) {
        summary.warnings.push(`cannot read ${summary.file}: ${errorMessage(e)}`);
      }
      return {
        partner: {
          ...summary,
          yaml,
          identities: p.identities,
          transactionSets: p.transactionSets,
          contacts: p.contacts,
        },
      };
    },
  );

  app.post<{ Body: { yaml: string; fileName?: string } }>(
    '/api/partners/validate',
    {
      config: { roles: WRITE_ROLES },
      schema: {
        summary: 'Check a partner file before it is saved; nothing is written',
        description:
          'The same checks and messages as `dockside partners validate`: the schema, secret references ' +
          '(resolved where the gateway runs), spec overlays, and the id, ISA identities and AS2 id against ' +
          "the directory's other files. fileName names the file it would replace, which is left out of that " +
          'comparison. Problems are the answer (200, valid: false), not an error.',
        tags: ['partners'],
        body: {
          type: 'object',
          required: ['yaml'],
          additionalProperties: false,
          properties: {
            yaml: { type: 'string' },
            fileName: {
              type: 'string',
              pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*\\.ya?ml$',
              description: 'the file in the partner directory it would be saved as, e.g. acme.yaml',
            },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['valid', 'errors', 'warnings'],
            properties: {
              valid: { type: 'boolean' },
              partnerId: { type: 'string' },
              errors: { type: 'array', items: VALIDATION_ERROR },
              warnings: { type: 'array', items: { type: 'string' } },
            },
          },
        },
      },
    },
    (request) =>
      validatePartnerText(request.body.yaml, {
        dir,
        ...(request.body.fileName !== undefined ? { fileName: request.body.fileName } : {}),
        load,
        now: now(),
      }),
  );

  app.post<{ Params: { id: string } }>(
    '/api/partners/:id/test',
    {
      config: { roles: WRITE_ROLES },
      schema: {
        summary: "Try a partner's channels as `dockside partners test` does",
        description:
          'Host key, login and listing of each polled channel, a probe file written and removed where ' +
          'acknowledgments go, the hosted login, AS2 certificates, keys and URL (nothing is sent to an AS2 ' +
          'partner). A failing check is an answer (ok: false), not an error. Recorded in the audit log with ' +
          'the user (or token:<name>).',
        tags: ['partners'],
        params: ID_PARAMS,
        response: {
          200: {
            type: 'object',
            required: ['ok', 'checks'],
            properties: { ok: { type: 'boolean' }, checks: { type: 'array', items: CHECK } },
          },
        },
      },
    },
    async (request) => {
      const who = principal(request);
      const partner = partnerOr404(request.params.id);
      const checks: { name: string; ok: boolean; skipped?: boolean; message: string; ms: number }[] = [];
      let last = Date.now();
      try {
        await testPartner(partner, {
          hostKeysDir,
          timeoutMs: testTimeoutMs,
          now: now(),
          report: (line) => {
            const at = Date.now();
            checks.push({
              name: line.what,
              ok: line.ok !== false,
              ...(line.ok === 'skipped' ? { skipped: true } : {}),
              message: line.detail,
              ms: at - last,
            });
            last = at;
          },
        });
      } catch (e) {
        checks.push({ name: 'test', ok: false, message: `the test stopped: ${errorMessage(e)}`, ms: 0 });
      }
      const ok = checks.every((c) => c.ok);
      await audit(db, {
        actor: who.actor,
        action: 'partner.test',
        subjectType: 'partner',
        subjectId: partner.id,
        details: {
          ok,
          failed: checks.filter((c) => !c.ok).map((c) => ({ name: c.name, message: c.message })),
        },
      });
      return { ok, checks };
    },
  );
}
