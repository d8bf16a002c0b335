// Validates one transaction set against its compiled spec, segment by segment as they stream past: the
// structure (order, loops, repeats, mandatory positions), the HL hierarchy, and every element. Memory is
// bounded by the spec's depth, plus one small record per HL segment of the set.
//
// This runs for every segment of every file, so the happy path allocates almost nothing: elements are
// checked where they lie in the segment's text, and locations and messages are built only for problems.
import { checkSyntax, checkValue, checkValueAt, elementLabel } from './elements.ts';
import { issue, type Issue, type IssueCode, type Location, type Severity } from './issues.ts';
import { Segment } from './segment.ts';
import type {
  CompiledElement,
  CompiledHierarchy,
  CompiledSegment,
  CompiledSet,
  LoopNode,
  Node,
  SyntaxRule,
} from './spec/compile.ts';

interface Frame {
  loop: LoopNode;
  /** Index of the child matched last; -1 before the first. */
  index: number;
  /**
   * Occurrences of each child in the current iteration (loop children: iterations), valid where
   * stamps[i] === epoch. A new iteration bumps the epoch instead of clearing the counts: the HL loop of
   * an ASN restarts every few segments, and it has forty positions.
   */
  counts: number[];
  stamps: number[];
  epoch: number;
}

/** The HLs of one set by ordinal (1-based): what the hierarchy checks need to remember of each. */
class HlTable {
  /** HL01 where it is not the ordinal itself ('' when it is). */
  ids: string[] = [''];
  levels: string[] = [''];
  childCodes: string[] = [''];
  hasChild: number[] = [0];
  /** Where each HL is (offset, line, segment ordinal, position), to report one that promised children. */
  offsets: number[] = [0];
  lines: number[] = [0];
  segments: number[] = [0];
  positions: number[] = [0];
  /** HL01 values that are not their ordinal. */
  irregular = new Map<string, number>();

  /**
   * Ready for the next set. The arrays keep their length: entries are written before they are read (an
   * HL's parent must come earlier in the same set), so one table serves every set of an input without
   * growing its arrays again each time.
   */
  reset(): void {
    if (this.irregular.size > 0) this.irregular.clear();
  }

  add(ordinal: number, id: string, level: string, childCode: string, seg: Segment): void {
    this.ids[ordinal] = id;
    this.levels[ordinal] = level;
    this.childCodes[ordinal] = childCode;
    this.hasChild[ordinal] = 0;
    this.offsets[ordinal] = seg.offset;
    this.lines[ordinal] = seg.line;
    this.segments[ordinal] = seg.index;
    this.positions[ordinal] = seg.position;
  }

  idOf(ordinal: number): string {
    return this.ids[ordinal] || String(ordinal);
  }

  where(ordinal: number): Location {
    return {
      offset: this.offsets[ordinal]!,
      line: this.lines[ordinal]!,
      segment: this.segments[ordinal]!,
      position: this.positions[ordinal]!,
    };
  }

  /** Ordinal of the earlier HL whose HL01 is the count `n`, or 0. */
  findNumber(n: number, before: number): number {
    if (n < before && this.ids[n] === '') return n;
    return this.find(String(n), before);
  }

  /** Ordinal of the earlier HL whose HL01 is `id`, or 0. */
  find(id: string, before: number): number {
    const irregular = this.irregular.get(id);
    if (irregular !== undefined) return irregular < before ? irregular : 0;
    let value = 0;
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i) - 0x30;
      if (c < 0 || c > 9 || (i === 0 && c === 0)) return 0;
      value = value * 10 + c;
    }
    return value > 0 && value < before && this.ids[value] === '' ? value : 0;
  }
}

const REPEAT = 0;
const SEGMENT = 1;
const ENTER = 2;
const RESTART = 3;

/** Flags of an element in TextScan.flags: it holds a component or a repetition separator. */
const HAS_COMPONENT = 1;
const HAS_REPETITION = 2;

function indexOrEnd(src: string, needle: string, from: number): number {
  const at = src.indexOf(needle, from);
  return at < 0 ? Number.POSITIVE_INFINITY : at;
}

