// The envelope state machine: takes segments in input order, knows which interchange, group and set each
// belongs to, checks the envelope (what encloses what, counts, control numbers), hands each set's
// segments to its spec validator, and files every issue under the envelope level it concerns. Pure and
// push-based, like the tokenizer; analyze() at the bottom wires the two to a byte stream.
import {
  checkGroupHeader,
  checkGroupTrailer,
  checkInterchangeHeader,
  checkInterchangeTrailer,
  checkSetHeader,
  checkSetTrailer,
  locate,
  readGroupHeader,
  readInterchangeHeader,
  sameControlNumber,
  type GroupHeader,
  type InterchangeHeader,
} from './envelope.ts';
import { codeInfo, issue, type Issue, type IssueCode, type Location, type Severity } from './issues.ts';
import { READ_SLICE, type ByteSource } from './reader.ts';
import { SegmentTokenizer } from './tokenizer.ts';
import type { Delimiters, Segment } from './segment.ts';
import { baseVersion, type SpecResolver } from './spec/registry.ts';
import { SetValidator, TextScan } from './validator.ts';

export interface SetResult {
  id: string;
  controlNumber: string;
  /** ST03, when sent. */
  implementation?: string;
  location: Location;
  /** Segments counted from ST to SE inclusive (or to where the set broke off). */
  segmentCount: number;
  issues: Issue[];
  /** False when the set ended without its SE. */
  complete: boolean;
  /** Which spec checked it ("004010/850"), when one did. */
  spec?: string;
  /** Issues beyond the per-set limit, counted but not kept. */
  droppedIssues: number;
}

export interface GroupResult {
  header: GroupHeader;
  location: Location;
  sets: SetResult[];
  setCount: number;
  /** GE01 as sent, when the group has a GE. */
  declaredSets?: string;
  issues: Issue[];
  complete: boolean;
}

export interface InterchangeResult {
  header: InterchangeHeader;
  delimiters: Delimiters;
  location: Location;
  groups: GroupResult[];
  groupCount: number;
  /** IEA01 as sent, when the interchange has an IEA. */
  declaredGroups?: string;
  issues: Issue[];
  complete: boolean;
}

export interface AnalysisResult {
  interchanges: InterchangeResult[];
  /** Problems that belong to no interchange (not X12, data outside any envelope). */
  fileIssues: Issue[];
  /** Every issue kept, in the order found. */
  issues: Issue[];
  segments: number;
  counts: { interchanges: number; groups: number; sets: number; bySet: Record<string, number> };
}

export interface AnalyzerOptions {
  /** Where set specs come from; without one only the envelope is checked. */
  specs?: SpecResolver;
  /** Issues kept per transaction set; the rest are counted. Default 500. */
  maxIssuesPerSet?: number;
  /** Severity of "no spec for this set". Default 'warning'. */
  unsupportedSetSeverity?: Severity;
  /** Keep interchanges, groups and sets in the result (default true). Off for pure throughput runs. */
  retain?: boolean;
  /** Called when a set is complete (or broke off), with its envelope. */
  onSet?: (set: SetResult, group: GroupResult, interchange: InterchangeResult) => void;
}

interface SetState {
  result: SetResult;
  validator?: SetValidator;
  /** ST outside a functional group: counted, not validated. */
  orphan: boolean;
}

interface Stray {
  issue: Issue;
  count: number;
  describe: (count: number) => string;
}

export class X12Analyzer {
  private readonly interchanges: InterchangeResult[] = [];
  private readonly fileIssues: Issue[] = [];
  private readonly issues: Issue[] = [];
  private readonly pending: Issue[] = [];
  private readonly maxPerSet: number;
  private readonly retain: boolean;
  private ic: InterchangeResult | undefined;
  private icGroupNumbers = new Set<string>();
  private group: GroupResult | undefined;
  private groupSetNumbers = new Set<string>();
  private set: SetState | undefined;
  private stray: Stray | undefined;
  /** The previous segment's tag and place (values: the segment object itself may be reused). */
  private lastTag = '';
  private lastAt: Location = { offset: 0, line: 1, segment: 0 };
  private segments = 0;
  private readonly counts = { interchanges: 0, groups: 0, sets: 0, bySet: {} as Record<string, number> };
  private readonly textScan = new TextScan();

