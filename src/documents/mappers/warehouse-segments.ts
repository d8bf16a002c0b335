// What the warehouse sets (940, 945) share in their heading: N9 references, G62 dates, NTE notes, and the one
// carrier segment each has (W66 on the order, W27 on the advice).
import type { QualifiedDate, Reference } from '../common.ts';
import type { Note } from '../transport.ts';
import type { SetSegment } from '../../x12/set-segments.ts';
import { readG62Date, readReference } from './common-segments.ts';
import type { MapContext } from './context.ts';
import { readNote } from './transport-segments.ts';

export interface WarehouseHeading {
  references: Reference[];
  dates: QualifiedDate[];
  notes: Note[];
  /** The first `carrierTag` segment, when there is one. */
  carrier?: SetSegment;
}

export function readWarehouseHeading(
  ctx: MapContext,
  heading: readonly SetSegment[],
  carrierTag: 'W27' | 'W66',
): WarehouseHeading {
  const out: WarehouseHeading = { references: [], dates: [], notes: [] };
  for (const seg of heading) {
    switch (seg.tag) {
      case 'N9': {
        const ref = readReference(ctx, seg);
        if (ref) out.references.push(ref);
        break;
      }
      case 'G62': {
        const date = readG62Date(ctx, seg);
        if (date) out.dates.push(date);
        break;
      }
      case 'NTE': {
        const note = readNote(ctx, seg);
        if (note) out.notes.push(note);
        break;
      }
      default:
        if (seg.tag === carrierTag) out.carrier ??= seg;
        break;
    }
  }
  return out;
}
