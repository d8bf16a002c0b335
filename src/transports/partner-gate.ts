// One connection per partner at a time. In this process the polls of a partner's channels and the deliveries
// to it take turns (a queue per partner). Across `dockside run` processes they also hold the partner's
// connection lease in Redis (the composition root hands the leases over), so a partner's server never sees
// us log in twice at once, whichever processes poll and deliver.
import { setTimeout as sleep } from 'node:timers/promises';
import { GatewayError, errorMessage } from '../errors.ts';
import { localLeases, type Leases } from '../jobs/lease.ts';

const tails = new Map<string, Promise<void>>();

let crossProcess: Leases = localLeases;

/** Makes connections take turns with those of other processes sharing these leases (Redis). */
export function usePartnerConnectionLeases(leases: Leases): void {
  crossProcess = leases;
}

/** A held lease outlives its holder by this much at most; it is renewed while the connection is in use. */
export const CONNECTION_LEASE_MS = 60_000;
const WAIT_STEP_MS = 100;
/** How long a connection waits for another process's turn before it fails (retryable). */
export const CONNECTION_WAIT_MS = 5 * 60_000;

export async function withPartnerConnection<T>(partnerId: string, work: () => Promise<T>): Promise<T> {
  const before = tails.get(partnerId) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = before.then(() => mine);
  tails.set(partnerId, tail);
  await before;
  try {
    return await withLease(partnerId, work);
  } finally {
    release();
    if (tails.get(partnerId) === tail) tails.delete(partnerId);
  }
}

async function withLease<T>(partnerId: string, work: () => Promise<T>): Promise<T> {
  const leases = crossProcess;
  const name = `connection:${partnerId}`;
  const deadline = Date.now() + CONNECTION_WAIT_MS;
  for (;;) {
    let held: boolean;
    try {
      held = await leases.hold(name, CONNECTION_LEASE_MS);
    } catch (e) {
      throw new GatewayError(
        'channel-unavailable',
        `cannot take partner ${partnerId}'s connection turn: ${errorMessage(e)}`,
        true,
        { cause: e },
      );
    }
    if (held) break;
    if (Date.now() > deadline) {
      throw new GatewayError(
        'channel-unavailable',
        `another process has held partner ${partnerId}'s connection for ${CONNECTION_WAIT_MS / 1000} s`,
        true,
      );
    }
    await sleep(WAIT_STEP_MS);
  }
  const renew = setInterval(
    () => void leases.hold(name, CONNECTION_LEASE_MS).catch(() => undefined),
    CONNECTION_LEASE_MS / 3,
  );
  renew.unref();
  try {
    return await work();
  } finally {
    clearInterval(renew);
    await leases.release(name).catch(() => undefined);
  }
}
