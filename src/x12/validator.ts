// Validates one transaction set against its compiled spec, segment by segment as they stream past: the
// structure (order, loops, repeats, mandatory positions), the HL hierarchy, and every element. Memory is
// bounded by the spec's depth, plus one small record per HL segment of the set.
import { checkSyntax, checkValue } from './elements.ts';
import { issue, type Issue, type IssueCode, type Location, type Severity } from './issues.ts';
import type { Segment } from './segment.ts';
import {
  pad,
  type CompiledElement,
  type CompiledHierarchy,
  type CompiledSegment,
  type CompiledSet,
  type LoopNode,
  type Node,
} from './spec/compile.ts';

interface Frame {
  loop: LoopNode;
  /** Index of the child matched last; -1 before the first. */
  index: number;
  /** Occurrences of each child in the current iteration (loop children: iterations). */
  counts: number[];
}

interface HlRecord {
  level: string;
  childCode: string;
  hasChild: boolean;
  location: Location;
}

type Match =
  { kind: 'repeat' | 'segment' | 'enter'; depth: number; index: number } | { kind: 'restart'; depth: number };

export class SetValidator {
  private readonly stack: Frame[];
  private readonly hl = new Map<string, HlRecord>();
  private hlCount = 0;
  private hlLevel: { level: string; tags: Set<string>; location: Location } | undefined;
  private hierarchy: CompiledHierarchy | undefined;

  constructor(
    private readonly spec: CompiledSet,
    private readonly emit: (issue: Issue) => void,
  ) {
    this.stack = [
      { loop: spec.root, index: -1, counts: new Array<number>(spec.root.children.length).fill(0) },
    ];
  }

  /** Every segment from ST to SE inclusive, in order. */
  segment(seg: Segment): void {
    const tag = seg.tag;
    const match = this.match(tag);
    const loc = (loop: string | undefined): Location => {
      const l: Location = {
        offset: seg.offset,
        line: seg.line,
        segment: seg.index,
        tag,
        position: seg.position,
      };
      if (loop) l.loop = loop;
      return l;
    };
    if (match === undefined) {
      const top = this.stack[this.stack.length - 1]!;
      this.reportUnplaced(seg, loc(top.loop.id));
      return;
    }
    let node: Node;
    let loopId: string;
    const frame = this.stack[match.depth]!;
    const here = loc(undefined);
    if (match.kind === 'restart') {
      this.popTo(match.depth, here);
      this.closeIteration(frame, here);
      const parent = this.stack[match.depth - 1]!;
      const count = ++parent.counts[parent.index]!;
      const loop = frame.loop;
      frame.index = 0;
      frame.counts.fill(0);
      frame.counts[0] = 1;
      node = loop.children[0]!;
      loopId = loop.id;
      if (count > loop.max) {
        this.report(
          'loop-over-max',
          `loop ${loop.id} occurs ${count} times, more than its maximum ${loop.max}`,
          loc(loopId),
        );
      }
    } else {
      this.popTo(match.depth, here);
      if (match.kind !== 'repeat') this.checkSkipped(frame, frame.index + 1, match.index, here);
      frame.index = match.index;
      const count = ++frame.counts[match.index]!;
      const child = frame.loop.children[match.index]!;
      if (child.kind === 'loop') {
        this.stack.push({ loop: child, index: 0, counts: new Array<number>(child.children.length).fill(0) });
        this.stack[this.stack.length - 1]!.counts[0] = 1;
        node = child.children[0]!;
        loopId = child.id;
        if (count > child.max) {
          this.report(
            'loop-over-max',
            `loop ${child.id} occurs ${count} times, more than its maximum ${child.max}`,
            loc(loopId),
          );
        }
      } else {
        node = child;
        loopId = frame.loop.id;
        if (count > child.max) {
          this.report(
            'segment-over-max',
            `${tag} (${child.def.name}) occurs ${count} times here, more than its maximum ${child.max}`,
            loc(loopId),
          );
        }
      }
    }
    if (node.kind !== 'segment') return;
    const location = loc(loopId);
    if (this.hlLevel !== undefined) this.hlLevel.tags.add(tag);
    if (tag === 'HL') {
      const loop = this.stack[this.stack.length - 1]!.loop;
      if (loop.tag === 'HL') this.checkHl(seg, loop.hierarchy, location);
    }
    if (tag !== 'ST' && tag !== 'SE') this.checkElements(seg, node.def, location);
  }

