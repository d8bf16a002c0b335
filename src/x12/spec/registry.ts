import type { CompiledSet } from './compile.ts';

export interface SpecLookup {
  spec: CompiledSet;
  /** True when the spec is of a lower version than the group declares (e.g. 004060 read as 004010). */
  fallback: boolean;
}

/** Finds the spec for a set id and a GS08 version string. */
export interface SpecResolver {
  resolve(groupVersion: string, setId: string): SpecLookup | undefined;
  /** The functional identifier code (GS01) a set id travels under, when any version knows it. */
  functionalGroupOf(setId: string): string | undefined;
}

/** The version a GS08 value names: its first six characters ("004010VICS" -> "004010"). */
export function baseVersion(gs08: string): string {
  return gs08.slice(0, 6);
}

export class SpecRegistry implements SpecResolver {
  private readonly byVersion = new Map<string, Map<string, CompiledSet>>();
  private readonly groups = new Map<string, string>();

  constructor(specs: Iterable<CompiledSet>) {
    for (const s of specs) {
      let sets = this.byVersion.get(s.version);
      if (!sets) this.byVersion.set(s.version, (sets = new Map<string, CompiledSet>()));
      sets.set(s.id, s);
      this.groups.set(s.id, s.functionalGroup);
    }
  }

  get versions(): string[] {
    return [...this.byVersion.keys()].sort();
  }

  get all(): CompiledSet[] {
    return [...this.byVersion.values()].flatMap((m) => [...m.values()]);
  }

  resolve(groupVersion: string, setId: string): SpecLookup | undefined {
    const version = baseVersion(groupVersion);
    const exact = this.byVersion.get(version)?.get(setId);
    if (exact) return { spec: exact, fallback: false };
    // Versions within a major release only add to their predecessors, so the nearest lower version of the
    // same release is a sound check of what it defines.
    const major = version.slice(0, 3);
    const candidates = [...this.byVersion.keys()]
      .filter((v) => v.slice(0, 3) === major && v < version && this.byVersion.get(v)!.has(setId))
      .sort();
    const nearest = candidates[candidates.length - 1];
    if (nearest === undefined) return undefined;
    return { spec: this.byVersion.get(nearest)!.get(setId)!, fallback: true };
  }

  functionalGroupOf(setId: string): string | undefined {
    return this.groups.get(setId);
  }
}
