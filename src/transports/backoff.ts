// How a channel waits while its server is unreachable: exponentially longer, up to a cap, and it says so
// once when the state changes (down, down for another reason, up again) rather than once per poll.

export interface BackoffReport {
  /** Worth a log line: the first failure, or a failure for another reason than the last. */
  changed: boolean;
  delayMs: number;
  failures: number;
}

export class Backoff {
  private failures = 0;
  private nextAt = 0;
  private lastReason: string | undefined;

  constructor(
    private readonly firstDelayMs: number,
    private readonly maxDelayMs: number,
  ) {}

  get down(): boolean {
    return this.failures > 0;
  }

  /** Whether an attempt may be made now. */
  ready(now: number): boolean {
    return now >= this.nextAt;
  }

  failed(reason: string, now: number): BackoffReport {
    this.failures++;
    const delayMs = Math.min(this.maxDelayMs, this.firstDelayMs * 2 ** Math.min(this.failures - 1, 30));
    this.nextAt = now + delayMs;
    const changed = this.failures === 1 || reason !== this.lastReason;
    this.lastReason = reason;
    return { changed, delayMs, failures: this.failures };
  }

  /** The failures before this success (0 when it was not down). */
  succeeded(): number {
    const failures = this.failures;
    this.failures = 0;
    this.nextAt = 0;
    this.lastReason = undefined;
    return failures;
  }
}

/** The backoffs of the partners' servers, one registry per gateway: the channels of a partner that reach the
 * same server wait together, and say once that it is down. */
export class PartnerBackoffs {
  private readonly byServer = new Map<string, Backoff>();

  of(partnerId: string, server: string, firstDelayMs: number, maxDelayMs: number): Backoff {
    const key = `${partnerId}\n${server}`;
    let backoff = this.byServer.get(key);
    if (!backoff) {
      backoff = new Backoff(firstDelayMs, maxDelayMs);
      this.byServer.set(key, backoff);
    }
    return backoff;
  }
}
