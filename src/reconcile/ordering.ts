import type { ReceivedDocument } from './inputs.ts';

/** First come first: by received time, then by id, so equal times still give one order on every run. */
export function byArrival<T>(docs: readonly ReceivedDocument<T>[]): ReceivedDocument<T>[] {
  return [...docs].sort(
    (a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

export function samePoNumber(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.trim() === b.trim();
}

export function sameCode(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.trim().toUpperCase() === b.trim().toUpperCase();
}