export class SetValidator {
  private readonly stack: Frame[];
  /** The input's shared HL table, cleared when this set's first HL comes (most sets have none). */
  private hlTable: HlTable | undefined;
  private hlCount = 0;
  /** The open HL level whose required segments are being looked for: its segments so far, as bits. */
  private hlRequired: readonly string[] | undefined;
  private hlFound = 0;
  private hlLevelCode = '';
  private hlLine = 0;
  /** Elements found by the last checkElements, for reading HL values from its offsets. */
  private scannedElements = 0;
  private hierarchy: CompiledHierarchy | undefined;
  // The match found by match(): kind, depth and child index.
  private matchKind = 0;
  private matchDepth = 0;
  private matchIndex = 0;

  constructor(
    private readonly spec: CompiledSet,
    private readonly emit: (issue: Issue) => void,
    /** Shared by the validators of one input, whose sets share chunks of text. */
    private readonly text: TextScan = new TextScan(),
  ) {
    this.stack = [newFrame(spec.root, -1)];
  }

  /** Every segment from ST to SE inclusive, in order. */
  segment(seg: Segment): void {
    const tag = seg.tag;
    if (!this.match(tag)) {
      this.reportUnplaced(seg, this.stack[this.stack.length - 1]!.loop.id);
      return;
    }
    const depth = this.matchDepth;
    const frame = this.stack[depth]!;
    let node: Node;
    let loopId: string;
    if (this.matchKind === RESTART) {
      this.popTo(depth, seg);
      this.closeIteration(frame, seg);
      const parent = this.stack[depth - 1]!;
      const count = bump(parent, parent.index);
      const loop = frame.loop;
      frame.index = 0;
      frame.epoch++;
      bump(frame, 0);
      node = loop.children[0]!;
      loopId = loop.id;
      if (count > loop.max)
        this.report(
          'loop-over-max',
          `loop ${loop.id} occurs ${count} times, more than its maximum ${loop.max}`,
          this.at(seg, loopId),
        );
    } else {
      const index = this.matchIndex;
      this.popTo(depth, seg);
      if (this.matchKind !== REPEAT) this.checkSkipped(frame, frame.index + 1, index, seg);
      frame.index = index;
      const count = bump(frame, index);
      const child = frame.loop.children[index]!;
      if (child.kind === 'loop') {
        const inner = newFrame(child, 0);
        bump(inner, 0);
        this.stack.push(inner);
        node = child.children[0]!;
        loopId = child.id;
        if (count > child.max)
          this.report(
            'loop-over-max',
            `loop ${child.id} occurs ${count} times, more than its maximum ${child.max}`,
            this.at(seg, loopId),
          );
      } else {
        node = child;
        loopId = frame.loop.id;
        if (count > child.max) {
          this.report(
            'segment-over-max',
            `${tag} (${child.def.name}) occurs ${count} times here, more than its maximum ${child.max}`,
            this.at(seg, loopId),
          );
        }
      }
    }
    if (node.kind !== 'segment') return;
    if (this.hlRequired !== undefined) {
      const k = this.hlRequired.indexOf(tag);
      if (k >= 0) this.hlFound |= 1 << k;
    }
    if (tag !== 'ST' && tag !== 'SE') this.checkElements(seg, node.def, loopId);
    if (tag === 'HL') {
      const loop = this.stack[this.stack.length - 1]!.loop;
      if (loop.tag === 'HL') this.checkHl(seg, loop.hierarchy, loopId);
    }
  }

  /** Call after SE (or where the set ended without one). */
  end(at: Location): void {
    this.popToLocation(at);
    const root = this.stack[0]!;
    this.checkSkippedAt(root, root.index + 1, root.loop.children.length, at);
    this.finishHlLevel(at);
    const hl = this.hlTable;
    for (let k = 1; hl !== undefined && k <= this.hlCount; k++) {
      if (hl.childCodes[k] === '1' && hl.hasChild[k] === 0) {
        this.report(
          'hl-child-code',
          `HL ${hl.idOf(k)} says it has children (HL04 = 1) but no HL names it as parent`,
          { ...hl.where(k), tag: 'HL', loop: 'HL', element: 4, elementRef: '736' },
          '1',
        );
      }
    }
  }