  /** Call after SE (or where the set ended without one). */
  end(at: Location): void {
    this.popTo(0, at);
    const root = this.stack[0]!;
    this.checkSkipped(root, root.index + 1, root.loop.children.length, at);
    this.finishHlLevel(at);
    for (const [id, rec] of this.hl) {
      if (rec.childCode === '1' && !rec.hasChild) {
        this.report(
          'hl-child-code',
          `HL ${id} says it has children (HL04 = 1) but no HL names it as parent`,
          { ...rec.location, element: 4, elementRef: '736' },
          rec.childCode,
        );
      }
    }
  }

  private match(tag: string): Match | undefined {
    for (let d = this.stack.length - 1; d >= 0; d--) {
      const f = this.stack[d]!;
      const children = f.loop.children;
      if (f.index >= 0 && !(d > 0 && f.index === 0)) {
        const current = children[f.index]!;
        if (current.kind === 'segment' && current.tag === tag)
          return { kind: 'repeat', depth: d, index: f.index };
      }
      for (let i = f.index + 1; i < children.length; i++) {
        const c = children[i]!;
        if (c.tag === tag) return { kind: c.kind === 'loop' ? 'enter' : 'segment', depth: d, index: i };
      }
      if (d > 0 && f.loop.tag === tag) return { kind: 'restart', depth: d };
    }
    return undefined;
  }

  /** Closes the frames deeper than `depth` (their loops ended). */
  private popTo(depth: number, at: Location): void {
    while (this.stack.length - 1 > depth) {
      const f = this.stack.pop()!;
      this.closeIteration(f, at);
    }
  }

  private closeIteration(f: Frame, at: Location): void {
    this.checkSkipped(f, f.index + 1, f.loop.children.length, at);
    if (f.loop.tag === 'HL') this.finishHlLevel(at);
  }

  private checkSkipped(f: Frame, from: number, to: number, at: Location): void {
    for (let i = from; i < to; i++) {
      const c = f.loop.children[i]!;
      if (c.usage === 'M' && f.counts[i] === 0) {
        const what = c.kind === 'loop' ? `loop ${c.id} (starting with ${c.tag})` : `${c.tag} (${c.def.name})`;
        const where = f.loop.id ? ` in loop ${f.loop.id}` : '';
        const location: Location = { ...at, tag: c.tag };
        const loopId = c.kind === 'loop' ? c.id : f.loop.id;
        if (loopId) location.loop = loopId;
        else delete location.loop;
        this.report(
          'mandatory-segment-missing',
          `mandatory ${what} is missing${where} before ${at.tag ?? 'the end of the set'}`,
          location,
        );
      }
    }
  }

  private reportUnplaced(seg: Segment, location: Location): void {
    const tag = seg.tag;
    if (!this.spec.knownTags.has(tag)) {
      this.report('unrecognized-segment', `'${tag}' is not a segment of X12 ${this.spec.version}`, location);
    } else if (!this.spec.tags.has(tag)) {
      this.report(
        'segment-not-in-set',
        `${tag} is not part of the ${this.spec.id} (${this.spec.name}) transaction set`,
        location,
      );
    } else {
      this.report(
        'segment-out-of-order',
        `${tag} is not allowed here: it belongs to the ${this.spec.id} but not after the segments before it (out of order, or its loop is missing)`,
        location,
      );
    }
  }

