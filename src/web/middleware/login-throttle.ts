/**
 * Login throttling, in two parts that protect different things.
 *
 * Per user name: after 5 failed logins for one name within 15 minutes that name is locked for 15
 * minutes, from every address, whether or not the password is then right. The name is the one login
 * looks up (accounts.loginName: trimmed, case-folded), so "inspector1 " or "INSPECTOR1" count against
 * inspector1 instead of starting a fresh count.
 *
 * Per address: a whole office, or a school, often reaches the server through one NAT address, so
 * locking an address would lock every colleague out because of one person's (or one intruder's)
 * failures. Instead, once an address has 20 failures within 15 minutes, its login attempts are spaced
 * out: each waits for the next free slot, and the spacing grows with the failures (250 ms more for each
 * failure beyond 19, at most 5 s; a correct login adds none). Guessing from that address drops to at
 * most one try per 5 s however many requests run in parallel, while a colleague's correct login still
 * goes through after a few seconds at most. Only when the queue of slots is more than 30 s long (a flood
 * of parallel attempts) is an attempt refused at once, asking to retry shortly; nothing is locked.
 * A per-(address, name) counter was considered and dropped: a guesser who moves on to a fresh name is
 * not slowed by it, and the spacing already bounds every name at once.
 *
 * Kept in memory: a restart clears it, which is acceptable for a single district server. The table is
 * bounded: expired entries are pruned, and beyond MAX_KEYS the least recently touched are dropped.
 */
import { loginName } from '../../services/accounts.ts';

const WINDOW_MS = 15 * 60 * 1000;
const PER_NAME = 5;
const PER_ADDRESS = 20;
const STEP_MS = 250;
const MAX_SPACING_MS = 5000;
const MAX_QUEUE_MS = 30_000;
const MAX_KEYS = 50_000;

interface Entry {
  failures: number[];
  lockedUntil: number;
  /** address entries: when the next attempt may start */
  nextSlot: number;
}

export type LoginVerdict = { ok: true; waitMs: number } | { ok: false; message: string };

export interface ThrottleOptions {
  now?: () => number;
}

export class LoginThrottle {
  private readonly byKey = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(options: ThrottleOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  private entry(key: string): Entry {
    let e = this.byKey.get(key);
    if (e)
      this.byKey.delete(key); // re-inserted below: the map's order is least recently touched first
    else e = { failures: [], lockedUntil: 0, nextSlot: 0 };
    this.byKey.set(key, e);
    const since = this.now() - WINDOW_MS;
    if (e.failures.length && e.failures[0]! <= since) e.failures = e.failures.filter((t) => t > since);
    return e;
  }

  private prune(): void {
    if (this.byKey.size <= MAX_KEYS) return;
    const now = this.now();
    for (const [key, e] of this.byKey)
      if (e.lockedUntil <= now && e.nextSlot <= now && !e.failures.some((t) => t > now - WINDOW_MS))
        this.byKey.delete(key);
    for (const key of this.byKey.keys()) {
      if (this.byKey.size <= MAX_KEYS * 0.9) break;
      this.byKey.delete(key);
    }
  }

  /** Spacing between attempts from an address with this many recent failures. */
  static spacing(failures: number): number {
    return failures < PER_ADDRESS ? 0 : Math.min(MAX_SPACING_MS, (failures - PER_ADDRESS + 1) * STEP_MS);
  }

  /**
   * Whether an attempt may go ahead now, after waiting waitMs (its slot is reserved), or is refused
   * with the message to show.
   */
  attempt(username: string, address: string): LoginVerdict {
    const now = this.now();
    const name = this.entry(`u:${loginName(username)}`);
    if (name.lockedUntil > now)
      return {
        ok: false,
        message: `登录失败次数过多，请 ${Math.ceil((name.lockedUntil - now) / 60000)} 分钟后再试`,
      };
    const addr = this.entry(`a:${address}`);
    const spacing = LoginThrottle.spacing(addr.failures.length);
    if (!spacing) return { ok: true, waitMs: 0 };
    const slot = Math.max(now, addr.nextSlot);
    if (slot - now > MAX_QUEUE_MS)
      return { ok: false, message: '此网络的登录尝试过于频繁，请稍等半分钟后再试' };
    addr.nextSlot = slot + spacing;
    return { ok: true, waitMs: slot - now };
  }

  fail(username: string, address: string): void {
    const now = this.now();
    const name = this.entry(`u:${loginName(username)}`);
    name.failures.push(now);
    if (name.failures.length >= PER_NAME) name.lockedUntil = now + WINDOW_MS;
    const addr = this.entry(`a:${address}`);
    addr.failures.push(now);
    // an address's list only ever needs to tell "enough for the longest spacing"
    if (addr.failures.length > 4 * PER_ADDRESS + MAX_SPACING_MS / STEP_MS) addr.failures.shift();
    this.prune();
  }

  /** A correct login clears its name's failures; the address keeps its count (one good account must
   * not reset an intruder's). */
  succeed(username: string): void {
    this.byKey.delete(`u:${loginName(username)}`);
  }
}
