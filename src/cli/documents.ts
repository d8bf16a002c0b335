// `dockside documents list|show`: the canonical documents accepted files became, found by their business
// keys (PO number, shipment id, bill of lading, invoice number) — what operations and finance ask about.
import { Command, Option } from 'commander';
import { DOCUMENT_SCHEMAS } from '../documents/schemas.ts';
import { GatewayError } from '../errors.ts';
import { findDocuments, getDocument, type StoredDocument } from '../store/queries/documents.ts';
import { withGateway } from './context.ts';
import { positiveInt, table } from './operations.ts';

function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function documentsCommand(): Command {
  const documents = new Command('documents').description(
    'the canonical documents accepted files became: ship notices, invoices, orders, tenders, …',
  );
  documents
    .command('list')
    .description('the newest documents first, found by their business keys')
    .option('--po <number>', 'that name this purchase order')
    .option('--shipment <id>', 'with this shipment id')
    .option('--bol <number>', 'with this bill of lading')
    .option('--invoice <number>', 'with this invoice number')
    .option('--partner <id>', 'from this partner')
    .addOption(new Option('--type <type>').choices(Object.keys(DOCUMENT_SCHEMAS).sort()))
    .option('--limit <n>', 'how many', positiveInt('--limit'), 50)
    .option('--json', 'JSON lines, the documents included')
    .action(
      async (opts: {
        po?: string;
        shipment?: string;
        bol?: string;
        invoice?: string;
        partner?: string;
        type?: string;
        limit: number;
        json?: boolean;
      }) => {
        await withGateway({}, async (gateway) => {
          const rows = await findDocuments(gateway.db, {
            ...(opts.po ? { poNumber: opts.po } : {}),
            ...(opts.shipment ? { shipmentId: opts.shipment } : {}),
            ...(opts.bol ? { billOfLading: opts.bol } : {}),
            ...(opts.invoice ? { invoiceNumber: opts.invoice } : {}),
            ...(opts.partner ? { partnerId: opts.partner } : {}),
            ...(opts.type ? { type: opts.type } : {}),
            limit: opts.limit,
          });
          if (opts.json) {
            for (const d of rows) out(JSON.stringify(d));
            return;
          }
          if (rows.length === 0) {
            out('no documents');
            return;
          }
          out(
            table(
              ['id', 'stored', 'partner', 'type', 'key', 'PO numbers', 'receipt', 'test'],
              rows.map((d) => [
                String(d.id),
                d.createdAt.toISOString().replace('T', ' ').slice(0, 19),
                d.partnerId,
                d.type,
                businessKey(d),
                d.poNumbers.join(', '),
                String(d.receiptId),
                d.test ? 'test' : '',
              ]),
            ),
          );
        });
      },
    );
  documents
    .command('show')
    .description('one document, as JSON, with where it came from')
    .argument('<id>', 'document id', positiveInt('document id'))
    .action(async (id: number) => {
      await withGateway({}, async (gateway) => {
        const d = await getDocument(gateway.db, id);
        if (!d) throw new GatewayError('not-found', `there is no document ${id}`, false);
        out(JSON.stringify(d, null, 2));
      });
    });
  return documents;
}

/** What people call the document by: its shipment id (and BOL), invoice number or PO number. */
function businessKey(d: StoredDocument): string {
  if (d.invoiceNumber) return `invoice ${d.invoiceNumber}`;
  if (d.shipmentId) return `shipment ${d.shipmentId}${d.billOfLading ? `, BOL ${d.billOfLading}` : ''}`;
  return d.poNumbers.length > 0 ? `PO ${d.poNumbers[0]}` : '';
}
