// Finance's other views of the mismatches: the report file (the same CSV or workbook `dockside report
// mismatches` writes), the amounts at risk over time for a chart, and one mismatch's purchase order line by
// line with every ship notice and invoice that names it.
import type { FastifyInstance } from 'fastify';
import type { PurchaseOrder } from '../../documents/purchase-order.ts';
import type { ErpAdapter } from '../../erp/index.ts';
import { errorMessage } from '../../errors.ts';
import type { PartnerDirectory } from '../../partners/partner.ts';
import { alignLines, itemIdsOf, LINE_DIFFERENCES } from '../../reconcile/line-view.ts';
import { DEFAULT_TOLERANCES, receivedPoDocuments } from '../../reconcile/index.ts';
import { renderMismatchCsv, renderMismatchXlsx } from '../../reports/index.ts';
import { loadMismatchReport } from '../../reports/mismatch-source.ts';
import type { Db } from '../../store/db.ts';
import { poTimelineDocuments } from '../../store/queries/documents.ts';
import {
  findMismatches,
  getMismatch,
  mismatchChart,
  type ChartBucket,
} from '../../store/queries/mismatches.ts';
import { ApiError } from '../errors.ts';
import { DATE_TIME, ID_PARAMS, NULLABLE_INTEGER, NULLABLE_STRING } from '../schemas.ts';
import { MISMATCH_FILTER_QUERY, mismatchFilterOf, type MismatchFilterQuery } from './mismatches.ts';

const ROLES = ['finance'] as const;

const FORMATS = {
  csv: { type: 'text/csv; charset=utf-8', extension: 'csv' },
  xlsx: {
    type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    extension: 'xlsx',
  },
} as const;

const DECIMAL = { type: 'string', description: 'a decimal, as text so no precision is lost' } as const;
const NULLABLE_DECIMAL = { type: ['string', 'null'], description: 'a decimal, as text' } as const;
const ITEM_IDS = {
  type: 'object',
  additionalProperties: { type: 'string' },
  description:
    'identifiers by X12 qualifier: BP buyer part, VP vendor part, UP UPC, EN GTIN, SK SKU, others as sent',
} as const;

const PO_LINE = {
  type: 'object',
  required: ['lineNumber', 'itemIds', 'quantity', 'uom', 'unitPrice'],
  properties: {
    lineNumber: NULLABLE_STRING,
    itemIds: ITEM_IDS,
    description: { type: 'string' },
    quantity: DECIMAL,
    uom: { type: 'string' },
    unitPrice: NULLABLE_DECIMAL,
  },
} as const;

