// Turns the JSON spec files into the structures the validator walks. Everything a spec author can get wrong
// (a reference to an element that does not exist, a syntax note naming a position the segment lacks, a
// loop that does not start with a segment) is reported here, once, with the file it came from.
import {
  isLoop,
  type CodeList,
  type DataType,
  type DictionaryFile,
  type ElementOverride,
  type ElementUse,
  type ElementUsage,
  type HierarchyDef,
  type MaxUse,
  type Position,
  type PositionUsage,
  type SetSpecFile,
} from './format.ts';
import { CodeSet } from './code-set.ts';

export interface SyntaxRule {
  kind: 'P' | 'R' | 'C' | 'E' | 'L';
  /** 1-based positions. */
  positions: number[];
  /** The note as written ("P0304"). */
  text: string;
  /** Bit p-1 set for each position p, or -1 when a position is beyond 31 (then masks are not used). */
  mask: number;
  /** The bit of the first position. */
  first: number;
}

export interface CompiledElement {
  ref: string;
  name: string;
  usage: ElementUsage;
  type: DataType | 'composite';
  min: number;
  max: number;
  repeat: number;
  codes?: CodeSet;
  commonCodes?: CodeSet;
  components?: CompiledElement[];
  syntax?: SyntaxRule[];
  /**
   * Set by finishElement from the fields above, for the validator's hot path: AN or ID text with no code
   * list, whose only checks (control characters aside) are its lengths.
   */
  lengthOnly?: boolean;
}

export interface CompiledSegment {
  tag: string;
  name: string;
  elements: CompiledElement[];
  syntax: SyntaxRule[];
  /** Position of the last mandatory element (0 when none): beyond it, absent elements need no check. */
  lastMandatory: number;
}

export interface SegmentNode {
  kind: 'segment';
  tag: string;
  usage: PositionUsage;
  max: number;
  def: CompiledSegment;
  /** Slash-separated loop ids down to this position, for messages and overlays ("PO1/PID"). */
  path: string;
}

export interface LoopNode {
  kind: 'loop';
  id: string;
  /** Tag of the trigger segment. */
  tag: string;
  usage: PositionUsage;
  max: number;
  children: Node[];
  /** Child indices by tag (a child loop under its trigger's tag), ascending: the validator's lookup. */
  byTag: ReadonlyMap<string, readonly number[]>;
  /** Indices of the mandatory children, ascending. */
  mandatory: readonly number[];
  hierarchy?: CompiledHierarchy;
  path: string;
}

export type Node = SegmentNode | LoopNode;

export interface HierarchyLevelSpec {
  name: string;
  parents: ReadonlySet<string>;
  required: readonly string[];
}

export interface CompiledHierarchy {
  levels: ReadonlyMap<string, HierarchyLevelSpec>;
  /** The same levels by the character code of a one-character HL03 (nearly all are): an array read. */
  byChar: readonly (HierarchyLevelSpec | undefined)[];
  closed: boolean;
}

export interface CompiledSet {
  id: string;
  version: string;
  name: string;
  functionalGroup: string;
  /** A pseudo-loop holding the structure from ST to SE. */
  root: LoopNode;
  /** Every tag that has a position somewhere in the set. */
  tags: ReadonlySet<string>;
  /** Every tag the version's dictionary defines. */
  knownTags: ReadonlySet<string>;
}

/** The merged dictionary of one version. */
export interface Dictionary {
  version: string;
  elements: Map<string, NonNullable<DictionaryFile['elements']>[string]>;
  composites: Map<string, NonNullable<DictionaryFile['composites']>[string]>;
  segments: Map<string, NonNullable<DictionaryFile['segments']>[string]>;
}

export interface NamedFile<T> {
  name: string;
  content: T;
}

/**
 * Merges the dictionary files of one version. An id defined in two files must be defined identically;
 * entries replace those of the `parent` (the version this one extends).
 */
