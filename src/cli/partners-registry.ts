// The partner registry as the `partners` commands read it: loaded the way the gateway loads it (with the
// standard specs, so that spec overlays are checked too), so that a file the gateway would refuse is refused
// here with the same messages.
import { hostedRootDir, type GatewayConfig } from '../config/gateway.ts';
import type { LoadedSpecs } from '../config/x12-specs.ts';
import { GatewayError } from '../errors.ts';
import { createX12Services } from '../main.ts';
import { loadPartners, type LoadPartnersOptions } from '../partners/load.ts';
import type { Partner, PartnerDirectory } from '../partners/partner.ts';

/** The standard specs; problems in them stop the command as they stop the gateway. */
export function specsOf(config: GatewayConfig): LoadedSpecs {
  const specs = createX12Services({ specsDir: config.specsDir }).specs;
  if (specs.errors.length > 0) {
    throw new GatewayError(
      'config-invalid',
      `the transaction-set specs have problems:\n  ${specs.errors.join('\n  ')}`,
      false,
    );
  }
  return specs;
}

export function loadOptions(config: GatewayConfig, specs: LoadedSpecs): LoadPartnersOptions {
  return { dataDir: config.dataDir, hostedRoot: hostedRootDir(config), specs };
}

export function registryOf(config: GatewayConfig, specs: LoadedSpecs = specsOf(config)): PartnerDirectory {
  return loadPartners(config.partnersDir, loadOptions(config, specs));
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