const TIMELINE = {
  type: 'object',
  required: ['mismatchId', 'poNumber', 'partnerId', 'purchaseOrder', 'documents', 'lines', 'mismatches'],
  properties: {
    mismatchId: { type: 'integer' },
    poNumber: { type: 'string' },
    partnerId: { type: 'string' },
    purchaseOrder: {
      type: 'object',
      required: ['source', 'found', 'lines'],
      properties: {
        source: { type: 'string', enum: ['erp'] },
        found: { type: 'boolean' },
        error: { type: 'string', description: 'why the ERP could not be asked, when it could not' },
        orderDate: { type: 'string', description: 'YYYY-MM-DD' },
        currency: { type: 'string' },
        lines: { type: 'array', items: PO_LINE },
      },
    },
    documents: {
      type: 'array',
      description: 'the ship notices and invoices that name the PO, in the order they arrived',
      items: {
        type: 'object',
        required: ['id', 'type', 'number', 'createdAt', 'receiptId'],
        properties: {
          id: { type: 'integer' },
          type: { type: 'string' },
          number: NULLABLE_STRING,
          billOfLading: NULLABLE_STRING,
          createdAt: DATE_TIME,
          receiptId: NULLABLE_INTEGER,
        },
      },
    },
    lines: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'key',
          'itemIds',
          'ordered',
          'shipped',
          'invoiced',
          'differences',
          'withinTolerance',
          'mismatchIds',
        ],
        properties: {
          key: { type: 'string' },
          lineNumber: { type: 'string', description: 'the PO line number, for a line of the PO' },
          itemIds: ITEM_IDS,
          description: { type: 'string' },
          ordered: {
            type: ['object', 'null'],
            required: ['quantity', 'uom', 'unitPrice'],
            properties: { quantity: DECIMAL, uom: { type: 'string' }, unitPrice: NULLABLE_DECIMAL },
          },
          shipped: {
            type: 'array',
            items: {
              type: 'object',
              required: ['documentId', 'quantity', 'uom'],
              properties: {
                documentId: { type: 'integer' },
                quantity: DECIMAL,
                uom: { type: 'string' },
                counted: {
                  type: 'boolean',
                  description: 'false for a notice reconciliation does not count (a duplicate, replaced)',
                },
              },
            },
          },
          invoiced: {
            type: 'array',
            items: {
              type: 'object',
              required: ['documentId', 'quantity', 'uom', 'unitPrice'],
              properties: {
                documentId: { type: 'integer' },
                quantity: DECIMAL,
                uom: { type: 'string' },
                unitPrice: DECIMAL,
                counted: { type: 'boolean', description: 'false for a repeated invoice number' },
                credit: { type: 'boolean', description: 'a credit memo: the quantity is returned' },
              },
            },
          },
          differences: {
            type: 'array',
            description: "differences beyond the partner's tolerances: what reconciliation calls a mismatch",
            items: { type: 'string', enum: [...LINE_DIFFERENCES] },
          },
          withinTolerance: {
            type: 'array',
            description: "quantity or unit price differences the partner's tolerances allow",
            items: { type: 'string', enum: [...LINE_DIFFERENCES] },
          },
          mismatchIds: { type: 'array', items: { type: 'integer' } },
        },
      },
    },
    tolerances: {
      type: ['object', 'null'],
      description:
        "the partner file's reconciliation tolerances the lines are compared with (schema defaults for a partner " +
        'no longer configured); null when the gateway serves no partner registry, and lines are compared exactly',
      required: ['quantityPercent', 'unitPriceAbsolute', 'unitPricePercent', 'invoiceGraceDays'],
      properties: {
        quantityPercent: { type: 'number' },
        unitPriceAbsolute: { type: 'number' },
        unitPricePercent: { type: 'number' },
        invoiceGraceDays: { type: 'number' },
      },
    },
    mismatches: {
      type: 'array',
      description: "the PO's mismatches (of this partner)",
      items: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          type: { type: 'string' },
          status: { type: 'string' },
          severity: { type: 'string' },
          amountAtRisk: DECIMAL,
          currency: { type: 'string' },
          message: { type: 'string' },
        },
      },
    },
  },
} as const;

interface ExportQuery extends MismatchFilterQuery {
  format: 'csv' | 'xlsx';
}

interface ChartQuery extends MismatchFilterQuery {
  bucket: ChartBucket;
}

