// The JSON formats under specs/x12/<version>/: what the onboarding team and spec authors write.
// docs/specs.md explains them; specs/schema/*.schema.json checks them.

/** Element usage: Mandatory, Optional, X = relational (governed by the segment's syntax notes), N = not used (overlays). */
export type ElementUsage = 'M' | 'O' | 'X' | 'N';
/** Segment and loop usage inside a transaction set. */
export type PositionUsage = 'M' | 'O';
/** X12 data element types. N0..N9 are implied-decimal numerics; B is binary (BIN02). */
export type DataType = 'AN' | 'ID' | 'R' | 'DT' | 'TM' | 'B' | `N${0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9}`;
/** A repeat count; ">1" is the standard's notation for unbounded. */
export type MaxUse = number | '>1';
/** Code value -> description. */
export type CodeList = Record<string, string>;

export interface ElementDef {
  name: string;
  type: DataType;
  min: number;
  max: number;
  /** A closed list: any other value is an error (997 AK403 = 7). */
  codes?: CodeList;
  /** An open list of the codes partners commonly send: another value is only a warning. */
  commonCodes?: CodeList;
}

/** One element (or component) position inside a segment (or composite). */
export interface ElementUse {
  /** Data element reference number ("98") or composite id ("C001"). */
  ref: string;
  usage: ElementUsage;
  /** How many repetitions the element may carry (005010 repeating elements); default 1. */
  repeat?: number;
  /** Position-level narrowing of the element definition. */
  min?: number;
  max?: number;
  codes?: CodeList;
  commonCodes?: CodeList;
}

export interface CompositeDef {
  name: string;
  components: ElementUse[];
  /** Syntax notes over component positions, in X12 notation: "P0102", "R0203", "C0304", "E0102", "L010203". */
  syntax?: string[];
}

export interface SegmentDef {
  name: string;
  elements: ElementUse[];
  /** Syntax notes over element positions, in X12 notation (see CompositeDef.syntax). */
  syntax?: string[];
}

/** specs/x12/<version>/dictionary/*.json: the elements, composites and segments of one version. */
export interface DictionaryFile {
  $schema?: string;
  version: string;
  /** A dictionary version this one starts from; its entries are replaced by same-named ones here. */
  extends?: string;
  elements?: Record<string, ElementDef>;
  composites?: Record<string, CompositeDef>;
  segments?: Record<string, SegmentDef>;
}

/** Narrowing of one element or component at one position: key "03" (element) or "05-01" (component). */
export interface ElementOverride {
  usage?: ElementUsage;
  min?: number;
  max?: number;
  codes?: CodeList | string[];
  repeat?: number;
}

export interface SegmentPosition {
  segment: string;
  usage: PositionUsage;
  max: MaxUse;
  elements?: Record<string, ElementOverride>;
  /** Extra syntax notes that hold at this position only. */
  syntax?: string[];
}

export interface HierarchyLevel {
  name: string;
  /** Level codes (HL03) a level of this kind may hang under; [] = top of the hierarchy (HL02 empty). */
  parents: string[];
  /** Segment tags that must appear in an HL loop of this level. */
  required?: string[];
}

export interface HierarchyDef {
  /** Known levels by HL03 code. A level not listed is accepted with a warning unless `closed`. */
  levels: Record<string, HierarchyLevel>;
  closed?: boolean;
}

export interface LoopPosition {
  /** The loop identifier reported in AK303/IK303; by convention the trigger segment's tag. */
  loop: string;
  usage: PositionUsage;
  max: MaxUse;
  /** The loop's positions; the first is the trigger segment that starts each iteration. */
  content: Position[];
  /** For HL loops: the levels and how they nest. */
  hierarchy?: HierarchyDef;
}

export type Position = SegmentPosition | LoopPosition;

/** specs/x12/<version>/<set>.json: one transaction set. */
export interface SetSpecFile {
  $schema?: string;
  set: string;
  version: string;
  name: string;
  /** GS01 functional identifier code this set travels under (850 -> PO). */
  functionalGroup: string;
  /** Positions from ST to SE inclusive. */
  structure: Position[];
}

/** A partner overlay: narrows one set spec. Paths name loops and a segment: "BEG", "N1/N3", "PO1/PID". */
export interface OverlayFile {
  set: string;
  version: string;
  positions?: Record<string, OverlayPosition>;
  hierarchy?: { levels?: Record<string, { parents?: string[]; required?: string[] }>; closed?: boolean };
}

export interface OverlayPosition {
  usage?: PositionUsage;
  max?: number;
  elements?: Record<string, ElementOverride>;
  syntax?: string[];
}

export function isLoop(position: Position): position is LoopPosition {
  return 'loop' in position;
}