  constructor(private readonly options: AnalyzerOptions = {}) {
    this.maxPerSet = options.maxIssuesPerSet ?? 500;
    this.retain = options.retain ?? true;
  }

  /** Problems the tokenizer found; they are filed when the segment they name arrives. */
  readerIssue(i: Issue): void {
    this.pending.push(i);
  }

  push(seg: Segment): void {
    this.segments++;
    this.route(seg);
    this.lastTag = seg.tag;
    this.lastAt.offset = seg.offset;
    this.lastAt.line = seg.line;
    this.lastAt.segment = seg.index;
    if (this.pending.length > 0) this.releasePending(seg.index);
  }

  end(): AnalysisResult {
    const at = { ...this.lastAt };
    this.closeSet(undefined, at);
    this.closeGroup(undefined, at);
    this.closeInterchange(undefined, at);
    this.endStray();
    this.releasePending(Number.POSITIVE_INFINITY);
    return {
      interchanges: this.interchanges,
      fileIssues: this.fileIssues,
      issues: this.issues,
      segments: this.segments,
      counts: this.counts,
    };
  }

  private route(seg: Segment): void {
    const tag = seg.tag;
    if (tag === 'ISA') {
      const at = locate(seg);
      this.closeSet(undefined, at);
      this.closeGroup(undefined, at);
      this.closeInterchange(undefined, at);
      this.endStray();
      this.openInterchange(seg);
      return;
    }
    if (this.ic === undefined) {
      this.strayOutside(seg);
      return;
    }
    switch (tag) {
      case 'IEA':
        this.endStray();
        this.closeSet(undefined, locate(seg));
        this.closeGroup(undefined, locate(seg));
        this.closeInterchange(seg, locate(seg));
        return;
      case 'GS':
        this.endStray();
        this.closeSet(undefined, locate(seg));
        this.closeGroup(undefined, locate(seg));
        this.openGroup(seg);
        return;
      case 'GE':
        this.endStray();
        if (this.group === undefined) {
          this.envelopeIssue('unexpected-envelope-segment', 'GE without a GS to close', seg);
          return;
        }
        this.closeSet(undefined, locate(seg));
        this.closeGroup(seg, locate(seg));
        return;
      case 'ST':
        this.endStray();
        this.closeSet(undefined, locate(seg));
        this.openSet(seg);
        return;
      case 'SE':
        this.endStray();
        if (this.set === undefined) {
          this.envelopeIssue('unexpected-envelope-segment', 'SE without an ST to close', seg);
          return;
        }
        this.closeSet(seg, locate(seg));
        return;
      default:
        if (this.set !== undefined) {
          this.set.result.segmentCount++;
          this.set.validator?.segment(seg);
        } else if (tag === 'TA1' && this.group === undefined) {
          // An interchange acknowledgment travels inside an interchange, before any group.
        } else {
          this.strayInInterchange(seg);
        }
    }
  }

  /** A segment inside an interchange but outside any set: one issue per run of them. (Kept out of route(),
   * whose every call would otherwise allocate the context these messages capture.) */
  private strayInInterchange(seg: Segment): void {
    const tag = seg.tag;
    const group = this.group?.header.controlNumber;
    if (group !== undefined) {
      this.strayIn(
        seg,
        'segment-outside-set',
        (n) =>
          `${n === 1 ? `${tag} is` : `${n} segments (from ${tag}) are`} outside any transaction set (between ST/SE pairs of group ${group})`,
      );
    } else {
      this.strayIn(
        seg,
        'segment-outside-group',
        (n) =>
          `${n === 1 ? `${tag} is` : `${n} segments (from ${tag}) are`} outside any functional group (GS/GE)`,
      );
    }
  }

