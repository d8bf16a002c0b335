// X12 856 -> AdvanceShipNotice. The hierarchy is rebuilt from the HL links (HL01 id, HL02 parent id), not
// from the order of the segments: partners' systems emit HLs depth-first, breadth-first or in whatever order
// their database returns them, and a link is the only thing the standard promises. Each HL's segments are
// those that follow it up to the next HL.
import type { SetSegment, TransactionSetSegments } from '../../x12/set-segments.ts';
import type {
  AdvanceShipNotice,
  Shipment,
  ShipmentItem,
  ShipmentOrder,
  ShipmentPack,
} from '../advance-ship-notice.ts';
import type { Measure } from '../common.ts';
import type { MapResult } from '../issues.ts';
import {
  readCarrier,
  readDate,
  readDescription,
  readParties,
  readProductIds,
  readReference,
  compact,
} from './common-segments.ts';
import { locate, MapContext, traceOf, type MapOptions } from './context.ts';

interface HlNode {
  hl: SetSegment;
  id: string;
  parentId: string | undefined;
  level: string;
  body: SetSegment[];
  children: HlNode[];
}

const LEVEL_NAMES: Record<string, string> = {
  S: 'shipment',
  O: 'order',
  T: 'tare',
  P: 'pack',
  Q: 'subpack',
  I: 'item',
};

/** Which pack levels may hold which: a tare holds packs, a pack holds subpacks. Items go in any of them. */
const INNER_PACK: Record<string, string> = { T: 'P', P: 'Q' };
const PACK_LEVELS: Record<string, ShipmentPack['level']> = { T: 'tare', P: 'pack', Q: 'subpack' };

export function mapShipNotice(
  set: TransactionSetSegments,
  options: MapOptions,
): MapResult<AdvanceShipNotice> {
  const ctx = new MapContext(set, options);
  const st = set.segments[0]!;
  const header: SetSegment[] = [];
  const nodes: HlNode[] = [];
  let current: HlNode | undefined;
  for (const seg of set.segments.slice(1)) {
    if (seg.tag === 'CTT' || seg.tag === 'SE') break;
    if (seg.tag === 'HL') {
      current = {
        hl: seg,
        id: ctx.required(seg, 1, 'hierarchical id') ?? '',
        parentId: ctx.text(seg, 2),
        level: ctx.required(seg, 3, 'hierarchical level code') ?? '',
        body: [],
        children: [],
      };
      nodes.push(current);
    } else if (current) {
      current.body.push(seg);
    } else {
      header.push(seg);
    }
  }

  const bsn = header.find((s) => s.tag === 'BSN');
  if (!bsn) ctx.missingSegment('BSN', 'shipment identification', st);
  const shipmentId = bsn && ctx.required(bsn, 2, 'shipment identification');
  const noticeDate = bsn && ctx.date(bsn, 3, 'notice date');
  const noticeTime = bsn && ctx.time(bsn, 4, 'notice time');

  const shipmentNode = buildTree(ctx, nodes, st);
  const shipment = shipmentNode ? readShipment(ctx, shipmentNode, header) : undefined;
  const orders = shipmentNode ? readOrders(ctx, shipmentNode) : [];
  if (shipmentNode && orders.length === 0 && !ctx.failed) {
    ctx.issue(
      'required-value-missing',
      `the shipment (HL ${shipmentNode.id}) has no order level (HL03 O), so no purchase order number`,
      locate(shipmentNode.hl, 3),
    );
  }

  if (ctx.failed || shipmentId === undefined || shipment === undefined || bsn === undefined) {
    return { issues: ctx.issues };
  }
  const refs = shipment.references;
  const notice = compact<AdvanceShipNotice>({
    type: 'advance-ship-notice',
    schemaVersion: 1,
    partnerId: options.partnerId,
    shipmentId,
    purposeCode: ctx.text(bsn, 1),
    noticeDate,
    noticeTime,
    billOfLading: refs.find((r) => r.qualifier === 'BM')?.value,
    proNumber: refs.find((r) => r.qualifier === 'CN')?.value,
    poNumbers: [...new Set(orders.map((o) => o.poNumber))],
    shipment,
    orders,
    source: ctx.source(),
  });
  return { document: notice, issues: ctx.issues };
}

