// Schema pieces every route uses: keyset pagination, date filters, ids, and the list envelope.
import { ApiError } from './errors.ts';

export const ID_PARAMS = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'integer', minimum: 1, description: 'the id' } },
} as const;

export const PAGE_QUERY = {
  limit: { type: 'integer', minimum: 1, maximum: 500, default: 50, description: 'rows per page' },
  before: {
    type: 'integer',
    minimum: 1,
    description: "keyset paging: only rows with a smaller id (pass the previous page's nextBefore)",
  },
} as const;

const DATE = '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2}))?$';

export const DATE_QUERY = {
  from: {
    type: 'string',
    pattern: DATE,
    description: 'on or after: YYYY-MM-DD (UTC midnight) or an ISO timestamp',
  },
  to: { type: 'string', pattern: DATE, description: 'before: YYYY-MM-DD (UTC midnight) or an ISO timestamp' },
} as const;

/** A date filter that fits the pattern but is no date (2026-02-31) is refused like any bad parameter. */
export function dateParam(name: string, raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00Z` : raw);
  const day = raw.slice(0, 10);
  if (Number.isNaN(d.getTime()) || (raw.length === 10 && d.toISOString().slice(0, 10) !== day)) {
    throw new ApiError('validation-failed', `querystring: /${name} "${raw}" is not a date`, [
      { in: 'querystring', path: `/${name}`, message: 'is not a date' },
    ]);
  }
  return d;
}

/** `{ items, nextBefore }`: nextBefore is set when the page is full, so there may be more. */
export function listSchema(item: object) {
  return {
    type: 'object',
    required: ['items', 'nextBefore'],
    properties: {
      items: { type: 'array', items: item },
      nextBefore: {
        type: ['integer', 'null'],
        description: 'pass as ?before= for the next page; null on the last page',
      },
    },
  } as const;
}

export function page<T extends { id: number }>(items: T[], limit: number) {
  return { items, nextBefore: items.length === limit ? items[items.length - 1]!.id : null };
}

export const DATE_TIME = { type: 'string', format: 'date-time' } as const;
export const NULLABLE_DATE_TIME = { type: ['string', 'null'], format: 'date-time' } as const;
export const NULLABLE_STRING = { type: ['string', 'null'] } as const;
export const NULLABLE_INTEGER = { type: ['integer', 'null'] } as const;
export const ANY = {} as const;
