// Slows down password guessing at POST /api/login. Only failures count: a user who logs in many times a day
// is never refused, while a guesser is stopped after a few tries per account (the account is what is being
// attacked) and after more per client address (one address trying many accounts). Kept in memory: the API
// is served by one process per host, and a restart forgetting the counts costs an attacker a restart of ours.
//
// Not @fastify/rate-limit: it counts every request to a route by one key, where this must count failures
// only, by two keys, and clear the account's count on success.

export interface LoginThrottleOptions {
  /** Failed logins for one user name within the window before that name is refused; 5 by default. */
  maxFailuresPerUser?: number;
  /** Failed logins from one client address within the window before that address is refused; 20 by default. */
  maxFailuresPerAddress?: number;
  /** How long a failure counts; 15 minutes by default. */
  windowMs?: number;
  /** Most keys remembered; the oldest are forgotten beyond it, so a flood of names cannot exhaust memory. */
  maxKeys?: number;
}

export interface ThrottleVerdict {
  /** Seconds until the next attempt is taken, for Retry-After. */
  retryAfterSeconds: number;
  /** Which limit refused it: the account's or the address's. */
  limitedBy: 'user' | 'address';
}

const DEFAULTS = {
  maxFailuresPerUser: 5,
  maxFailuresPerAddress: 20,
  windowMs: 15 * 60 * 1000,
  maxKeys: 10_000,
};

class FailureLog {
  // Insertion order is age order, which is what eviction needs.
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxKeys: number,
  ) {}

  private recent(key: string, now: number): number[] {
    const times = (this.failures.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (times.length === 0) this.failures.delete(key);
    else this.failures.set(key, times);
    return times;
  }

  /** Milliseconds until `key` may try again, or 0 when it may now. */
  waitMs(key: string, now: number): number {
    const times = this.recent(key, now);
    if (times.length < this.limit) return 0;
    // Refused until enough of the counted failures have aged out to bring it under the limit.
    return times[times.length - this.limit]! + this.windowMs - now;
  }

  record(key: string, now: number): void {
    const times = this.recent(key, now);
    this.failures.delete(key);
    this.failures.set(key, [...times, now].slice(-this.limit));
    while (this.failures.size > this.maxKeys) {
      const oldest = this.failures.keys().next().value;
      if (oldest === undefined) break;
      this.failures.delete(oldest);
    }
  }

  clear(key: string): void {
    this.failures.delete(key);
  }
}

export class LoginThrottle {
  private readonly users: FailureLog;
  private readonly addresses: FailureLog;

  constructor(options: LoginThrottleOptions = {}) {
    const o = { ...DEFAULTS, ...options };
    this.users = new FailureLog(o.maxFailuresPerUser, o.windowMs, o.maxKeys);
    this.addresses = new FailureLog(o.maxFailuresPerAddress, o.windowMs, o.maxKeys);
  }

  /** Whether an attempt for `user` from `address` is refused before its password is even checked. */
  check(user: string, address: string, now: Date): ThrottleVerdict | undefined {
    const t = now.getTime();
    const byUser = this.users.waitMs(userKey(user), t);
    const byAddress = this.addresses.waitMs(address, t);
    if (byUser === 0 && byAddress === 0) return undefined;
    const limitedBy = byUser >= byAddress ? 'user' : 'address';
    return { retryAfterSeconds: Math.max(1, Math.ceil(Math.max(byUser, byAddress) / 1000)), limitedBy };
  }

  failed(user: string, address: string, now: Date): void {
    this.users.record(userKey(user), now.getTime());
    this.addresses.record(address, now.getTime());
  }

  /** A correct password clears the account's failures; the address keeps its count, as one address may be
   * guessing at several accounts and know one of them. */
  succeeded(user: string): void {
    this.users.clear(userKey(user));
  }
}

// User names are matched case-sensitively at login, but counting them case-insensitively stops a guesser
// from getting five tries per spelling.
function userKey(user: string): string {
  return user.toLowerCase();
}
