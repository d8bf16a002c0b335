// Opening the gateway for a command, and waiting for work the command queued. With the in-process queue a
// command has to do the work itself before it exits; with Redis the running workers do it.
import { loadGatewayConfig } from '../config/gateway.ts';
import { createLogger, type Logger } from '../log.ts';
import { openGateway, type Gateway } from '../main.ts';
import { getReceipt } from '../store/queries/receipts.ts';
import { acknowledgmentsOfReceipt } from '../store/queries/acknowledgments.ts';

export interface CommandLogOptions {
  pretty?: boolean;
  verbose?: boolean;
}

export function commandLogger(opts: CommandLogOptions): Logger {
  // Commands print their own results; the log says only what went wrong unless asked.
  return createLogger({ level: opts.verbose ? 'info' : 'warn', pretty: opts.pretty ?? true });
}

export async function withGateway<T>(
  opts: CommandLogOptions,
  fn: (gateway: Gateway) => Promise<T>,
  options: { work?: boolean } = {},
): Promise<T> {
  const config = loadGatewayConfig();
  const gateway = await openGateway(config, commandLogger(opts));
  try {
    if (options.work && gateway.queue.kind === 'in-process') gateway.startWorkers();
    return await fn(gateway);
  } finally {
    await gateway.stop();
  }
}

/** Waits until each receipt is finished (processed, dead or a duplicate) and its acks left the pending
 * state; calls `onDone` as each one finishes. */
export async function waitForReceipts(
  gateway: Gateway,
  ids: number[],
  onDone: (id: number) => void,
  timeoutMs = 10 * 60_000,
): Promise<number[]> {
  const open = new Set(ids);
  const deadline = Date.now() + timeoutMs;
  while (open.size > 0 && Date.now() < deadline) {
    for (const id of [...open]) {
      const r = await getReceipt(gateway.db, id);
      if (!r || r.status === 'received' || r.status === 'processing') continue;
      const acks = await acknowledgmentsOfReceipt(gateway.db, id);
      if (acks.some((a) => a.deliveryStatus === 'pending' && a.attempts === 0)) continue;
      open.delete(id);
      onDone(id);
    }
    if (open.size > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return [...open];
}