  private openInterchange(isa: Segment): void {
    const header = readInterchangeHeader(isa);
    this.ic = {
      header,
      delimiters: isa.syntax.delimiters,
      location: locate(isa),
      groups: [],
      groupCount: 0,
      issues: [],
      complete: false,
    };
    this.icGroupNumbers = new Set();
    this.counts.interchanges++;
    if (this.retain) this.interchanges.push(this.ic);
    for (const i of checkInterchangeHeader(isa)) this.file(i);
  }

  private closeInterchange(iea: Segment | undefined, at: Location): void {
    const ic = this.ic;
    if (ic === undefined) return;
    if (iea === undefined) {
      this.notEnded(
        'interchange-not-ended',
        `interchange ${ic.header.controlNumber} (ISA at line ${ic.location.line}) has no IEA`,
        at,
      );
    } else {
      ic.complete = true;
      for (const i of checkInterchangeTrailer(iea)) this.file(i);
      ic.declaredGroups = iea.element(1);
      this.checkTrailer(iea, {
        countCode: 'iea-group-count',
        counted: ic.groupCount,
        what: 'functional group(s), the interchange has',
        controlCode: 'iea-control-number',
        control: ic.header.controlNumber,
        controlName: 'ISA13 interchange control number',
      });
    }
    this.ic = undefined;
  }

  /** The "count, then control number" check every trailer (IEA, GE) makes of its header. */
  private checkTrailer(
    trailer: Segment,
    c: {
      countCode: IssueCode;
      counted: number;
      what: string;
      controlCode: IssueCode;
      control: string;
      controlName: string;
    },
  ): void {
    const declared = trailer.element(1);
    if (/^\d+$/.test(declared) && Number(declared) !== c.counted) {
      this.file(
        issue(c.countCode, `${trailer.tag}01 says ${declared} ${c.what} ${c.counted}`, locate(trailer, 1), {
          data: declared,
        }),
      );
    }
    const control = trailer.element(2);
    if (!sameControlNumber(control, c.control)) {
      this.file(
        issue(
          c.controlCode,
          `${trailer.tag}02 '${control}' does not match the ${c.controlName} '${c.control}'`,
          locate(trailer, 2),
          {
            data: control,
          },
        ),
      );
    }
  }

  /** A header whose trailer never came: `at` is what came instead. */
  private notEnded(code: IssueCode, what: string, at: Location): void {
    this.file(
      issue(
        code,
        `${what}: the ${at.tag ? `${at.tag} at line ${at.line}` : 'end of the input'} came first`,
        at,
      ),
    );
  }

  private openGroup(gs: Segment): void {
    const ic = this.ic!;
    const header = readGroupHeader(gs);
    this.group = { header, location: locate(gs), sets: [], setCount: 0, issues: [], complete: false };
    this.groupSetNumbers = new Set();
    ic.groupCount++;
    this.counts.groups++;
    if (this.retain) ic.groups.push(this.group);
    for (const i of checkGroupHeader(gs)) this.file(i);
    const control = String(Number(header.controlNumber));
    if (this.icGroupNumbers.has(control)) {
      this.file(
        issue(
          'duplicate-group-control-number',
          `group control number ${header.controlNumber} is used by an earlier group of this interchange`,
          locate(gs, 6),
          { data: header.controlNumber },
        ),
      );
    }
    this.icGroupNumbers.add(control);
  }

  private closeGroup(ge: Segment | undefined, at: Location): void {
    const group = this.group;
    if (group === undefined) return;
    if (ge === undefined) {
      this.notEnded(
        'group-not-ended',
        `functional group ${group.header.controlNumber} (GS at line ${group.location.line}) has no GE`,
        at,
      );
    } else {
      group.complete = true;
      for (const i of checkGroupTrailer(ge)) this.file(i);
      group.declaredSets = ge.element(1);
      this.checkTrailer(ge, {
        countCode: 'ge-set-count',
        counted: group.setCount,
        what: 'transaction set(s), the group has',
        controlCode: 'ge-control-number',
        control: group.header.controlNumber,
        controlName: 'GS06 group control number',
      });
    }
    this.group = undefined;
  }

