// A partner overlay narrows one set spec: a segment made mandatory, a repeat count lowered, a code list
// shortened, an element required or forbidden, a syntax note added, HL levels constrained. It may never
// widen the spec: a widening is refused with a message that says which path and why, and the base spec
// stays as it was for that position.
import type { Dictionary } from './compile.ts';
import {
  isLoop,
  type ElementOverride,
  type ElementUsage,
  type OverlayFile,
  type Position,
  type SegmentPosition,
  type SetSpecFile,
  type LoopPosition,
} from './format.ts';
import { maxOf } from './compile.ts';

export interface OverlayResult {
  spec: SetSpecFile;
  errors: string[];
}

const USAGE_RANK: Record<ElementUsage, number> = { O: 0, X: 1, M: 2, N: 2 };

/** Returns a copy of `base` narrowed by `overlay`, and what was refused. */
export function applyOverlay(base: SetSpecFile, overlay: OverlayFile, dictionary: Dictionary): OverlayResult {
  const errors: string[] = [];
  const spec = structuredClone(base);
  if (overlay.set !== base.set || overlay.version !== base.version) {
    return {
      spec,
      errors: [`overlay is for ${overlay.version}/${overlay.set}, the spec is ${base.version}/${base.set}`],
    };
  }
  for (const [path, change] of Object.entries(overlay.positions ?? {})) {
    const target = find(spec.structure, path.split('/'));
    if (!target) {
      errors.push(`${path}: no such position in ${base.version}/${base.set}`);
      continue;
    }
    const where = `${path}`;
    if (change.usage !== undefined) {
      if (target.usage === 'M' && change.usage === 'O')
        errors.push(`${where}: cannot make a mandatory position optional`);
      else target.usage = change.usage;
    }
    if (change.max !== undefined) {
      if (change.max > maxOf(target.max))
        errors.push(`${where}: max ${change.max} is above the standard's ${String(target.max)}`);
      else target.max = change.max;
    }
    if (change.elements !== undefined || change.syntax !== undefined) {
      if (isLoop(target)) {
        errors.push(
          `${where}: is a loop; name its segment to narrow elements (${where}/${target.content[0] && !isLoop(target.content[0]) ? target.content[0].segment : '?'})`,
        );
        continue;
      }
      narrowSegment(target, change.elements ?? {}, change.syntax, dictionary, where, errors);
    }
  }
  if (overlay.hierarchy) {
    const hl = findHierarchyLoop(spec.structure);
    if (!hl?.hierarchy) errors.push(`hierarchy: ${base.version}/${base.set} has no HL hierarchy to narrow`);
    else {
      for (const [code, level] of Object.entries(overlay.hierarchy.levels ?? {})) {
        const known = hl.hierarchy.levels[code];
        if (!known) {
          errors.push(`hierarchy.levels.${code}: the spec has no level ${code}`);
          continue;
        }
        if (level.parents) {
          const extra = level.parents.filter((p) => !known.parents.includes(p));
          if (extra.length > 0)
            errors.push(`hierarchy.levels.${code}.parents: ${extra.join(', ')} not allowed by the spec`);
          else known.parents = level.parents;
        }
        if (level.required) known.required = [...new Set([...(known.required ?? []), ...level.required])];
      }
      if (overlay.hierarchy.closed) hl.hierarchy.closed = true;
    }
  }
  return { spec, errors };
}

/** Finds a position by loop ids then a segment tag (or a loop id last). */
function find(positions: Position[], path: string[]): SegmentPosition | LoopPosition | undefined {
  const [head, ...rest] = path;
  if (head === undefined) return undefined;
  for (const p of positions) {
    if (isLoop(p) && p.loop === head) {
      if (rest.length === 0) return p;
      const inner = find(p.content, rest);
      if (inner) return inner;
    } else if (!isLoop(p) && p.segment === head && rest.length === 0) {
      return p;
    }
  }
  return undefined;
}

function findHierarchyLoop(positions: Position[]): LoopPosition | undefined {
  for (const p of positions) {
    if (!isLoop(p)) continue;
    if (p.hierarchy) return p;
    const inner = findHierarchyLoop(p.content);
    if (inner) return inner;
  }
  return undefined;
}

function narrowSegment(
  target: SegmentPosition,
  elements: Record<string, ElementOverride>,
  syntax: string[] | undefined,
  dictionary: Dictionary,
  where: string,
  errors: string[],
): void {
  const def = dictionary.segments.get(target.segment);
  if (!def) {
    errors.push(`${where}: ${target.segment} is not in the ${dictionary.version} dictionary`);
    return;
  }
  const merged = { ...(target.elements ?? {}) };
  for (const [key, o] of Object.entries(elements)) {
    const [e, c] = key.split('-').map(Number) as [number, number | undefined];
    const use = def.elements[e - 1];
    const comp =
      c !== undefined && use?.ref.startsWith('C')
        ? dictionary.composites.get(use.ref)?.components[c - 1]
        : undefined;
    const base = c === undefined ? use : comp;
    if (!base) {
      errors.push(`${where}: ${target.segment}${key} does not exist`);
      continue;
    }
    const current = merged[key] ?? {};
    const usage = current.usage ?? base.usage;
    const element = base.ref.startsWith('C') ? undefined : dictionary.elements.get(base.ref);
    const baseMin = current.min ?? base.min ?? element?.min ?? 0;
    const baseMax = current.max ?? base.max ?? element?.max ?? Number.POSITIVE_INFINITY;
    const next: ElementOverride = { ...current };
    if (o.usage !== undefined) {
      if (
        USAGE_RANK[o.usage] < USAGE_RANK[usage] ||
        (usage === 'M' && o.usage === 'N') ||
        (usage === 'N' && o.usage === 'M')
      ) {
        errors.push(`${where}: ${target.segment}${key} usage ${usage} cannot become ${o.usage}`);
      } else next.usage = o.usage;
    }
    if (o.min !== undefined) {
      if (o.min < baseMin) errors.push(`${where}: ${target.segment}${key} min ${o.min} is below ${baseMin}`);
      else next.min = o.min;
    }
    if (o.max !== undefined) {
      if (o.max > baseMax) errors.push(`${where}: ${target.segment}${key} max ${o.max} is above ${baseMax}`);
      else next.max = o.max;
    }
    if (o.repeat !== undefined) {
      if (o.repeat > (current.repeat ?? base.repeat ?? 1))
        errors.push(`${where}: ${target.segment}${key} repeat ${o.repeat} is above the standard's`);
      else next.repeat = o.repeat;
    }
    if (o.codes !== undefined) {
      const wanted = Array.isArray(o.codes) ? o.codes : Object.keys(o.codes);
      const closed = closedCodes(current, base, element);
      const outside = closed ? wanted.filter((code) => !closed.has(code)) : [];
      if (outside.length > 0)
        errors.push(
          `${where}: ${target.segment}${key} codes ${outside.join(', ')} are not in the standard's list`,
        );
      else next.codes = o.codes;
    }
    merged[key] = next;
  }
  target.elements = merged;
  if (syntax && syntax.length > 0) target.syntax = [...(target.syntax ?? []), ...syntax];
}

function closedCodes(
  current: ElementOverride,
  use: { codes?: Record<string, string> },
  element: { codes?: Record<string, string> } | undefined,
): Set<string> | undefined {
  if (current.codes)
    return new Set(Array.isArray(current.codes) ? current.codes : Object.keys(current.codes));
  const codes = use.codes ?? element?.codes;
  return codes ? new Set(Object.keys(codes)) : undefined;
}
