// What the pipeline needs to know about a trading partner. The registry work will grow this into the full
// partner file; the pipeline reads partners only through PartnerDirectory.
import type { AckPolicy } from '../x12/acks/build.ts';

export interface PartnerIdentity {
  /** ISA05 / ISA07 qualifier, e.g. ZZ, 01, 08. */
  qualifier: string;
  /** ISA06 / ISA08, without the padding. */
  id: string;
}

export interface FolderInbound {
  kind: 'folder';
  /** Unique within the partner; the receipt names its channel `partner/id`. */
  id: string;
  path: string;
  pollIntervalMs: number;
  /** After a durable intake: move to `processed/` (default), delete, or leave the file. */
  completion: 'move' | 'delete' | 'leave';
}

export interface FolderOutbound {
  kind: 'folder';
  path: string;
}

export type InboundChannel = FolderInbound;
export type OutboundChannel = FolderOutbound;

export interface Partner {
  id: string;
  name: string;
  status: 'testing' | 'active' | 'suspended';
  identities: PartnerIdentity[];
  acknowledgments: Required<AckPolicy>;
  /** An interchange with the same sender, receiver and ISA13 as one received within this many hours is a
   * duplicate. */
  duplicateWindowHours: number;
  inbound: InboundChannel[];
  outbound?: OutboundChannel;
  /** The file it was read from. */
  file: string;
}

export interface PartnerDirectory {
  get(id: string): Partner | undefined;
  all(): Partner[];
  /** The partner that claims this ISA identity, if any. */
  byIdentity(qualifier: string, id: string): Partner | undefined;
}

export function identityKey(qualifier: string, id: string): string {
  return `${qualifier.trim()}/${id.trim()}`;
}

export function ownsIdentity(partner: Partner, qualifier: string, id: string): boolean {
  const key = identityKey(qualifier, id);
  return partner.identities.some((i) => identityKey(i.qualifier, i.id) === key);
}

export class StaticPartnerDirectory implements PartnerDirectory {
  private readonly byId: Map<string, Partner>;
  private readonly byIsa = new Map<string, Partner>();

  constructor(partners: Partner[]) {
    this.byId = new Map(partners.map((p) => [p.id, p]));
    for (const p of partners) for (const i of p.identities) this.byIsa.set(identityKey(i.qualifier, i.id), p);
  }

  get(id: string): Partner | undefined {
    return this.byId.get(id);
  }

  all(): Partner[] {
    return [...this.byId.values()];
  }

  byIdentity(qualifier: string, id: string): Partner | undefined {
    return this.byIsa.get(identityKey(qualifier, id));
  }
}