  private checkElements(seg: Segment, def: CompiledSegment, at: Location): void {
    const els = seg.elements;
    const defs = def.elements;
    const n = els.length - 1;
    const delims = seg.syntax.delimiters;
    for (let i = 1; i <= defs.length; i++) {
      const value = i <= n ? els[i]! : '';
      const d = defs[i - 1]!;
      const label = `${seg.tag}${pad(i)}`;
      if (value === '') {
        if (d.usage === 'M')
          this.elementIssue(
            'mandatory-element-missing',
            `${label} (${d.name}) is mandatory but empty or missing`,
            at,
            i,
            d,
          );
        continue;
      }
      if (d.usage === 'N') {
        this.elementIssue('element-not-used', `${label} (${d.name}) must not be sent here`, at, i, d, value);
        continue;
      }
      const rep = delims.repetition;
      if (rep !== undefined && value.includes(rep)) {
        const reps = value.split(rep);
        if (reps.length > d.repeat) {
          this.elementIssue(
            'too-many-repetitions',
            `${label} (${d.name}) has ${reps.length} repetitions, more than its maximum ${d.repeat}`,
            at,
            i,
            d,
            value,
            { repetition: d.repeat + 1 },
          );
        }
        reps.forEach((r, k) => {
          if (r !== '') this.checkOne(r, d, label, at, i, k + 1, delims.component);
        });
      } else {
        this.checkOne(value, d, label, at, i, undefined, delims.component);
      }
    }
    if (n > defs.length) {
      for (let i = defs.length + 1; i <= n; i++) {
        if (els[i] !== '') {
          this.report(
            'too-many-elements',
            `${seg.tag} has ${n} elements; ${def.name} has only ${defs.length}`,
            { ...at, element: i },
            els[i]!.slice(0, 99),
          );
          break;
        }
      }
    }
    if (def.syntax.length > 0) {
      const violations = checkSyntax(
        def.syntax,
        (p) => (els[p] ?? '') !== '',
        (p) => `${seg.tag}${pad(p)}`,
      );
      for (const v of violations) {
        const d = defs[v.position - 1];
        this.elementIssue(v.code, v.message, at, v.position, d, els[v.position]);
      }
    }
  }

  private checkOne(
    value: string,
    d: CompiledElement,
    label: string,
    at: Location,
    i: number,
    repetition: number | undefined,
    component: string,
  ): void {
    const extra = repetition !== undefined ? { repetition } : {};
    if (d.components !== undefined) {
      const comps = value.split(component);
      const defs = d.components;
      if (comps.length > defs.length && comps.slice(defs.length).some((c) => c !== '')) {
        this.elementIssue(
          'too-many-components',
          `${label} (${d.name}) has ${comps.length} components, more than its ${defs.length}`,
          at,
          i,
          d,
          value,
          { ...extra, component: defs.length + 1 },
        );
      }
      defs.forEach((cd, k) => {
        const cv = comps[k] ?? '';
        const clabel = `${label}-${pad(k + 1)}`;
        if (cv === '') {
          if (cd.usage === 'M') {
            this.elementIssue(
              'mandatory-element-missing',
              `${clabel} (${cd.name}) is mandatory in ${label}`,
              at,
              i,
              cd,
              undefined,
              { ...extra, component: k + 1 },
            );
          }
          return;
        }
        const p = checkValue(cv, cd, clabel);
        if (p) this.elementIssue(p.code, p.message, at, i, cd, cv, { ...extra, component: k + 1 });
      });
      if (d.syntax && d.syntax.length > 0) {
        for (const v of checkSyntax(
          d.syntax,
          (p) => (comps[p - 1] ?? '') !== '',
          (p) => `${label}-${pad(p)}`,
        )) {
          this.elementIssue(v.code, v.message, at, i, defs[v.position - 1], comps[v.position - 1], {
            ...extra,
            component: v.position,
          });
        }
      }
      return;
    }
    if (value.includes(component)) {
      this.elementIssue(
        'invalid-character',
        `${label} (${d.name}) contains the component separator '${component}', which cannot appear in data`,
        at,
        i,
        d,
        value,
        extra,
        'warning',
      );
    }
    const p = checkValue(value, d, label);
    if (p) this.elementIssue(p.code, p.message, at, i, d, value, extra);
  }

