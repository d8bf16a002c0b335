// The configuration of the demo ERP export (sftp-fixtures/demo/erp/), as docs/erp.md shows it.
import type { CsvExportErpOptions } from '../../../src/erp/index.ts';

export const DEMO_ERP_FOLDER = new URL('../../../sftp-fixtures/demo/erp/', import.meta.url).pathname;

export function demoExportOptions(folder = DEMO_ERP_FOLDER): CsvExportErpOptions {
  return {
    kind: 'csv-export',
    folder,
    headers: { file: 'po_headers.csv' },
    lines: { file: 'po_lines.csv' },
    receipts: { file: 'po_receipts.csv' },
    fields: {
      header: {
        poNumber: 'po_number',
        partnerId: 'partner_id',
        poDate: 'po_date',
        currency: 'currency',
        orderTypeCode: 'order_type',
        shipToName: 'ship_to_name',
        shipToIdQualifier: 'ship_to_id_qualifier',
        shipToId: 'ship_to_id',
        shipToAddress1: 'ship_to_address',
        shipToCity: 'ship_to_city',
        shipToRegion: 'ship_to_region',
        shipToPostalCode: 'ship_to_postal_code',
        shipToCountry: 'ship_to_country',
        termsDiscountPercent: 'terms_discount_percent',
        termsDiscountDays: 'terms_discount_days',
        termsNetDays: 'terms_net_days',
        termsDescription: 'terms_description',
      },
      line: {
        poNumber: 'po_number',
        lineNumber: 'line_number',
        buyerPartNumber: 'buyer_part_number',
        vendorPartNumber: 'vendor_part_number',
        upc: 'upc',
        gtin: 'gtin',
        description: 'description',
        quantity: 'quantity',
        unit: 'unit',
        unitPrice: 'unit_price',
      },
      receipt: {
        poNumber: 'po_number',
        receiptNumber: 'receipt_number',
        lineNumber: 'line_number',
        vendorPartNumber: 'vendor_part_number',
        quantity: 'quantity',
        unit: 'unit',
        receivedDate: 'received_date',
      },
    },
  };
}
