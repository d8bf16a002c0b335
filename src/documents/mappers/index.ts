// The mapper registry: which function turns a transaction set of a given id and version into a canonical
// document. Adding a set is one mapper file and one register() call here; the parser never changes.
import type { TransactionSetSegments } from '../../x12/set-segments.ts';
import type { MapResult } from '../issues.ts';
import type { CanonicalDocument } from '../schemas.ts';
import { locate, type MapOptions } from './context.ts';
import { mapInvoice } from './invoice-810.ts';
import { mapFreightInvoice } from './freight-invoice-210.ts';
import { mapLoadTender } from './load-tender-204.ts';
import { mapLoadTenderResponse } from './load-tender-response-990.ts';
import { mapShipmentStatus } from './shipment-status-214.ts';
import { mapPurchaseOrderAck } from './purchase-order-ack-855.ts';
import { mapWarehouseShippingOrder } from './warehouse-shipping-order-940.ts';
import { mapWarehouseShippingAdvice } from './warehouse-shipping-advice-945.ts';
import { mapInventoryAdvice } from './inventory-advice-846.ts';
import { mapPurchaseOrder } from './purchase-order-850.ts';
import { mapShipNotice } from './ship-notice-856.ts';

export type { MapOptions } from './context.ts';

export type SetMapper = (set: TransactionSetSegments, options: MapOptions) => MapResult<CanonicalDocument>;

export class MapperRegistry {
  private readonly mappers = new Map<string, SetMapper>();

  /** `version` is the six-digit version/release (GS08's first six characters: "004010"). */
  register(setId: string, version: string, mapper: SetMapper): this {
    this.mappers.set(`${setId}/${version}`, mapper);
    return this;
  }

  /** Every (set, version) with a mapper of its own, as "856/004010". */
  registered(): string[] {
    return [...this.mappers.keys()].sort();
  }

  /**
   * The mapper for a set: the one of its exact version, else that of the nearest earlier version of the
   * same release that has one (004030 is read as 004010), as the validator picks specs. Industry suffixes of
   * GS08 ("004010VICS") are ignored.
   */
  find(setId: string, version: string): { mapper: SetMapper; version: string } | undefined {
    const base = version.slice(0, 6);
    const exact = this.mappers.get(`${setId}/${base}`);
    if (exact) return { mapper: exact, version: base };
    let best: string | undefined;
    for (const key of this.mappers.keys()) {
      const [id, v] = key.split('/') as [string, string];
      if (id !== setId || v.slice(0, 3) !== base.slice(0, 3) || v > base) continue;
      if (best === undefined || v > best) best = v;
    }
    return best === undefined ? undefined : { mapper: this.mappers.get(`${setId}/${best}`)!, version: best };
  }

  /** Maps a set with its registered mapper; a set nobody maps is an issue, not an exception. */
  map(set: TransactionSetSegments, options: MapOptions): MapResult<CanonicalDocument> {
    const st = set.segments[0];
    const at = st ? locate(st, 1) : { line: 1 };
    if (!set.complete) {
      const last = set.segments[set.segments.length - 1];
      return {
        issues: [
          {
            code: 'set-incomplete',
            severity: 'error',
            message: `${set.setId} ${set.controlNumber} ends without its SE; a document is made only from a whole set`,
            location: last ? locate(last) : at,
          },
        ],
      };
    }
    const found = this.find(set.setId, set.group.version);
    if (!found) {
      return {
        issues: [
          {
            code: 'set-not-mapped',
            severity: 'error',
            message: `no mapper turns a ${set.setId} of version ${set.group.version} into a document`,
            location: at,
          },
        ],
      };
    }
    const result = found.mapper(set, options);
    if (found.version === set.group.version.slice(0, 6)) return result;
    return {
      ...result,
      issues: [
        {
          code: 'version-fallback',
          severity: 'warning',
          message: `version ${set.group.version} has no mapper of its own; read with the ${found.version} mapper`,
          location: at,
        },
        ...result.issues,
      ],
    };
  }
}

/** The mappers Dockside ships: 856, 810, 850, 204, 990, 214, 210, 855, 940, 945 and 846, versions 004010 and 005010. */
export function defaultMappers(): MapperRegistry {
  const registry = new MapperRegistry();
  for (const version of ['004010', '005010']) {
    registry.register('856', version, mapShipNotice);
    registry.register('810', version, mapInvoice);
    registry.register('850', version, mapPurchaseOrder);
    registry.register('204', version, mapLoadTender);
    registry.register('990', version, mapLoadTenderResponse);
    registry.register('214', version, mapShipmentStatus);
    registry.register('210', version, mapFreightInvoice);
    registry.register('855', version, mapPurchaseOrderAck);
    registry.register('940', version, mapWarehouseShippingOrder);
    registry.register('945', version, mapWarehouseShippingAdvice);
    registry.register('846', version, mapInventoryAdvice);
  }
  return registry;
}