  /** Finds where `tag` fits: this position again, a later one in an open loop, or a new loop iteration. */
  private match(tag: string): boolean {
    for (let d = this.stack.length - 1; d >= 0; d--) {
      const f = this.stack[d]!;
      const children = f.loop.children;
      const at = f.loop.byTag.get(tag);
      if (at !== undefined) {
        // A trigger (index 0 of a loop) never repeats in place: a second one starts a new iteration.
        if (f.index >= 0 && !(d > 0 && f.index === 0)) {
          const current = children[f.index]!;
          if (current.kind === 'segment' && current.tag === tag) return this.found(REPEAT, d, f.index);
        }
        for (const i of at) {
          if (i > f.index) return this.found(children[i]!.kind === 'loop' ? ENTER : SEGMENT, d, i);
        }
      }
      if (d > 0 && f.loop.tag === tag) return this.found(RESTART, d, 0);
    }
    return false;
  }

  private found(kind: number, depth: number, index: number): true {
    this.matchKind = kind;
    this.matchDepth = depth;
    this.matchIndex = index;
    return true;
  }

  /** Closes the frames deeper than `depth` (their loops ended) at segment `seg`. */
  private popTo(depth: number, seg: Segment): void {
    while (this.stack.length - 1 > depth) this.closeIteration(this.stack.pop()!, seg);
  }

  private popToLocation(at: Location): void {
    while (this.stack.length > 1) {
      const f = this.stack.pop()!;
      this.checkSkippedAt(f, f.index + 1, f.loop.children.length, at);
      if (f.loop.tag === 'HL') this.finishHlLevel(at);
    }
  }

  private closeIteration(f: Frame, seg: Segment): void {
    if (hasMandatoryIn(f, f.index + 1, f.loop.children.length))
      this.checkSkippedAt(f, f.index + 1, f.loop.children.length, this.at(seg, ''));
    if (f.loop.tag === 'HL' && this.hlRequired !== undefined) this.finishHlLevel(seg, '');
  }

  private checkSkipped(f: Frame, from: number, to: number, seg: Segment): void {
    if (hasMandatoryIn(f, from, to)) this.checkSkippedAt(f, from, to, this.at(seg, ''));
  }

