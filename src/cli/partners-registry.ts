// The partner registry as the `partners` commands read it: loaded the way the gateway loads it, so that a
// file the gateway would refuse is refused here with the same messages.
import { hostedRootDir, type GatewayConfig } from '../config/gateway.ts';
import { GatewayError } from '../errors.ts';
import { loadPartners } from '../partners/load.ts';
import type { Partner, PartnerDirectory } from '../partners/partner.ts';

export function registryOf(config: GatewayConfig): PartnerDirectory {
  return loadPartners(config.partnersDir, { dataDir: config.dataDir, hostedRoot: hostedRootDir(config) });
}

/** The partner of that id; an unknown id is a usage error that lists the known ones. */
export function partnerOf(registry: PartnerDirectory, id: string): Partner {
  const partner = registry.get(id);
  if (!partner) {
    const known =
      registry
        .all()
        .map((p) => p.id)
        .join(', ') || 'none';
    throw new GatewayError('usage', `there is no partner "${id}" (known: ${known})`, false);
  }
  return partner;
}