export function mismatchViewRoutes(
  app: FastifyInstance,
  deps: { db: Db; now: () => Date; erp?: ErpAdapter; partners?: PartnerDirectory },
): void {
  const { db } = deps;

  app.get<{ Querystring: ExportQuery }>(
    '/api/mismatches/export',
    {
      config: { roles: ROLES },
      schema: {
        summary: 'Every mismatch the filters select, as the CSV or XLSX report file',
        description:
          'The file `dockside report mismatches --format csv|xlsx` writes for the same filter, as an attachment ' +
          'named dockside-mismatches-<UTC date>.csv or .xlsx. No paging: every matching row.',
        tags: ['mismatches'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            format: { type: 'string', enum: ['csv', 'xlsx'], default: 'csv' },
            ...MISMATCH_FILTER_QUERY,
          },
        },
        response: {
          200: {
            description: 'the report file',
            content: {
              [FORMATS.csv.type]: { schema: { type: 'string' } },
              [FORMATS.xlsx.type]: { schema: { type: 'string', format: 'binary' } },
            },
          },
        },
      },
    },
    async (request, reply) => {
      const { format, ...filters } = request.query;
      const now = deps.now();
      const report = await loadMismatchReport(db, mismatchFilterOf(filters), now);
      const body =
        format === 'csv' ? Buffer.from(renderMismatchCsv(report), 'utf8') : await renderMismatchXlsx(report);
      const name = `dockside-mismatches-${now.toISOString().slice(0, 10)}.${FORMATS[format].extension}`;
      return reply
        .type(FORMATS[format].type)
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(body);
    },
  );

  app.get<{ Querystring: ChartQuery }>(
    '/api/mismatches/chart',
    {
      config: { roles: ROLES },
      schema: {
        summary: 'Mismatches and amounts at risk by detection day or week, partner, type and currency',
        description:
          'One point per (period, partner, type, currency), sorted that way; periods are the UTC day or the ' +
          'week starting Monday. Amounts are exact decimal sums and never added across currencies.',
        tags: ['mismatches'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            bucket: { type: 'string', enum: ['day', 'week'], default: 'day' },
            ...MISMATCH_FILTER_QUERY,
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['bucket', 'series'],
            properties: {
              bucket: { type: 'string', enum: ['day', 'week'] },
              series: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['period', 'partnerId', 'type', 'currency', 'amountAtRisk', 'count'],
                  properties: {
                    period: { type: 'string', description: 'the first day of the bucket, YYYY-MM-DD (UTC)' },
                    partnerId: { type: 'string' },
                    type: { type: 'string' },
                    currency: NULLABLE_STRING,
                    amountAtRisk: DECIMAL,
                    count: { type: 'integer' },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (request) => {
      const { bucket, ...filters } = request.query;
      return { bucket, series: await mismatchChart(db, mismatchFilterOf(filters), bucket) };
    },
  );

  app.get<{ Params: { id: number } }>(
    '/api/mismatches/:id/timeline',
    {
      config: { roles: ROLES },
      schema: {
        summary: "A mismatch's purchase order line by line: ordered, shipped and invoiced, with differences",
        description:
          'The order as the ERP has it now, the ship notices and invoices of the partner that name the PO, and ' +
          'their lines aligned as reconciliation aligns them. An ERP that cannot be asked is reported in ' +
          'purchaseOrder.error; the documents are still shown.',
        tags: ['mismatches'],
        params: ID_PARAMS,
        response: { 200: TIMELINE },
      },
    },
    async (request) => {
      const mismatch = await getMismatch(db, request.params.id);
      if (!mismatch) throw new ApiError('not-found', `no mismatch ${request.params.id}`);
      const { partnerId, poNumber } = mismatch;
      const [erp, docs, mismatches] = await Promise.all([
        askErp(deps.erp, poNumber),
        poTimelineDocuments(db, partnerId, poNumber),
        findMismatches(db, { partnerId, poNumber, limit: 1000 }),
      ]);
      const { shipNotices, invoices } = receivedPoDocuments(docs);
      // The tolerances reconciliation used: the partner file's, or the defaults for a partner since removed.
      const tolerances = deps.partners
        ? (deps.partners.get(partnerId)?.reconciliation ?? DEFAULT_TOLERANCES)
        : undefined;
      const lines = alignLines({
        ...(tolerances ? { tolerances } : {}),
        poNumber,
        purchaseOrder: erp.po,
        erpAnswered: erp.error === undefined,
        shipNotices,
        invoices,
        mismatches,
      });
      return {
        mismatchId: mismatch.id,
        poNumber,
        partnerId,
        purchaseOrder: purchaseOrderView(erp),
        tolerances: tolerances ?? null,
        documents: docs
          .filter((d) => d.namesPo)
          .map((d) => ({
            id: d.id,
            type: d.type,
            number: d.type === 'invoice' ? d.invoiceNumber : d.shipmentId,
            billOfLading: d.billOfLading,
            createdAt: d.createdAt,
            receiptId: d.receiptId,
          })),
        lines: lines.map((l) => ({
          ...l,
          shipped: l.shipped.map((s) => ({ ...s, documentId: Number(s.documentId) })),
          invoiced: l.invoiced.map((i) => ({ ...i, documentId: Number(i.documentId) })),
        })),
        mismatches: mismatches.map((m) => ({
          id: m.id,
          type: m.type,
          status: m.status,
          severity: m.severity,
          amountAtRisk: m.amountAtRisk,
          ...(m.currency ? { currency: m.currency } : {}),
          message: m.message,
        })),
      };
    },
  );
}

interface ErpAnswer {
  po: PurchaseOrder | undefined;
  error?: string;
}

async function askErp(erp: ErpAdapter | undefined, poNumber: string): Promise<ErpAnswer> {
  if (!erp) return { po: undefined, error: 'no ERP is configured' };
  try {
    return { po: await erp.purchaseOrder(poNumber) };
  } catch (e) {
    // The documents are worth showing without the order: the ERP's failure is part of the answer.
    return { po: undefined, error: errorMessage(e) };
  }
}

function purchaseOrderView({ po, error }: ErpAnswer) {
  return {
    source: 'erp' as const,
    found: po !== undefined,
    ...(error !== undefined ? { error } : {}),
    ...(po ? { orderDate: po.poDate } : {}),
    ...(po?.currency ? { currency: po.currency } : {}),
    lines: (po?.lines ?? []).map((l) => ({
      lineNumber: l.lineNumber?.trim() || null,
      itemIds: itemIdsOf(l),
      ...(l.description !== undefined ? { description: l.description } : {}),
      quantity: l.quantityOrdered,
      uom: l.unit.trim(),
      unitPrice: l.unitPrice ?? null,
    })),
  };
}