  private elementIssue(
    code: IssueCode,
    message: string,
    at: Location,
    element: number,
    def: CompiledElement | undefined,
    value?: string,
    extra: { component?: number; repetition?: number } = {},
    severity?: Severity,
  ): void {
    const location: Location = { ...at, element, ...extra };
    if (def) location.elementRef = def.ref;
    this.report(code, message, location, value?.slice(0, 99), severity);
  }

  private report(
    code: IssueCode,
    message: string,
    location: Location,
    data?: string,
    severity?: Severity,
  ): void {
    const extra: { data?: string; severity?: Severity } = {};
    if (data !== undefined) extra.data = data;
    if (severity !== undefined) extra.severity = severity;
    this.emit(issue(code, message, location, extra));
  }

  private checkHl(seg: Segment, hierarchy: CompiledHierarchy | undefined, at: Location): void {
    this.finishHlLevel(at);
    this.hierarchy = hierarchy;
    const id = seg.element(1);
    const parentId = seg.element(2);
    const level = seg.element(3);
    const childCode = seg.element(4);
    const expected = String(++this.hlCount);
    const el = (n: number, ref: string): Location => ({ ...at, element: n, elementRef: ref });
    if (id !== expected && id !== '') {
      this.report(
        'hl-sequence',
        `HL01 is '${id}' where ${expected} was expected: HL01 counts 1, 2, 3… in order`,
        el(1, '628'),
        id,
      );
    }
    let parentLevel: string | undefined;
    if (parentId !== '') {
      const parent = this.hl.get(parentId);
      if (!parent) {
        this.report(
          'hl-parent-missing',
          `HL02 names parent '${parentId}', which is not an earlier HL01 of this set`,
          el(2, '734'),
          parentId,
        );
      } else {
        parentLevel = parent.level;
        parent.hasChild = true;
        if (parent.childCode === '0') {
          this.report(
            'hl-child-code',
            `HL ${id} names HL ${parentId} as parent, but that HL says it has no children (HL04 = 0)`,
            el(2, '734'),
            parentId,
          );
        }
      }
      if (parentId === id)
        this.report('hl-parent-missing', `HL ${id} names itself as its parent`, el(2, '734'), parentId);
    }
    if (hierarchy && level !== '') {
      const def = hierarchy.levels.get(level);
      if (!def) {
        const known = [...hierarchy.levels.keys()].join(', ');
        this.report(
          'hl-level-unknown',
          `HL03 level '${level}' is not one of the levels this set describes (${known})`,
          el(3, '735'),
          level,
          hierarchy.closed ? 'error' : 'warning',
        );
      } else if (parentId === '' && def.parents.size > 0) {
        this.report(
          'hl-parent-level',
          `${article(def.name)} ${def.name} level (HL03 ${level}) must hang under ${[...def.parents].join(' or ')}, but HL02 is empty`,
          el(2, '734'),
        );
      } else if (parentLevel !== undefined && !def.parents.has(parentLevel)) {
        const allowed = def.parents.size > 0 ? [...def.parents].join(' or ') : 'nothing (it is a top level)';
        this.report(
          'hl-parent-level',
          `${article(def.name)} ${def.name} level (HL03 ${level}) cannot hang under a level '${parentLevel}' (HL ${parentId}); it may hang under ${allowed}`,
          el(2, '734'),
          parentId,
        );
      }
    }
    if (id !== '') this.hl.set(id, { level, childCode, hasChild: false, location: at });
    this.hlLevel = { level, tags: new Set(['HL']), location: at };
  }

  private finishHlLevel(at: Location): void {
    const current = this.hlLevel;
    if (!current) return;
    this.hlLevel = undefined;
    const def = this.hierarchy?.levels.get(current.level);
    if (!def) return;
    for (const tag of def.required) {
      if (!current.tags.has(tag)) {
        this.report(
          'hl-required-segment-missing',
          `the ${def.name} level (HL03 ${current.level}) at line ${current.location.line} has no ${tag}, which that level requires`,
          { ...at, tag, loop: 'HL' },
        );
      }
    }
  }
}

function article(word: string): string {
  return /^[AEIOU]/i.test(word) ? 'an' : 'a';
}
