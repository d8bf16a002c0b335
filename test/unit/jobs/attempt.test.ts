import assert from 'node:assert/strict';
import { GatewayError } from '../../../src/errors.ts';
import { backoffDelay, runAttempt } from '../../../src/jobs/attempt.ts';
import type { DeadJob, JobContext, RetryPolicy } from '../../../src/jobs/queue.ts';

const POLICY: RetryPolicy = { attempts: 3, backoffMs: 100 };

function ctx(attempt: number): JobContext {
  return { jobId: 'receipt-1', attempt, maxAttempts: POLICY.attempts };
}

describe('backoffDelay', () => {
  it('doubles the delay after each failed attempt', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((attempt) => backoffDelay(POLICY, attempt)),
      [100, 200, 400, 800, 1600],
    );
  });
});

describe('runAttempt', () => {
  const payload = { receiptId: 1 };

  it('reports done when the handler succeeds, without a dead letter', async () => {
    const dead: DeadJob[] = [];
    const outcome = await runAttempt(
      'process-receipt',
      () => Promise.resolve(),
      payload,
      ctx(1),
      POLICY,
      (j) => {
        dead.push(j);
        return Promise.resolve();
      },
    );
    assert.deepEqual(outcome, { kind: 'done' });
    assert.deepEqual(dead, []);
  });

  it('asks for a retry after a retryable error, with a delay that grows with the attempt', async () => {
    const error = new GatewayError('store-unavailable', 'busy', true);
    const delays: number[] = [];
    for (const attempt of [1, 2]) {
      const outcome = await runAttempt(
        'process-receipt',
        () => Promise.reject(error),
        payload,
        ctx(attempt),
        POLICY,
        () => Promise.reject(new Error('no dead letter expected')),
      );
      assert.equal(outcome.kind, 'retry');
      if (outcome.kind === 'retry') {
        assert.equal(outcome.error, error);
        delays.push(outcome.delayMs);
      }
    }
    assert.deepEqual(delays, [100, 200]);
  });

  it('writes one dead letter when the last attempt fails retryably', async () => {
    const dead: DeadJob[] = [];
    const error = Object.assign(new Error('reset'), { code: 'ECONNRESET' });
    const outcome = await runAttempt(
      'process-receipt',
      () => Promise.reject(error),
      payload,
      ctx(3),
      POLICY,
      (j) => {
        dead.push(j);
        return Promise.resolve();
      },
    );
    assert.deepEqual(outcome, { kind: 'dead' });
    assert.deepEqual(dead, [{ queue: 'process-receipt', jobId: 'receipt-1', payload, error, attempts: 3 }]);
  });

  it('catches a handler that throws synchronously', async () => {
    const dead: DeadJob[] = [];
    const outcome = await runAttempt(
      'process-receipt',
      () => {
        throw new Error('not async');
      },
      payload,
      ctx(1),
      POLICY,
      (j) => {
        dead.push(j);
        return Promise.resolve();
      },
    );
    assert.deepEqual(outcome, { kind: 'dead' });
    assert.equal(dead.length, 1);
  });

  it('asks for a retry when the dead-letter sink fails, whatever the attempt', async () => {
    const sinkError = new GatewayError('store-unavailable', 'dead_letters locked', true);
    const outcome = await runAttempt(
      'process-receipt',
      () => Promise.reject(new Error('bug')),
      payload,
      ctx(7),
      POLICY,
      () => Promise.reject(sinkError),
    );
    assert.deepEqual(outcome, { kind: 'retry', delayMs: backoffDelay(POLICY, 7), error: sinkError });
  });
});
