// Streams in, segments out. The tokenizer does the work; these wrappers only adapt it to Node streams and
// async iteration, in batches so the per-segment cost of async iteration is paid once per chunk.
import type { Issue } from './issues.ts';
import type { Segment } from './segment.ts';
import { SegmentTokenizer, type TokenizerOptions } from './tokenizer.ts';

export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export type ReaderOptions = TokenizerOptions;

/**
 * Slices fed to the tokenizer. Reads can be large (fewer system calls), but a batch of segments should
 * die young: ~32 KiB gives about fifteen hundred segments, which the garbage collector's nursery handles cheaply.
 */
export const READ_SLICE = 32 * 1024;

/** Segments in batches (one per input slice that completed any). */
export async function* readSegmentBatches(
  source: ByteSource,
  options: ReaderOptions = {},
): AsyncGenerator<Segment[]> {
  const tokenizer = new SegmentTokenizer(options);
  for await (const input of source) {
    const chunk = typeof input === 'string' ? Buffer.from(input) : input;
    for (let at = 0; at < chunk.length; at += READ_SLICE) {
      const batch = tokenizer.push(chunk.length <= READ_SLICE ? chunk : chunk.subarray(at, at + READ_SLICE));
      if (batch.length > 0) yield batch;
    }
  }
  const last = tokenizer.end();
  if (last.length > 0) yield last;
}

/** Segments one by one. */
export async function* readSegments(
  source: ByteSource,
  options: ReaderOptions = {},
): AsyncGenerator<Segment> {
  for await (const batch of readSegmentBatches(source, options)) yield* batch;
}

/** Reads a whole in-memory input at once: for tests and small payloads. */
export function tokenize(
  input: Uint8Array | string,
  options: ReaderOptions = {},
): { segments: Segment[]; issues: Issue[] } {
  const issues: Issue[] = [];
  const onIssue = (i: Issue) => {
    issues.push(i);
    options.onIssue?.(i);
  };
  const tokenizer = new SegmentTokenizer({ ...options, onIssue });
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const segments = [...tokenizer.push(bytes), ...tokenizer.end()];
  return { segments, issues };
}