  private openSet(st: Segment): void {
    const result: SetResult = {
      id: st.element(1),
      controlNumber: st.element(2),
      location: locate(st),
      segmentCount: 1,
      issues: [],
      complete: false,
      droppedIssues: 0,
    };
    if (st.element(3) !== '') result.implementation = st.element(3);
    const group = this.group;
    if (group === undefined) {
      this.set = { result, orphan: true };
      this.file(
        issue(
          'segment-outside-group',
          `ST (transaction set ${result.id} ${result.controlNumber}) is outside any functional group (GS/GE)`,
          locate(st),
        ),
      );
      return;
    }
    this.set = { result, orphan: false };
    group.setCount++;
    this.counts.sets++;
    this.counts.bySet[result.id] = (this.counts.bySet[result.id] ?? 0) + 1;
    if (this.retain) group.sets.push(result);
    for (const i of checkSetHeader(st)) this.file(i);
    if (result.controlNumber !== '') {
      if (this.groupSetNumbers.has(result.controlNumber)) {
        this.file(
          issue(
            'duplicate-set-control-number',
            `transaction set control number ${result.controlNumber} is used by an earlier set of group ${group.header.controlNumber}`,
            locate(st, 2),
            { data: result.controlNumber },
          ),
        );
      }
      this.groupSetNumbers.add(result.controlNumber);
    }
    const specs = this.options.specs;
    if (specs === undefined || !/^\d{3}$/.test(result.id)) return;
    const version = group.header.version;
    const found = specs.resolve(version, result.id);
    const expectedGroup = found?.spec.functionalGroup ?? specs.functionalGroupOf(result.id);
    if (
      expectedGroup !== undefined &&
      group.header.functionalId !== '' &&
      expectedGroup !== group.header.functionalId
    ) {
      this.file(
        issue(
          'set-wrong-group',
          `a ${result.id} travels in a functional group with GS01 = ${expectedGroup}, but this group's GS01 is ${group.header.functionalId}`,
          locate(st, 1),
          { data: result.id },
        ),
      );
    }
    if (found === undefined) {
      this.file(
        issue(
          'set-not-supported',
          `no spec for transaction set ${result.id} in version ${version || '(GS08 empty)'}: only its envelope was checked`,
          locate(st, 1),
          { severity: this.options.unsupportedSetSeverity ?? 'warning', data: result.id },
        ),
      );
      return;
    }
    result.spec = `${found.spec.version}/${found.spec.id}`;
    if (found.fallback) {
      this.file(
        issue(
          'spec-version-fallback',
          `no ${baseVersion(version)} spec for ${result.id}; checked against ${found.spec.version}, the nearest earlier version`,
          locate(st),
        ),
      );
    }
    const state = this.set;
    state.validator = new SetValidator(found.spec, (i) => this.file(i), this.textScan);
    state.validator.segment(st);
  }

  private closeSet(se: Segment | undefined, at: Location): void {
    const state = this.set;
    if (state === undefined) return;
    if (state.orphan) {
      this.set = undefined;
      return;
    }
    // this.set stays open until the end so that the issues below are filed under this set.
    const result = state.result;
    if (se === undefined) {
      this.notEnded(
        'set-not-ended',
        `transaction set ${result.id} ${result.controlNumber} (ST at line ${result.location.line}) has no SE`,
        at,
      );
    } else {
      result.segmentCount++;
      result.complete = true;
      state.validator?.segment(se);
      for (const i of checkSetTrailer(se)) this.file(i);
      const declared = se.element(1);
      if (/^\d+$/.test(declared) && Number(declared) !== result.segmentCount) {
        this.file(
          issue(
            'se-segment-count',
            `SE01 says ${declared} segments, the set has ${result.segmentCount} from ST to SE`,
            locate(se, 1),
            { data: declared },
          ),
        );
      }
      const control = se.element(2);
      if (control !== result.controlNumber) {
        this.file(
          issue(
            'se-control-number',
            `SE02 '${control}' does not match the ST02 transaction set control number '${result.controlNumber}'`,
            locate(se, 2),
            { data: control },
          ),
        );
      }
      state.validator?.end(locate(se));
    }
    this.set = undefined;
    if (this.options.onSet && this.group && this.ic) this.options.onSet(result, this.group, this.ic);
  }

