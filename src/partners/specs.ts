// A partner's files are validated with the standard specs narrowed by the partner's overlays. The overlays
// are applied and compiled once per loaded partner; a reload makes new Partner objects, so the cache keyed by
// the object never serves an overlay that was changed since.
import { compileSet, type CompiledSet, type Dictionary } from '../x12/spec/compile.ts';
import type { OverlayFile, SetSpecFile } from '../x12/spec/format.ts';
import { applyOverlay } from '../x12/spec/overlay.ts';
import type { SpecLookup, SpecResolver } from '../x12/spec/registry.ts';
import type { Partner } from './partner.ts';

/** What overlays are applied to: the standard specs as src/config/x12-specs.ts loads them. */
export interface BaseSpecs {
  registry: SpecResolver;
  dictionaries: Map<string, Dictionary>;
  /** Raw set files by "version/set". */
  files: Map<string, SetSpecFile>;
}

/** Why an overlay (by its index in the partner's list) cannot be used; `position` names the path it is at. */
export interface OverlayProblem {
  index: number;
  position?: string;
  message: string;
}

/** The overlaid sets by "version/set", and what was refused. */
export function compileOverlays(
  overlays: OverlayFile[],
  base: BaseSpecs,
): { sets: Map<string, CompiledSet>; problems: OverlayProblem[] } {
  const sets = new Map<string, CompiledSet>();
  const problems: OverlayProblem[] = [];
  overlays.forEach((overlay, index) => {
    const key = `${overlay.version}/${overlay.set}`;
    const file = base.files.get(key);
    const dictionary = base.dictionaries.get(overlay.version);
    if (!file || !dictionary) {
      const known = [...base.files.keys()].filter((k) => k.endsWith(`/${overlay.set}`));
      problems.push({
        index,
        message:
          `there is no spec for ${key} to narrow` +
          (known.length > 0 ? `; specs of set ${overlay.set}: ${known.join(', ')}` : ''),
      });
      return;
    }
    if (sets.has(key)) {
      problems.push({ index, message: `${key} is narrowed by an earlier overlay; merge the two` });
      return;
    }
    const applied = applyOverlay(file, overlay, dictionary);
    for (const e of applied.errors) {
      const path = /^([A-Z0-9/]+): /.exec(e)?.[1];
      problems.push({
        index,
        ...(path !== undefined && overlay.positions?.[path] ? { position: path } : {}),
        message: path !== undefined && overlay.positions?.[path] ? e.slice(path.length + 2) : e,
      });
    }
    const compiled = compileSet(applied.spec, dictionary);
    for (const e of compiled.errors) problems.push({ index, message: e });
    if (compiled.spec) sets.set(key, compiled.spec);
  });
  return { sets, problems };
}

/** Resolves the partner's overlaid set where it has one, the standard spec everywhere else. */
class OverlaidSpecs implements SpecResolver {
  constructor(
    private readonly base: SpecResolver,
    private readonly sets: Map<string, CompiledSet>,
  ) {}

  resolve(groupVersion: string, setId: string): SpecLookup | undefined {
    const lookup = this.base.resolve(groupVersion, setId);
    if (!lookup) return undefined;
    // Keyed by the spec the standard lookup settled on, so a 004060 group read as 004010 gets the 004010
    // overlay too.
    const overlaid = this.sets.get(`${lookup.spec.version}/${lookup.spec.id}`);
    return overlaid ? { spec: overlaid, fallback: lookup.fallback } : lookup;
  }

  functionalGroupOf(setId: string): string | undefined {
    return this.base.functionalGroupOf(setId);
  }
}

/** The resolver for each partner's files: the base specs for a partner without overlays. */
export function partnerSpecResolvers(base: BaseSpecs): (partner: Partner) => SpecResolver {
  const cache = new WeakMap<Partner, SpecResolver>();
  return (partner) => {
    if (partner.specOverlays.length === 0) return base.registry;
    let resolver = cache.get(partner);
    if (!resolver) {
      resolver = new OverlaidSpecs(base.registry, compileOverlays(partner.specOverlays, base).sets);
      cache.set(partner, resolver);
    }
    return resolver;
  };
}
