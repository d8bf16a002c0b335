// What happens when a job's handler fails, the same for both queues: a retryable error is tried again with
// exponential backoff until the attempts run out; any other error, or the last attempt, makes a dead letter.
import { isRetryable } from '../errors.ts';
import type { DeadLetterSink, JobContext, JobHandler, JobPayloads, QueueName, RetryPolicy } from './queue.ts';

export type AttemptOutcome =
  { kind: 'done' } | { kind: 'retry'; delayMs: number; error: unknown } | { kind: 'dead' };

export async function runAttempt<N extends QueueName>(
  queue: N,
  handler: JobHandler<N>,
  payload: JobPayloads[N],
  ctx: JobContext,
  policy: RetryPolicy,
  deadLetter: DeadLetterSink,
): Promise<AttemptOutcome> {
  try {
    await handler(payload, ctx);
    return { kind: 'done' };
  } catch (error) {
    if (isRetryable(error) && ctx.attempt < ctx.maxAttempts) {
      return { kind: 'retry', delayMs: backoffDelay(policy, ctx.attempt), error };
    }
    try {
      await deadLetter({ queue, jobId: ctx.jobId, payload, error, attempts: ctx.attempt });
    } catch (sinkError) {
      // The job must not vanish without its dead letter: keep trying until the store takes it.
      return { kind: 'retry', delayMs: backoffDelay(policy, ctx.attempt), error: sinkError };
    }
    return { kind: 'dead' };
  }
}

/** The delay after attempt `attempt` failed: backoff, 2 x backoff, 4 x backoff, … */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  return policy.backoffMs * 2 ** Math.max(0, attempt - 1);
}
