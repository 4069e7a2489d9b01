// The login throttle with a hand-driven clock: the name lock counts every spelling login accepts for a
// name, and an address with many failures is slowed down, never locked.
import { describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../src/web/middleware/login-throttle.ts';

function clock() {
  let t = 1_700_000_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('the name lock', () => {
  it('counts "inspector1 ", "inspector1\\t" and "INSPECTOR1" as inspector1', () => {
    const c = clock();
    const th = new LoginThrottle({ now: c.now });
    for (const typed of ['inspector1', 'inspector1 ', 'inspector1\t', ' INSPECTOR1', 'Inspector1\u3000'])
      th.fail(typed, '10.0.0.1');
    for (const typed of ['inspector1', 'inspector1 ', '\tinspector1\t', 'INSPECTOR1']) {
      const v = th.attempt(typed, '10.0.0.2');
      expect(v).toEqual({ ok: false, message: '登录失败次数过多，请 15 分钟后再试' });
    }
    expect(th.attempt('inspector2', '10.0.0.2')).toEqual({ ok: true, waitMs: 0 });
    c.advance(10 * 60_000);
    expect(th.attempt('inspector1 ', '10.0.0.2')).toEqual({
      ok: false,
      message: '登录失败次数过多，请 5 分钟后再试',
    });
    c.advance(5 * 60_000 + 1);
    expect(th.attempt('inspector1 ', '10.0.0.2')).toEqual({ ok: true, waitMs: 0 });
  });

  it('forgets the failures of a name that then logs in', () => {
    const th = new LoginThrottle({ now: clock().now });
    for (let i = 0; i < 4; i++) th.fail('office', '10.0.0.1');
    th.succeed('office ');
    th.fail('office', '10.0.0.1');
    expect(th.attempt('office', '10.0.0.1')).toEqual({ ok: true, waitMs: 0 });
  });
});

describe('an address with many failures', () => {
  it('is not slowed below 20 failures, then spaced by 250 ms more per failure, never locked', () => {
    const c = clock();
    const th = new LoginThrottle({ now: c.now });
    // 19 failures for four other names from one office's NAT address
    for (let i = 0; i < 19; i++) th.fail(`ghost${i % 4}`, '10.0.0.1');
    expect(th.attempt('inspector2', '10.0.0.1')).toEqual({ ok: true, waitMs: 0 });
    th.fail('ghost4', '10.0.0.1'); // the 20th: spacing (20-19)·250 = 250 ms
    expect(th.attempt('x', '10.0.0.1')).toEqual({ ok: true, waitMs: 0 });
    // a second attempt at the same moment waits for the slot after the first
    expect(th.attempt('inspector2', '10.0.0.1')).toEqual({ ok: true, waitMs: 250 });
    c.advance(250);
    for (let i = 0; i < 5; i++) th.fail(`ghost${5 + i}`, '10.0.0.1'); // 25 failures: spacing 6·250 = 1500 ms
    c.advance(1000);
    // the slot reserved last ended at +500 ms: this one goes now, the next waits 1.5 s after it
    expect(th.attempt('inspector2', '10.0.0.1')).toEqual({ ok: true, waitMs: 0 });
    expect(th.attempt('inspector2', '10.0.0.1')).toEqual({ ok: true, waitMs: 1500 });
    // another address is not affected
    expect(th.attempt('inspector2', '10.0.0.9')).toEqual({ ok: true, waitMs: 0 });
  });

  it('spaces attempts by at most 5 s and refuses only a flood queued more than 30 s ahead', () => {
    const c = clock();
    const th = new LoginThrottle({ now: c.now });
    for (let i = 0; i < 60; i++) th.fail(`ghost${i}`, '10.0.0.1');
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const v = th.attempt(`ghost${i}`, '10.0.0.1');
      if (!v.ok) {
        expect(v.message).toBe('此网络的登录尝试过于频繁，请稍等半分钟后再试');
        break;
      }
      waits.push(v.waitMs);
    }
    // seven parallel attempts get slots 0, 5, …, 30 s ahead; the eighth would be 35 s ahead
    expect(waits).toEqual([0, 5000, 10000, 15000, 20000, 25000, 30000]);
    // after the window the address is back to normal
    c.advance(15 * 60_000 + 30_001);
    expect(th.attempt('inspector2', '10.0.0.1')).toEqual({ ok: true, waitMs: 0 });
  });
});