  private envelopeIssue(code: IssueCode, message: string, seg: Segment): void {
    this.file(issue(code, message, locate(seg)));
  }

  private strayOutside(seg: Segment): void {
    const after =
      this.lastTag === 'IEA' || this.stray !== undefined ? 'after the last IEA' : 'before any ISA';
    const tag = seg.tag;
    this.strayIn(seg, 'data-outside-interchange', (n) =>
      n === 1
        ? `${tag} is outside any interchange (${after})`
        : `${n} segments (from ${tag} on) are outside any interchange`,
    );
  }

  private strayIn(seg: Segment, code: IssueCode, describe: (count: number) => string): void {
    if (this.stray !== undefined && this.stray.issue.code === code) {
      this.stray.count++;
      return;
    }
    this.endStray();
    const i = issue(code, describe(1), locate(seg));
    this.stray = { issue: i, count: 1, describe };
    this.file(i);
  }

  private endStray(): void {
    if (this.stray === undefined) return;
    if (this.stray.count > 1) this.stray.issue.message = this.stray.describe(this.stray.count);
    this.stray = undefined;
  }

  /** Files an issue under the envelope level its code belongs to. */
  private file(i: Issue): void {
    const level = codeInfo(i.code).level;
    if (level === 'file' || this.ic === undefined) {
      this.fileIssues.push(i);
    } else if (level === 'interchange') {
      this.ic.issues.push(i);
    } else if (level === 'group') {
      (this.group ?? this.ic).issues.push(i);
    } else {
      const set = this.set?.result;
      if (set === undefined) {
        (this.group ?? this.ic).issues.push(i);
      } else {
        if (set.issues.length >= this.maxPerSet) {
          set.droppedIssues++;
          return;
        }
        set.issues.push(i);
        if (set.issues.length === this.maxPerSet) {
          const cap = issue(
            'issues-truncated',
            `more than ${this.maxPerSet} problems in transaction set ${set.id} ${set.controlNumber}; the rest are counted, not listed`,
            i.location,
          );
          set.issues.push(cap);
          this.issues.push(i, cap);
          return;
        }
      }
    }
    this.issues.push(i);
  }

  private releasePending(upTo: number): void {
    let kept = 0;
    for (const i of this.pending) {
      if (i.location.segment <= upTo) this.file(i);
      else this.pending[kept++] = i;
    }
    this.pending.length = kept;
  }
}

export interface AnalyzeOptions extends AnalyzerOptions {
  encoding?: 'utf8' | 'latin1';
  /** Sees every segment after the analyzer has, in the same pass (the object is reused: copy what you keep). */
  onSegment?: (segment: Segment) => void;
}

/** Reads and checks a whole input: envelope always, transaction sets when specs are given. */
export async function analyze(source: ByteSource, options: AnalyzeOptions = {}): Promise<AnalysisResult> {
  const analyzer = new X12Analyzer(options);
  // The analyzer keeps nothing of a segment but copies, so the tokenizer can hand it one reused object.
  const tokenizer = new SegmentTokenizer({
    onIssue: (i: Issue) => analyzer.readerIssue(i),
    onSegment: options.onSegment
      ? (s) => {
          analyzer.push(s);
          options.onSegment!(s);
        }
      : (s) => analyzer.push(s),
    ...(options.encoding ? { encoding: options.encoding } : {}),
  });
  for await (const input of source) {
    const chunk = typeof input === 'string' ? Buffer.from(input) : input;
    for (let at = 0; at < chunk.length; at += READ_SLICE) {
      tokenizer.push(chunk.length <= READ_SLICE ? chunk : chunk.subarray(at, at + READ_SLICE));
    }
  }
  tokenizer.end();
  return analyzer.end();
}
