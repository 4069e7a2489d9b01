/**
 * Login throttling: after 5 failed logins for one user name (or 20 from one address) within 15 minutes,
 * further attempts are refused for 15 minutes with a plain message, whether or not the password is right.
 * Kept in memory: a restart clears it, which is acceptable for a single district server.
 */
const WINDOW_MS = 15 * 60 * 1000;
const PER_NAME = 5;
const PER_ADDRESS = 20;

interface Entry {
  failures: number[];
  lockedUntil: number;
}

export class LoginThrottle {
  private readonly byKey = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  private entry(key: string): Entry {
    let e = this.byKey.get(key);
    if (!e) this.byKey.set(key, (e = { failures: [], lockedUntil: 0 }));
    e.failures = e.failures.filter((t) => t > this.now() - WINDOW_MS);
    return e;
  }

  /** Minutes the caller still has to wait, or 0 when an attempt is allowed. */
  waitMinutes(username: string, address: string): number {
    const until = Math.max(
      this.entry(`u:${username.toLowerCase()}`).lockedUntil,
      this.entry(`a:${address}`).lockedUntil,
    );
    return until > this.now() ? Math.ceil((until - this.now()) / 60000) : 0;
  }

  fail(username: string, address: string): void {
    for (const [key, limit] of [
      [`u:${username.toLowerCase()}`, PER_NAME],
      [`a:${address}`, PER_ADDRESS],
    ] as const) {
      const e = this.entry(key);
      e.failures.push(this.now());
      if (e.failures.length >= limit) e.lockedUntil = this.now() + WINDOW_MS;
    }
    if (this.byKey.size > 10000) this.byKey.clear();
  }

  succeed(username: string): void {
    this.byKey.delete(`u:${username.toLowerCase()}`);
  }
}