/** Links every HL to its parent by id; returns the one shipment level, reporting what does not fit. */
function buildTree(ctx: MapContext, nodes: HlNode[], st: SetSegment): HlNode | undefined {
  if (nodes.length === 0) {
    ctx.missingSegment('HL', 'shipment, order or item level', st);
    return undefined;
  }
  const byId = new Map<string, HlNode>();
  for (const node of nodes) {
    if (node.id === '') continue;
    const first = byId.get(node.id);
    if (first) {
      ctx.issue(
        'hl-duplicate-id',
        `HL01 ${node.id} is used again (first by the HL on line ${first.hl.line}); each HL needs its own id`,
        locate(node.hl, 1),
        node.id,
      );
      continue;
    }
    byId.set(node.id, node);
  }
  const roots: HlNode[] = [];
  for (const node of nodes) {
    if (node.id === '' || byId.get(node.id) !== node) continue;
    if (node.parentId === undefined) {
      roots.push(node);
      continue;
    }
    const parent = byId.get(node.parentId);
    if (parent === undefined) {
      ctx.issue(
        'hl-parent-unknown',
        `HL ${node.id} names parent HL ${node.parentId}, which no HL in this set carries`,
        locate(node.hl, 2),
        node.parentId,
      );
      continue;
    }
    parent.children.push(node);
  }
  // Siblings in HL01 order: the ids count up in the order the sender built the hierarchy, whatever order
  // the segments were written in.
  for (const node of byId.values()) node.children.sort(byHlId);

  const reached = new Set<HlNode>();
  const visit = (n: HlNode) => {
    reached.add(n);
    n.children.forEach(visit);
  };
  roots.forEach(visit);
  for (const node of byId.values()) {
    if (reached.has(node) || node.parentId === undefined || !byId.has(node.parentId)) continue;
    ctx.issue(
      'hl-cycle',
      `HL ${node.id}'s parents lead back to itself and never to the shipment`,
      locate(node.hl, 2),
      node.parentId,
    );
  }

  const shipments = roots.filter((r) => r.level === 'S');
  for (const root of roots) {
    if (root.level !== 'S' && root.level !== '') {
      ctx.issue(
        'hl-structure',
        `HL ${root.id} (level ${describeLevel(root.level)}) has no parent; only the shipment level (S) may`,
        locate(root.hl, 2),
      );
    }
  }
  if (shipments.length !== 1) {
    ctx.issue(
      'hl-shipment-count',
      shipments.length === 0
        ? 'no shipment level (HL03 S without HL02); a ship notice describes one shipment'
        : `${shipments.length} shipment levels (HL03 S without HL02, on lines ${shipments.map((s) => s.hl.line).join(', ')}); a ship notice describes one shipment`,
      locate((shipments[1] ?? nodes[0]!).hl, 3),
    );
    return undefined;
  }
  return shipments[0];
}