export function mergeDictionaries(
  version: string,
  files: NamedFile<DictionaryFile>[],
  parent?: Dictionary,
): { dictionary: Dictionary; errors: string[] } {
  const errors: string[] = [];
  const dictionary: Dictionary = {
    version,
    elements: new Map(parent?.elements),
    composites: new Map(parent?.composites),
    segments: new Map(parent?.segments),
  };
  const origin = new Map<string, string>();
  for (const { name, content } of files) {
    if (content.version !== version)
      errors.push(`${name}: "version" is ${content.version}, expected ${version}`);
    for (const kind of ['elements', 'composites', 'segments'] as const) {
      const entries = content[kind] ?? {};
      const target = dictionary[kind] as Map<string, unknown>;
      for (const [id, def] of Object.entries(entries)) {
        const key = `${kind}:${id}`;
        const first = origin.get(key);
        if (first !== undefined && JSON.stringify(target.get(id)) !== JSON.stringify(def)) {
          errors.push(`${name}: ${kind.slice(0, -1)} ${id} is also defined, differently, in ${first}`);
          continue;
        }
        origin.set(key, name);
        target.set(id, def);
      }
    }
  }
  for (const [tag, seg] of dictionary.segments) {
    seg.elements.forEach((use, i) => {
      if (!resolves(dictionary, use.ref))
        errors.push(`segment ${tag}: element ${pad(i + 1)} refers to unknown ${use.ref}`);
    });
    for (const note of seg.syntax ?? []) {
      const rule = parseSyntax(note);
      if (!rule) errors.push(`segment ${tag}: syntax note ${note} is not P/R/C/E/L followed by positions`);
      else if (rule.positions.some((p) => p > seg.elements.length)) {
        errors.push(
          `segment ${tag}: syntax note ${note} names a position beyond its ${seg.elements.length} elements`,
        );
      }
    }
  }
  for (const [id, comp] of dictionary.composites) {
    comp.components.forEach((use, i) => {
      if (!dictionary.elements.has(use.ref))
        errors.push(`composite ${id}: component ${pad(i + 1)} refers to unknown element ${use.ref}`);
    });
  }
  return { dictionary, errors };
}

function resolves(d: Dictionary, ref: string): boolean {
  return ref.startsWith('C') ? d.composites.has(ref) : d.elements.has(ref);
}

export function parseSyntax(note: string): SyntaxRule | undefined {
  const m = /^([PRCEL])((?:\d\d){2,})$/.exec(note);
  if (!m) return undefined;
  const positions = m[2]!.match(/\d\d/g)!.map(Number);
  const fits = positions.every((p) => p >= 1 && p <= 31);
  const mask = fits ? positions.reduce((acc, p) => acc | (1 << (p - 1)), 0) : -1;
  return {
    kind: m[1] as SyntaxRule['kind'],
    positions,
    text: note,
    mask,
    first: fits ? 1 << (positions[0]! - 1) : 0,
  };
}

export function maxOf(max: MaxUse): number {
  return max === '>1' ? Number.POSITIVE_INFINITY : max;
}

