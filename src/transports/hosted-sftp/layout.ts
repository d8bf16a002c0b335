// Where a hosted partner's files live on the gateway's disk, under the hosted root (DOCKSIDE_DATA_DIR/hosted):
//
//   <root>/<partnerId>/inbound/     what the partner sees as /inbound: its folders and uploads still under a
//                                    temporary name (x.part), waiting to be renamed
//   <root>/<partnerId>/outbound/    what the partner sees as /outbound: acks and documents for it
//   <root>/<partnerId>/.incoming/   uploads under a final name while they arrive; never visible to the partner
//   <root>/<partnerId>/.outgoing/   deliveries being written, renamed into outbound/ once complete
//
// The two dot folders sit beside inbound/ and outbound/ on the same file system, so a rename out of them is
// atomic, and outside what a partner can name (only inbound and outbound exist at the top of its tree).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { GatewayError } from '../../errors.ts';
import { LOGIN_NAME } from './auth.ts';

export interface PartnerDirs {
  home: string;
  inbound: string;
  outbound: string;
  incoming: string;
  outgoing: string;
}

export function partnerDirs(root: string, partnerId: string): PartnerDirs {
  // The id becomes a folder name: only the ids the partner schema allows, so none can climb out of the root.
  if (!LOGIN_NAME.test(partnerId)) {
    throw new GatewayError('usage', `${JSON.stringify(partnerId)} is not a partner id`, false);
  }
  const home = join(root, partnerId);
  return {
    home,
    inbound: join(home, 'inbound'),
    outbound: join(home, 'outbound'),
    incoming: join(home, '.incoming'),
    outgoing: join(home, '.outgoing'),
  };
}

export async function ensurePartnerDirs(dirs: PartnerDirs): Promise<void> {
  for (const dir of [dirs.inbound, dirs.outbound, dirs.incoming, dirs.outgoing]) {
    await mkdir(dir, { recursive: true, mode: 0o750 });
  }
}