function byHlId(a: HlNode, b: HlNode): number {
  const x = Number(a.id);
  const y = Number(b.id);
  if (Number.isInteger(x) && Number.isInteger(y)) return x - y;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function describeLevel(level: string): string {
  const name = LEVEL_NAMES[level];
  return name ? `${level}, ${name}` : level;
}

function misplaced(ctx: MapContext, node: HlNode, parent: HlNode, allowed: string): void {
  if (node.level === '') return;
  ctx.issue(
    'hl-structure',
    `HL ${node.id} (level ${describeLevel(node.level)}) hangs under HL ${parent.id} (level ${describeLevel(parent.level)}), which may only have ${allowed} under it`,
    locate(node.hl, 3),
    node.level,
  );
}

function readShipment(ctx: MapContext, node: HlNode, header: SetSegment[]): Shipment {
  const found: Partial<Shipment> = {};
  const references = [];
  const dates = [];
  for (const seg of [...header, ...node.body]) {
    switch (seg.tag) {
      case 'TD1':
        found.packagingCode ??= ctx.text(seg, 1);
        found.ladingQuantity ??= ctx.decimal(seg, 2, 'lading quantity');
        readWeight(ctx, seg, found);
        readVolume(ctx, seg, found);
        break;
      case 'TD5': {
        const carrier = readCarrier(ctx, seg);
        if ((carrier.scac ?? carrier.name) !== undefined) found.carrier ??= carrier;
        break;
      }
      case 'TD3':
        found.equipmentNumber ??= ctx.text(seg, 3);
        break;
      case 'REF': {
        const ref = readReference(ctx, seg);
        if (ref) references.push(ref);
        break;
      }
      case 'DTM': {
        const date = readDate(ctx, seg);
        if (!date) break;
        dates.push(date);
        if (date.qualifier === '011' && found.shipDate === undefined) {
          found.shipDate = date.date;
          found.shipTime = date.time;
        }
        if (date.qualifier === '017' || date.qualifier === '067') found.estimatedDeliveryDate ??= date.date;
        break;
      }
      case 'FOB':
        found.paymentMethod ??= ctx.text(seg, 1);
        break;
      default:
        break;
    }
  }
  return compact<Shipment>({
    shipDate: found.shipDate,
    shipTime: found.shipTime,
    estimatedDeliveryDate: found.estimatedDeliveryDate,
    carrier: found.carrier,
    packagingCode: found.packagingCode,
    ladingQuantity: found.ladingQuantity,
    grossWeight: found.grossWeight,
    netWeight: found.netWeight,
    volume: found.volume,
    equipmentNumber: found.equipmentNumber,
    paymentMethod: found.paymentMethod,
    parties: readParties(ctx, node.body),
    references,
    dates,
    trace: traceOf(node.hl),
  });
}

/** TD106 says which weight TD107/TD108 carry: G gross, N net (others are kept as gross when none is). */
function readWeight(
  ctx: MapContext,
  seg: SetSegment,
  into: { grossWeight?: Measure; netWeight?: Measure },
): void {
  const value = ctx.decimal(seg, 7, 'weight');
  const unit = ctx.text(seg, 8);
  if (value === undefined || unit === undefined) return;
  if (ctx.text(seg, 6) === 'N') into.netWeight ??= { value, unit };
  else into.grossWeight ??= { value, unit };
}

function readVolume(ctx: MapContext, seg: SetSegment, into: { volume?: Measure }): void {
  const value = ctx.decimal(seg, 9, 'volume');
  const unit = ctx.text(seg, 10);
  if (value !== undefined && unit !== undefined) into.volume ??= { value, unit };
}

function readOrders(ctx: MapContext, shipment: HlNode): ShipmentOrder[] {
  const orders: ShipmentOrder[] = [];
  for (const child of shipment.children) {
    if (child.level !== 'O') {
      misplaced(ctx, child, shipment, 'orders (O)');
      continue;
    }
    const order = readOrder(ctx, child);
    if (order) orders.push(order);
  }
  return orders;
}

function readOrder(ctx: MapContext, node: HlNode): ShipmentOrder | undefined {
  const prf = node.body.find((s) => s.tag === 'PRF');
  let poNumber: string | undefined;
  let poDate: string | undefined;
  let release: string | undefined;
  if (prf) {
    poNumber = ctx.required(prf, 1, 'purchase order number');
    release = ctx.text(prf, 2);
    poDate = ctx.date(prf, 4, 'purchase order date');
  } else {
    ctx.issue(
      'required-segment-missing',
      `order HL ${node.id} has no PRF segment, so no purchase order number; the ship notice needs it`,
      locate(node.hl),
    );
  }
  const packs: ShipmentPack[] = [];
  const items: ShipmentItem[] = [];
  for (const child of node.children) {
    if (child.level === 'T' || child.level === 'P') {
      packs.push(readPack(ctx, child));
    } else if (child.level === 'I') {
      const item = readItem(ctx, child);
      if (item) items.push(item);
    } else {
      misplaced(ctx, child, node, 'tares (T), packs (P) and items (I)');
    }
  }
  if (poNumber === undefined) return undefined;
  return compact<ShipmentOrder>({
    poNumber,
    poDate,
    releaseNumber: release,
    parties: readParties(ctx, node.body),
    references: node.body
      .filter((s) => s.tag === 'REF')
      .map((s) => readReference(ctx, s))
      .filter((r) => r !== undefined),
    packs,
    items,
    trace: traceOf(node.hl),
  });
}

const SSCC_QUALIFIERS = new Set(['GM', 'AA']);

function readPack(ctx: MapContext, node: HlNode): ShipmentPack {
  const found: Partial<ShipmentPack> = {};
  const marks: { qualifier: string; value: string }[] = [];
  for (const seg of node.body) {
    if (seg.tag === 'MAN') {
      for (const [q, v] of [
        [1, 2],
        [4, 5],
      ] as const) {
        const qualifier = ctx.text(seg, q);
        const value = ctx.text(seg, v);
        if (qualifier === undefined || value === undefined) continue;
        marks.push({ qualifier, value });
        if (SSCC_QUALIFIERS.has(qualifier) && found.sscc === undefined) found.sscc = sscc(ctx, seg, value);
      }
    } else if (seg.tag === 'TD1') {
      found.packagingCode ??= ctx.text(seg, 1);
      readWeight(ctx, seg, found);
    } else if (seg.tag === 'PO4') {
      found.packSize ??= ctx.decimal(seg, 1, 'units per pack');
      found.innerPack ??= ctx.decimal(seg, 14, 'inner pack');
    }
  }
  const packs: ShipmentPack[] = [];
  const items: ShipmentItem[] = [];
  for (const child of node.children) {
    const inner = INNER_PACK[node.level];
    if (inner !== undefined && child.level === inner) {
      packs.push(readPack(ctx, child));
    } else if (child.level === 'I') {
      const item = readItem(ctx, child);
      if (item) items.push(item);
    } else {
      const allowed = inner === undefined ? 'items (I)' : `${LEVEL_NAMES[inner]}s (${inner}) and items (I)`;
      misplaced(ctx, child, node, allowed);
    }
  }
  return compact<ShipmentPack>({
    level: PACK_LEVELS[node.level] ?? 'pack',
    sscc: found.sscc,
    marks,
    packagingCode: found.packagingCode,
    grossWeight: found.grossWeight,
    packSize: found.packSize,
    innerPack: found.innerPack,
    packs,
    items,
    trace: traceOf(node.hl),
  });
}

/**
 * The SSCC-18 in a label's marks: 18 digits, or 20 when the sender kept the GS1 application identifier (00)
 * of the barcode in front. Marks that are not an SSCC at all (a carton number) are left alone; one whose
 * check digit is wrong is reported, because matching cartons by it would fail silently downstream.
 */
function sscc(ctx: MapContext, seg: SetSegment, value: string): string | undefined {
  const digits = /^[0-9]{18}$/.test(value) ? value : /^00[0-9]{18}$/.test(value) ? value.slice(2) : undefined;
  if (digits === undefined) return undefined;
  if (gs1CheckDigit(digits.slice(0, 17)) === Number(digits[17])) return digits;
  ctx.issue(
    'sscc-check-digit',
    `MAN02 ${value} looks like an SSCC but its check digit should be ${gs1CheckDigit(digits.slice(0, 17))}; kept as a mark only`,
    locate(seg, 2),
    value,
  );
  return undefined;
}

/** GS1 mod-10: weights 3 and 1 alternate from the rightmost digit. */
function gs1CheckDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum += Number(body[body.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
  return (10 - (sum % 10)) % 10;
}

function readItem(ctx: MapContext, node: HlNode): ShipmentItem | undefined {
  for (const child of node.children) misplaced(ctx, child, node, 'nothing');
  const lin = node.body.find((s) => s.tag === 'LIN');
  const sn1 = node.body.find((s) => s.tag === 'SN1');
  if (!lin) {
    ctx.issue(
      'required-segment-missing',
      `item HL ${node.id} has no LIN segment, so nothing says which product it ships`,
      locate(node.hl),
    );
  }
  if (!sn1) {
    ctx.issue(
      'required-segment-missing',
      `item HL ${node.id} has no SN1 segment, so no quantity shipped`,
      locate(node.hl),
    );
  }
  if (!lin || !sn1) return undefined;
  const quantity = ctx.decimal(sn1, 2, 'quantity shipped', true);
  const unit = ctx.required(sn1, 3, 'unit of measure');
  if (quantity === undefined || unit === undefined) return undefined;
  const po4 = node.body.find((s) => s.tag === 'PO4');
  const pid = node.body.find((s) => s.tag === 'PID');
  return compact<ShipmentItem>({
    lineNumber: ctx.text(lin, 1) ?? ctx.text(sn1, 1),
    ...readProductIds(ctx, lin, 2),
    quantityShipped: quantity,
    unit,
    quantityOrdered: ctx.decimal(sn1, 5, 'quantity ordered'),
    packSize: po4 && ctx.decimal(po4, 1, 'units per pack'),
    innerPack: po4 && ctx.decimal(po4, 14, 'inner pack'),
    description: pid && readDescription(ctx, pid),
    trace: traceOf(node.hl),
  });
}