/** Compiles one set file against its version's dictionary. */
export function compileSet(
  file: SetSpecFile,
  dictionary: Dictionary,
): { spec?: CompiledSet; errors: string[] } {
  const errors: string[] = [];
  const tags = new Set<string>();
  const segmentCache = new Map<string, CompiledSegment>();

  const compileSegment = (
    tag: string,
    overrides: Record<string, ElementOverride> | undefined,
    extra: string[] | undefined,
    where: string,
  ) => {
    const cacheable = overrides === undefined && extra === undefined;
    if (cacheable && segmentCache.has(tag)) return segmentCache.get(tag)!;
    const def = dictionary.segments.get(tag);
    if (!def) {
      errors.push(`${where}: segment ${tag} is not in the ${dictionary.version} dictionary`);
      return undefined;
    }
    const elements = def.elements.map((use, i) => compileUse(use, `${tag}${pad(i + 1)}`));
    for (const [key, o] of Object.entries(overrides ?? {})) {
      const [e, c] = key.split('-').map(Number) as [number, number | undefined];
      const target = c === undefined ? elements[e - 1] : elements[e - 1]?.components?.[c - 1];
      if (!target) {
        errors.push(`${where}: ${tag} has no element ${key} to narrow`);
        continue;
      }
      const problems = narrowElement(target, o);
      for (const p of problems) errors.push(`${where}: ${tag}${key}: ${p}`);
    }
    const syntax: SyntaxRule[] = [];
    for (const note of [...(def.syntax ?? []), ...(extra ?? [])]) {
      const rule = parseSyntax(note);
      if (rule && rule.positions.every((p) => p <= elements.length)) syntax.push(rule);
      else
        errors.push(`${where}: ${tag} syntax note ${note} is not valid for its ${elements.length} elements`);
    }
    let lastMandatory = 0;
    elements.forEach((e, i) => {
      finishElement(e);
      if (e.usage === 'M') lastMandatory = i + 1;
    });
    const compiled: CompiledSegment = { tag, name: def.name, elements, syntax, lastMandatory };
    if (cacheable) segmentCache.set(tag, compiled);
    return compiled;
  };

  const compileUse = (use: ElementUse, label: string): CompiledElement => {
    if (use.ref.startsWith('C')) {
      const comp = dictionary.composites.get(use.ref);
      const components = (comp?.components ?? []).map((c, i) => compileUse(c, `${label}-${pad(i + 1)}`));
      const syntax = (comp?.syntax ?? []).map(parseSyntax).filter((r): r is SyntaxRule => r !== undefined);
      return element(
        use.ref,
        comp?.name ?? use.ref,
        use.usage,
        'composite',
        0,
        Number.POSITIVE_INFINITY,
        use.repeat ?? 1,
        {
          components,
          syntax,
        },
      );
    }
    const el = dictionary.elements.get(use.ref);
    if (!el) {
      errors.push(`${label}: element ${use.ref} is not in the ${dictionary.version} dictionary`);
      return element(use.ref, use.ref, use.usage, 'AN', 0, 9999, 1, {});
    }
    const codes = use.codes ?? el.codes;
    const common = use.commonCodes ?? el.commonCodes;
    return element(
      use.ref,
      el.name,
      use.usage,
      el.type,
      use.min ?? el.min,
      use.max ?? el.max,
      use.repeat ?? 1,
      {
        codes: codes ? codeSetOf(codes) : undefined,
        commonCodes: !codes && common ? codeSetOf(common) : undefined,
      },
    );
  };

  const compilePositions = (positions: Position[], parentPath: string, where: string): Node[] =>
    positions.flatMap((p): Node[] => {
      if (isLoop(p)) {
        const path = parentPath ? `${parentPath}/${p.loop}` : p.loop;
        const first = p.content[0];
        if (!first || isLoop(first)) {
          errors.push(`${where}: loop ${path} must start with its trigger segment`);
          return [];
        }
        const children = compilePositions(p.content, path, where);
        const node: LoopNode = {
          kind: 'loop',
          id: p.loop,
          tag: first.segment,
          usage: p.usage,
          max: maxOf(p.max),
          children,
          ...indexChildren(children),
          hierarchy: p.hierarchy ? compileHierarchy(p.hierarchy) : undefined,
          path,
        };
        if (p.hierarchy && first.segment !== 'HL')
          errors.push(`${where}: loop ${path} has a hierarchy but does not start with HL`);
        return [node];
      }
      tags.add(p.segment);
      const def = compileSegment(p.segment, p.elements, p.syntax, where);
      if (!def) return [];
      const path = parentPath ? `${parentPath}/${p.segment}` : p.segment;
      return [{ kind: 'segment', tag: p.segment, usage: p.usage, max: maxOf(p.max), def, path }];
    });

  const where = `${file.version}/${file.set}`;
  const children = compilePositions(file.structure, '', where);
  const first = children[0];
  const last = children[children.length - 1];
  if (first?.kind !== 'segment' || first.tag !== 'ST')
    errors.push(`${where}: the structure must start with ST`);
  if (last?.kind !== 'segment' || last.tag !== 'SE') errors.push(`${where}: the structure must end with SE`);
  if (errors.length > 0) return { errors };
  const root: LoopNode = {
    kind: 'loop',
    id: '',
    tag: 'ST',
    usage: 'M',
    max: 1,
    children,
    ...indexChildren(children),
    path: '',
  };
  return {
    spec: {
      id: file.set,
      version: file.version,
      name: file.name,
      functionalGroup: file.functionalGroup,
      root,
      tags,
      knownTags: new Set(dictionary.segments.keys()),
    },
    errors,
  };
}

function indexChildren(children: Node[]): { byTag: Map<string, number[]>; mandatory: number[] } {
  const byTag = new Map<string, number[]>();
  const mandatory: number[] = [];
  children.forEach((c, i) => {
    const list = byTag.get(c.tag);
    if (list) list.push(i);
    else byTag.set(c.tag, [i]);
    if (c.usage === 'M') mandatory.push(i);
  });
  return { byTag, mandatory };
}