  private checkSkippedAt(f: Frame, from: number, to: number, at: Location): void {
    for (const i of f.loop.mandatory) {
      if (i < from || i >= to || countOf(f, i) !== 0) continue;
      const c = f.loop.children[i]!;
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

  private reportUnplaced(seg: Segment, loopId: string): void {
    const tag = seg.tag;
    const at = this.at(seg, loopId);
    if (!this.spec.knownTags.has(tag)) {
      this.report('unrecognized-segment', `'${tag}' is not a segment of X12 ${this.spec.version}`, at);
    } else if (!this.spec.tags.has(tag)) {
      this.report(
        'segment-not-in-set',
        `${tag} is not part of the ${this.spec.id} (${this.spec.name}) transaction set`,
        at,
      );
    } else {
      this.report(
        'segment-out-of-order',
        `${tag} is not allowed here: it belongs to the ${this.spec.id} but not after the segments before it (out of order, or its loop is missing)`,
        at,
      );
    }
  }

  private checkElements(seg: Segment, def: CompiledSegment, loopId: string): void {
    if (seg.binary !== undefined) {
      this.checkElementStrings(seg, def, loopId);
      return;
    }
    const src = seg.source;
    const end = seg.end;
    const d = seg.syntax.delimiters;
    const text = this.text;
    if (src !== text.source) text.reset(src, d.component, d.repetition);
    // Element boundaries by one pass over the text; component and repetition separators, which only a few
    // elements hold, from positions found once per chunk of text and walked forward segment by segment.
    let n = 0;
    let starts = this.text.starts;
    let flags = this.text.flags;
    starts[0] = seg.start;
    flags[0] = 0;
    // A plain loop beats indexOf here: elements are a few characters long, and a call costs more than that.
    // The same pass notices control characters, which no element may hold.
    const sep = d.element.charCodeAt(0);
    let control = false;
    for (let i = seg.start; i < end; i++) {
      const c = src.charCodeAt(i);
      if (c !== sep) {
        if (c < 0x20 || c === 0x7f) control = true;
        continue;
      }
      if (++n + 2 >= starts.length) {
        starts = text.grow();
        flags = text.flags;
      }
      starts[n] = i + 1;
      flags[n] = 0;
    }
    if (text.nextComponent < end) {
      text.nextComponent = this.markSeparators(
        src,
        text.nextComponent,
        seg.start,
        end,
        n,
        d.component,
        HAS_COMPONENT,
      );
    }
    if (text.nextRepetition < end && d.repetition !== undefined) {
      text.nextRepetition = this.markSeparators(
        src,
        text.nextRepetition,
        seg.start,
        end,
        n,
        d.repetition,
        HAS_REPETITION,
      );
    }
    starts[n + 1] = end + 1;
    this.scannedElements = n;
    const defs = def.elements;
    const tag = seg.tag;
    // Past the last element sent, only mandatory ones matter (LIN has 31 elements; partners send 3 to 7).
    const last = Math.max(Math.min(n, defs.length), def.lastMandatory);
    // Which positions 1..31 are present, one bit each, for the syntax notes.
    let present = 0;
    for (let i = 1; i <= last; i++) {
      const el = defs[i - 1]!;
      let s = end;
      let e = end;
      if (i <= n) {
        s = starts[i]!;
        e = starts[i + 1]! - 1;
        if (s !== e && i <= 31) present |= 1 << (i - 1);
      }
      if (s === e) {
        if (el.usage === 'M')
          this.elementIssue(
            seg,
            loopId,
            'mandatory-element-missing',
            `${elementLabel(tag, i)} (${el.name}) is mandatory but empty or missing`,
            i,
            el,
          );
        continue;
      }
      if (el.usage === 'N') {
        this.elementIssue(
          seg,
          loopId,
          'element-not-used',
          `${elementLabel(tag, i)} (${el.name}) must not be sent here`,
          i,
          el,
          src.substring(s, e),
        );
        continue;
      }
      const f = flags[i]!;
      if (f === 0 && el.lengthOnly === true && !control) {
        const length = e - s;
        if (length >= el.min && length <= el.max) continue;
      }
      if (f === 0 && el.components === undefined) {
        const p = checkValueAt(src, s, e, el, tag, i, undefined, !control);
        if (p) this.elementIssue(seg, loopId, p.code, p.message, i, el, src.substring(s, e));
      } else {
        this.checkComplex(src.substring(s, e), el, seg, loopId, i, (f & HAS_REPETITION) !== 0);
      }
    }
    if (n > defs.length) {
      for (let i = defs.length + 1; i <= n; i++) {
        if (starts[i + 1]! - 1 > starts[i]!) {
          const at = { ...this.at(seg, loopId), element: i };
          this.report(
            'too-many-elements',
            `${tag} has ${n} elements; ${def.name} has only ${defs.length}`,
            at,
            src.substring(starts[i]!, starts[i + 1]! - 1).slice(0, 99),
          );
          break;
        }
      }
    }
    if (def.syntax.length > 0 && syntaxViolated(def.syntax, present, starts, n))
      this.reportSyntax(seg, def, loopId, n);
  }

  /** Messages for the syntax notes a segment breaks (kept out of checkElements: its closures would cost an
   * allocation on every call of that hot function, violation or not). */
  private reportSyntax(seg: Segment, def: CompiledSegment, loopId: string, n: number): void {
    const src = seg.source;
    const starts = this.text.starts;
    const defs = def.elements;
    const present = (p: number) => p <= n && starts[p + 1]! - 1 > starts[p]!;
    for (const v of checkSyntax(def.syntax, present, (p) => elementLabel(seg.tag, p)) ?? []) {
      const value =
        v.position <= n ? src.substring(starts[v.position]!, starts[v.position + 1]! - 1) : undefined;
      this.elementIssue(seg, loopId, v.code, v.message, v.position, defs[v.position - 1], value || undefined);
    }
  }

  /** The same checks over decoded element strings, for binary segments. */
  private checkElementStrings(seg: Segment, def: CompiledSegment, loopId: string): void {
    const els = seg.elements;
    def.elements.forEach((el, k) => {
      const i = k + 1;
      const value = els[i] ?? '';
      if (value === '') {
        if (el.usage === 'M')
          this.elementIssue(
            seg,
            loopId,
            'mandatory-element-missing',
            `${elementLabel(seg.tag, i)} (${el.name}) is mandatory but empty or missing`,
            i,
            el,
          );
        return;
      }
      const p = checkValue(value, el, seg.tag, i);
      if (p) this.elementIssue(seg, loopId, p.code, p.message, i, el, value);
    });
  }

  /** A value with repetitions or components: split it and check each part. */
  private checkComplex(
    value: string,
    d: CompiledElement,
    seg: Segment,
    loopId: string,
    i: number,
    hasRepetitions: boolean,
  ): void {
    const delims = seg.syntax.delimiters;
    const tag = seg.tag;
    if (hasRepetitions && delims.repetition !== undefined) {
      const reps = value.split(delims.repetition);
      if (reps.length > d.repeat) {
        this.elementIssue(
          seg,
          loopId,
          'too-many-repetitions',
          `${elementLabel(tag, i)} (${d.name}) has ${reps.length} repetitions, more than its maximum ${d.repeat}`,
          i,
          d,
          value,
          { repetition: d.repeat + 1 },
        );
      }
      reps.forEach((r, k) => {
        if (r !== '') this.checkOne(r, d, seg, loopId, i, k + 1);
      });
      return;
    }
    this.checkOne(value, d, seg, loopId, i, undefined);
  }

  private checkOne(
    value: string,
    d: CompiledElement,
    seg: Segment,
    loopId: string,
    i: number,
    repetition: number | undefined,
  ): void {
    const extra = repetition !== undefined ? { repetition } : {};
    const component = seg.syntax.delimiters.component;
    const tag = seg.tag;
    if (d.components === undefined) {
      if (value.includes(component)) {
        this.elementIssue(
          seg,
          loopId,
          'invalid-character',
          `${elementLabel(tag, i)} (${d.name}) contains the component separator '${component}', which cannot appear in data`,
          i,
          d,
          value,
          extra,
          'warning',
        );
      }
      const p = checkValue(value, d, tag, i);
      if (p) this.elementIssue(seg, loopId, p.code, p.message, i, d, value, extra);
      return;
    }
    const comps = value.split(component);
    const defs = d.components;
    if (comps.length > defs.length && comps.slice(defs.length).some((c) => c !== '')) {
      this.elementIssue(
        seg,
        loopId,
        'too-many-components',
        `${elementLabel(tag, i)} (${d.name}) has ${comps.length} components, more than its ${defs.length}`,
        i,
        d,
        value,
        { ...extra, component: defs.length + 1 },
      );
    }
    for (let k = 0; k < defs.length; k++) {
      const cd = defs[k]!;
      const cv = comps[k] ?? '';
      if (cv === '') {
        if (cd.usage === 'M') {
          this.elementIssue(
            seg,
            loopId,
            'mandatory-element-missing',
            `${elementLabel(tag, i, k + 1)} (${cd.name}) is mandatory in ${elementLabel(tag, i)}`,
            i,
            cd,
            undefined,
            { ...extra, component: k + 1 },
          );
        }
        continue;
      }
      const p = checkValue(cv, cd, tag, i, k + 1);
      if (p) this.elementIssue(seg, loopId, p.code, p.message, i, cd, cv, { ...extra, component: k + 1 });
    }
    if (d.syntax && d.syntax.length > 0) {
      const violations = checkSyntax(
        d.syntax,
        (p) => (comps[p - 1] ?? '') !== '',
        (p) => elementLabel(tag, i, p),
      );
      for (const v of violations ?? []) {
        this.elementIssue(seg, loopId, v.code, v.message, i, defs[v.position - 1], comps[v.position - 1], {
          ...extra,
          component: v.position,
        });
      }
    }
  }

  /** Flags the elements of [start, end) that hold `separator`; returns the next position past `end`. */
  private markSeparators(
    src: string,
    from: number,
    start: number,
    end: number,
    n: number,
    separator: string,
    flag: number,
  ): number {
    let next = from < start ? indexOrEnd(src, separator, start) : from;
    let k = 0;
    while (next < end) {
      while (k < n && this.text.starts[k + 1]! <= next) k++;
      this.text.flags[k]! |= flag;
      next = indexOrEnd(src, separator, next + 1);
    }
    return next;
  }

  /** Where a segment is, for an issue about it. */
  private at(seg: Segment, loopId: string): Location {
    const l: Location = {
      offset: seg.offset,
      line: seg.line,
      segment: seg.index,
      tag: seg.tag,
      position: seg.position,
    };
    if (loopId) l.loop = loopId;
    return l;
  }

  private elementIssue(
    seg: Segment,
    loopId: string,
    code: IssueCode,
    message: string,
    element: number,
    def: CompiledElement | undefined,
    value?: string,
    extra: { component?: number; repetition?: number } = {},
    severity?: Severity,
  ): void {
    const location: Location = { ...this.at(seg, loopId), element, ...extra };
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

  private startHlTable(): HlTable {
    const table = this.text.hl;
    table.reset();
    this.hlTable = table;
    return table;
  }

  /** HL01 or HL02 as a count (digits, no leading zero), or -1 when it is empty or anything else. */
  private hlNumber(seg: Segment, n: number): number {
    if (n > this.scannedElements) return -1;
    const src = seg.source;
    const s = this.text.starts[n]!;
    const e = this.text.starts[n + 1]! - 1;
    if (e <= s || e - s > 9 || src.charCodeAt(s) === 0x30) return -1;
    let value = 0;
    for (let i = s; i < e; i++) {
      const c = src.charCodeAt(i) - 0x30;
      if (c < 0 || c > 9) return -1;
      value = value * 10 + c;
    }
    return value;
  }

  /** HL01..HL04, read from the offsets checkElements just found. */
  private hlElement(seg: Segment, n: number): string {
    if (n > this.scannedElements) return '';
    return seg.source.substring(this.text.starts[n]!, this.text.starts[n + 1]! - 1);
  }

  /**
   * The HL checks, for a third of an ASN's segments. HLs are kept in arrays by their ordinal; HL01 is
   * normally that ordinal, so a parent is found by number, and only irregular ids need the map.
   */
  private checkHl(seg: Segment, hierarchy: CompiledHierarchy | undefined, loopId: string): void {
    if (this.hlRequired !== undefined) this.finishHlLevel(seg, loopId);
    this.hierarchy = hierarchy;
    const hl = this.hlTable ?? this.startHlTable();
    const ordinal = ++this.hlCount;
    // HL01 and HL02 are nearly always plain counts: read them as numbers, and make strings only otherwise.
    const idNumber = this.hlNumber(seg, 1);
    const id = idNumber === ordinal ? '' : this.hlElement(seg, 1);
    const parentNumber = this.hlNumber(seg, 2);
    const parentId = parentNumber > 0 ? '' : this.hlElement(seg, 2);
    const level = this.hlElement(seg, 3);
    const childCode = this.hlElement(seg, 4);
    if (idNumber !== ordinal && id !== '') {
      this.hlIssue(
        seg,
        loopId,
        'hl-sequence',
        `HL01 is '${id}' where ${ordinal} was expected: HL01 counts 1, 2, 3… in order`,
        1,
        '628',
        id,
      );
      hl.irregular.set(id, ordinal);
    }
    let parentLevel: string | undefined;
    if (parentNumber > 0 || parentId !== '') {
      const parent = parentNumber > 0 ? hl.findNumber(parentNumber, ordinal) : hl.find(parentId, ordinal);
      if (parent === 0) {
        this.hlIssue(
          seg,
          loopId,
          'hl-parent-missing',
          `HL02 names parent '${hlText(parentId, parentNumber)}', which is not an earlier HL01 of this set`,
          2,
          '734',
          hlText(parentId, parentNumber),
        );
      } else {
        parentLevel = hl.levels[parent]!;
        hl.hasChild[parent] = 1;
        if (hl.childCodes[parent] === '0') {
          this.hlIssue(
            seg,
            loopId,
            'hl-child-code',
            `HL ${hlText(id, ordinal)} names HL ${hlText(parentId, parentNumber)} as parent, but that HL says it has no children (HL04 = 0)`,
            2,
            '734',
            hlText(parentId, parentNumber),
          );
        }
      }
      if (parentNumber > 0 ? parentNumber === idNumber : parentId === id)
        this.hlIssue(
          seg,
          loopId,
          'hl-parent-missing',
          `HL ${hlText(id, ordinal)} names itself as its parent`,
          2,
          '734',
          hlText(parentId, parentNumber),
        );
    }
    const def =
      hierarchy === undefined || level === ''
        ? undefined
        : level.length === 1
          ? hierarchy.byChar[level.charCodeAt(0)]
          : hierarchy.levels.get(level);
    if (hierarchy !== undefined && level !== '') {
      if (def === undefined) {
        const known = [...hierarchy.levels.keys()].join(', ');
        const severity = hierarchy.closed ? 'error' : 'warning';
        this.hlIssue(
          seg,
          loopId,
          'hl-level-unknown',
          `HL03 level '${level}' is not one of the levels this set describes (${known})`,
          3,
          '735',
          level,
          severity,
        );
      } else if (parentNumber <= 0 && parentId === '' && def.parents.size > 0) {
        const parents = [...def.parents].join(' or ');
        this.hlIssue(
          seg,
          loopId,
          'hl-parent-level',
          `${article(def.name)} ${def.name} level (HL03 ${level}) must hang under ${parents}, but HL02 is empty`,
          2,
          '734',
        );
      } else if (parentLevel !== undefined && !def.parents.has(parentLevel)) {
        const allowed = def.parents.size > 0 ? [...def.parents].join(' or ') : 'nothing (it is a top level)';
        this.hlIssue(
          seg,
          loopId,
          'hl-parent-level',
          `${article(def.name)} ${def.name} level (HL03 ${level}) cannot hang under a level '${parentLevel}' (HL ${hlText(parentId, parentNumber)}); it may hang under ${allowed}`,
          2,
          '734',
          hlText(parentId, parentNumber),
        );
      }
    }
    hl.add(ordinal, id, level, childCode, seg);
    // Which tags the level's loop holds matters only when the level requires some.
    if (def !== undefined && def.required.length > 0) {
      this.hlRequired = def.required;
      this.hlFound = 0;
      this.hlLevelCode = level;
      this.hlLine = seg.line;
    }
  }

  private hlIssue(
    seg: Segment,
    loopId: string,
    code: IssueCode,
    message: string,
    element: number,
    ref: string,
    data?: string,
    severity?: Severity,
  ): void {
    this.report(code, message, { ...this.at(seg, loopId), element, elementRef: ref }, data, severity);
  }

  /** Closes the open HL level: reports the segments it requires and lacks, at `where`. */
  private finishHlLevel(where: Segment | Location, loopId = ''): void {
    const required = this.hlRequired;
    if (required === undefined) return;
    this.hlRequired = undefined;
    const all = (1 << required.length) - 1;
    if ((this.hlFound & all) === all) return;
    const at = where instanceof Segment ? this.at(where, loopId) : where;
    const name = this.hierarchy?.levels.get(this.hlLevelCode)?.name ?? this.hlLevelCode;
    required.forEach((tag, k) => {
      if ((this.hlFound & (1 << k)) !== 0) return;
      this.report(
        'hl-required-segment-missing',
        `the ${name} level (HL03 ${this.hlLevelCode}) at line ${this.hlLine} has no ${tag}, which that level requires`,
        { ...at, tag, loop: 'HL' },
      );
    });
  }
}

/**
 * Whether any syntax note is violated: bit arithmetic over the positions present, with the element offsets
 * as the fallback for notes that name positions beyond 31. No allocation; messages come later, if needed.
 */
function syntaxViolated(
  rules: readonly SyntaxRule[],
  present: number,
  starts: Int32Array,
  n: number,
): boolean {
  for (const rule of rules) {
    const m = rule.mask;
    if (m < 0) {
      if (slowViolated(rule, starts, n)) return true;
      continue;
    }
    const here = present & m;
    switch (rule.kind) {
      case 'P':
        if (here !== 0 && here !== m) return true;
        break;
      case 'R':
        if (here === 0) return true;
        break;
      case 'E':
        if ((here & (here - 1)) !== 0) return true;
        break;
      case 'C':
        if ((present & rule.first) !== 0 && here !== m) return true;
        break;
      case 'L':
        if ((present & rule.first) !== 0 && here === rule.first) return true;
        break;
    }
  }
  return false;
}

function slowViolated(rule: SyntaxRule, starts: Int32Array, n: number): boolean {
  const at = (p: number) => p <= n && starts[p + 1]! - 1 > starts[p]!;
  const count = rule.positions.filter(at).length;
  const first = at(rule.positions[0]!);
  switch (rule.kind) {
    case 'P':
      return count !== 0 && count !== rule.positions.length;
    case 'R':
      return count === 0;
    case 'E':
      return count > 1;
    case 'C':
      return first && count !== rule.positions.length;
    case 'L':
      return first && count === 1;
  }
}

/**
 * What is known of the chunk of text segments are cut from: where its next component and repetition
 * separators are. Worked out once per chunk and shared by all the set validators of one input, with the
 * buffers that hold the element offsets of the segment being checked.
 */
export class TextScan {
  source: string | undefined;
  /** Where each element of the segment being checked starts, and which separators it holds. */
  starts: Int32Array = new Int32Array(64);
  flags: Uint8Array = new Uint8Array(64);
  /** The HLs of the set being checked (see HlTable.reset). */
  readonly hl = new HlTable();
  nextComponent = 0;
  nextRepetition = 0;

  reset(src: string, component: string, repetition: string | undefined): void {
    this.source = src;
    this.nextComponent = indexOrEnd(src, component, 0);
    this.nextRepetition =
      repetition === undefined ? Number.POSITIVE_INFINITY : indexOrEnd(src, repetition, 0);
  }

  grow(): Int32Array {
    const starts = new Int32Array(this.starts.length * 2);
    starts.set(this.starts);
    const flags = new Uint8Array(this.flags.length * 2);
    flags.set(this.flags);
    this.starts = starts;
    this.flags = flags;
    return starts;
  }
}

function newFrame(loop: LoopNode, index: number): Frame {
  const n = loop.children.length;
  return {
    loop,
    index,
    counts: new Array<number>(n).fill(0),
    stamps: new Array<number>(n).fill(0),
    epoch: 1,
  };
}

function countOf(f: Frame, i: number): number {
  return f.stamps[i] === f.epoch ? f.counts[i]! : 0;
}

/** Counts one more occurrence of child i in the frame's current iteration; returns the new count. */
function bump(f: Frame, i: number): number {
  if (f.stamps[i] !== f.epoch) {
    f.stamps[i] = f.epoch;
    f.counts[i] = 1;
    return 1;
  }
  return ++f.counts[i]!;
}

function hasMandatoryIn(f: Frame, from: number, to: number): boolean {
  for (const i of f.loop.mandatory) if (i >= from && i < to && countOf(f, i) === 0) return true;
  return false;
}

/** An HL01/HL02 value for a message: the text when it was kept, else the count it was read as. */
function hlText(text: string, count: number): string {
  return text !== '' || count <= 0 ? text : String(count);
}

function article(word: string): string {
  return /^[AEIOU]/i.test(word) ? 'an' : 'a';
}
