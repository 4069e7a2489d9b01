// res.locals.csrfToken (lazyCsrfToken, src/web/middleware/csrf.ts): made once, only when read, overridable,
// copied by a spread (what rendering a page does) without the request it is made from; and the same
// getter for every response, so no function is made per request (a per-request getter kept each
// request's objects alive until V8's next full collection).
import { describe, expect, it } from 'vitest';
import type { Request } from 'express';
import { lazyCsrfToken } from '../../src/web/middleware/csrf.ts';

function setup() {
  const made: Request[] = [];
  const csrf = lazyCsrfToken((req) => {
    made.push(req);
    return `token-${made.length}`;
  });
  return { csrf, made };
}
const fakeRequest = (name: string) => ({ name }) as unknown as Request;

describe('lazyCsrfToken', () => {
  it('makes the token from the response’s own request, once, on the first read', () => {
    const { csrf, made } = setup();
    const a: Record<string, unknown> = Object.create(null);
    const b: Record<string, unknown> = Object.create(null);
    const reqA = fakeRequest('a');
    const reqB = fakeRequest('b');
    csrf.offer(a, reqA);
    csrf.offer(b, reqB);
    expect(made).toEqual([]);
    expect(b.csrfToken).toBe('token-1');
    expect(b.csrfToken).toBe('token-1');
    expect(a.csrfToken).toBe('token-2');
    expect(made).toEqual([reqB, reqA]);
  });

  it('is never made when nobody reads it, and a value set wins', () => {
    const { csrf, made } = setup();
    const locals: Record<string, unknown> = Object.create(null);
    csrf.offer(locals, fakeRequest('x'));
    locals.csrfToken = 'from-the-form';
    expect(locals.csrfToken).toBe('from-the-form');
    expect(made).toEqual([]);
  });

  it('is copied by a spread as a plain value, without the request or the kept token', () => {
    const { csrf } = setup();
    const locals: Record<string, unknown> = Object.create(null);
    csrf.offer(locals, fakeRequest('x'));
    locals.user = '张三';
    const copied = { ...locals };
    expect(copied).toEqual({ csrfToken: 'token-1', user: '张三' });
    expect(Object.getOwnPropertySymbols(copied)).toEqual([]);
    expect(Object.getOwnPropertyDescriptor(copied, 'csrfToken')).toMatchObject({ value: 'token-1' });
  });

  it('uses the same getter and setter for every response', () => {
    const { csrf } = setup();
    const a: Record<string, unknown> = Object.create(null);
    const b: Record<string, unknown> = Object.create(null);
    csrf.offer(a, fakeRequest('a'));
    csrf.offer(b, fakeRequest('b'));
    const da = Object.getOwnPropertyDescriptor(a, 'csrfToken')!;
    const db = Object.getOwnPropertyDescriptor(b, 'csrfToken')!;
    expect(da.get).toBe(db.get);
    expect(da.set).toBe(db.set);
    expect(da.enumerable).toBe(true);
  });
});