function compileHierarchy(h: HierarchyDef): CompiledHierarchy {
  const levels = new Map<string, HierarchyLevelSpec>();
  const byChar: (HierarchyLevelSpec | undefined)[] = new Array<HierarchyLevelSpec | undefined>(128).fill(
    undefined,
  );
  for (const [code, level] of Object.entries(h.levels)) {
    const spec = { name: level.name, parents: new Set(level.parents), required: level.required ?? [] };
    levels.set(code, spec);
    if (code.length === 1 && code.charCodeAt(0) < 128) byChar[code.charCodeAt(0)] = spec;
  }
  return { levels, byChar, closed: h.closed ?? false };
}

/** One CodeSet per code list object: every position of an element shares its dictionary's list. */
const codeSets = new WeakMap<CodeList, CodeSet>();

function codeSetOf(codes: CodeList): CodeSet {
  let set = codeSets.get(codes);
  if (set === undefined) {
    set = new CodeSet(Object.keys(codes));
    codeSets.set(codes, set);
  }
  return set;
}

/**
 * Every compiled element has the same properties in the same order, whatever it holds: the validator reads
 * them for every element of every segment, and one object shape keeps those reads monomorphic (fast).
 */
function element(
  ref: string,
  name: string,
  usage: ElementUsage,
  type: DataType | 'composite',
  min: number,
  max: number,
  repeat: number,
  extra: Pick<CompiledElement, 'codes' | 'commonCodes' | 'components' | 'syntax'>,
): CompiledElement {
  return {
    ref,
    name,
    usage: canonicalUsage(usage),
    type: type === 'composite' ? type : canonicalType(type),
    min,
    max,
    repeat,
    codes: extra.codes,
    commonCodes: extra.commonCodes,
    components: extra.components,
    syntax: extra.syntax,
    lengthOnly: false,
  };
}

/** Derives the validator's shortcuts once the element is final (after any narrowing). */
function finishElement(e: CompiledElement): void {
  e.lengthOnly = (e.type === 'AN' || e.type === 'ID') && e.codes === undefined && e.commonCodes === undefined;
  e.components?.forEach(finishElement);
}

/** Applies a position-level narrowing to a compiled element; returns what could not be applied. */
export function narrowElement(target: CompiledElement, o: ElementOverride): string[] {
  const problems: string[] = [];
  if (o.usage !== undefined) target.usage = canonicalUsage(o.usage);
  if (o.min !== undefined) target.min = o.min;
  if (o.max !== undefined) target.max = o.max;
  if (o.repeat !== undefined) target.repeat = o.repeat;
  if (o.codes !== undefined) {
    const wanted = Array.isArray(o.codes) ? o.codes : Object.keys(o.codes);
    const known = target.codes ?? target.commonCodes;
    if (Array.isArray(o.codes) && known) {
      const missing = wanted.filter((c) => !known.has(c));
      if (missing.length > 0 && target.codes)
        problems.push(`codes ${missing.join(', ')} are not in the element's code list`);
    }
    target.codes = new CodeSet(wanted);
    target.commonCodes = undefined;
  }
  return problems;
}

// The validator compares usage and type codes for every element of every segment; the literal strings
// below are internalized by the engine, so those comparisons are pointer checks. Strings read from JSON are
// not always internalized, hence these canonical copies.
const USAGES: Record<ElementUsage, ElementUsage> = { M: 'M', O: 'O', X: 'X', N: 'N' };
const TYPES: Record<string, DataType> = {
  AN: 'AN',
  ID: 'ID',
  R: 'R',
  DT: 'DT',
  TM: 'TM',
  B: 'B',
  N0: 'N0',
  N1: 'N1',
  N2: 'N2',
  N3: 'N3',
  N4: 'N4',
  N5: 'N5',
  N6: 'N6',
  N7: 'N7',
  N8: 'N8',
  N9: 'N9',
};

function canonicalUsage(u: ElementUsage): ElementUsage {
  return USAGES[u];
}

function canonicalType(t: DataType): DataType {
  return TYPES[t] ?? t;
}

export function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
