// As someone typing URLs by hand (or an attack run): a path segment that names a member every
// JavaScript object has — __proto__, constructor, toString … — is an unknown thing like any other,
// answered 404 with a Chinese message, never a 500. Every route of the app is walked, so a new route
// that looks a segment up in a plain object is caught here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, startApp, type TestApp } from '../helpers/app.ts';
import { isChinese, listRoutes, refusalMessage } from '../helpers/routes.ts';

const HOSTILE = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype'];

let app: TestApp;
let office: Client;
beforeAll(async () => {
  app = await startApp();
  office = new Client(app.url);
  await office.login('office');
});
afterAll(async () => {
  await app.destroy();
});

describe('import kinds named like object members', () => {
  for (const kind of HOSTILE)
    it(`/imports/${kind}/… is 404 “没有这种导入”`, async () => {
      for (const path of [
        `/imports/${kind}/template.xlsx`,
        `/imports/${kind}/export.xlsx`,
        `/rounds/1/imports/${kind}/template.xlsx`,
      ]) {
        const r = await office.get(path);
        expect(r.status, path).toBe(404);
        expect(refusalMessage(r.text), path).toBe('没有这种导入');
      }
      const form = new FormData();
      form.set('file', new Blob([new Uint8Array([0x50, 0x4b, 3, 4])]), 'x.xlsx');
      const post = await office.postMultipart(`/imports/${kind}`, form, { csrf: 'field' });
      expect(post.status).toBe(404);
      expect(refusalMessage(post.text)).toBe('没有这种导入');
    });

  it('the real kinds still answer', async () => {
    expect((await office.get('/imports/units/template.xlsx')).status).toBe(200);
  });
});

describe('every route with a parameter', () => {
  it('answers 4xx with a Chinese message when a parameter is an object member’s name', async () => {
    const routes = listRoutes(app.booted.app).filter((r) => /^(GET|POST) /.test(r) && r.includes('/:'));
    expect(routes.length).toBeGreaterThan(20);
    const failures: string[] = [];
    for (const route of routes) {
      const [method, pattern] = route.split(' ') as [string, string];
      const params = pattern.match(/:\w+/g) ?? [];
      for (const param of params)
        for (const value of HOSTILE) {
          // the other parameters get a plausible id; the one under test the member's name
          const path = pattern.replace(/:\w+/g, (p) => (p === param ? value : '1'));
          const r = method === 'GET' ? await office.get(path) : await office.post(path, {});
          if (r.status >= 500 || r.status < 400 || !isChinese(refusalMessage(r.text)))
            failures.push(`${method} ${path} → ${r.status} ${refusalMessage(r.text)}`);
        }
    }
    expect(failures).toEqual([]);
  });
});
