// Tablets' saves and submits share a commit when they arrive together (group commit, #22): as inspector1
// saving six sheets at once, each is saved with its own revision; the same batch sent twice at once is
// written once and both get the same answer; a batch refused, or a sheet that is not hers, is refused
// alone while the others of the moment are kept; a sheet saved whole and then submitted is submitted
// with what was saved, and a save queued after the submit is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { Client, startApp, type TestApp, scalar } from '../helpers/app.ts';
import { roundWithStatus, untouchedSites } from '../helpers/ids.ts';

let app: TestApp;
let roundId: number;
let c: Client;
beforeAll(async () => {
  app = await startApp();
  roundId = roundWithStatus(app.booted.db, 'open');
  c = new Client(app.url);
  await c.login('inspector1');
});
afterAll(async () => {
  await app.destroy();
});

const db = () => app.booted.db;
const sites = () => untouchedSites(db(), roundId, 'inspector1');
const standardsFor = (siteType: string) =>
  app.booted.criteria.getByCode('district-2026').criteria.forSiteType(siteType);
const revisionOf = (siteId: number) =>
  scalar(db(), 'SELECT revision FROM inspections WHERE round_id = ? AND site_id = ?', roundId, siteId);
const answersOf = (siteId: number) =>
  db()
    .prepare(
      `SELECT a.standard_code, a.result, a.cases, a.revision FROM answers a
       JOIN inspections i ON i.id = a.inspection_id WHERE i.round_id = ? AND i.site_id = ? ORDER BY 1`,
    )
    .raw()
    .all(roundId, siteId) as [string, string, number, number][];
const save = (client: Client, siteId: number, body: unknown) =>
  client.postJson(`/api/rounds/${roundId}/sites/${siteId}/changes`, body);

describe('saves of the same moment', () => {
  it('are each saved with their own revision; a batch sent twice at once is written once', async () => {
    const six = sites().slice(0, 6);
    const batches = six.map((s) => ({
      batchId: randomUUID(),
      baseRevision: 0,
      changes: standardsFor(s.site_type)
        .slice(0, 2)
        .map((std) => ({ standard: std.code, result: 'fail', cases: 1, fixedCases: 0, note: '' })),
    }));
    const replies = await Promise.all([
      ...six.map((s, i) => save(c, s.id, batches[i])),
      save(c, six[0]!.id, batches[0]),
    ]);
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200, 200]);
    const answers = replies.map((r) => JSON.parse(r.text) as { revision: number; saved: string[] });
    for (const [i, s] of six.entries()) {
      expect(answers[i]!.revision).toBe(1);
      expect(answers[i]!.saved).toEqual(batches[i]!.changes.map((ch) => ch.standard));
      expect(revisionOf(s.id)).toBe(1);
      expect(answersOf(s.id)).toEqual(batches[i]!.changes.map((ch) => [ch.standard, 'fail', 1, 1]));
    }
    // the duplicate got the first answer and changed nothing
    expect(JSON.parse(replies[6]!.text)).toEqual(JSON.parse(replies[0]!.text));
    expect(scalar(db(), 'SELECT count(*) FROM idempotency_keys WHERE key = ?', batches[0]!.batchId)).toBe(1);
  });

  it('refuse a bad batch and a sheet that is not hers alone, keeping the others', async () => {
    const [mine, other] = sites();
    const notHers = untouchedSites(db(), roundId, 'inspector2')[0]!;
    const code = standardsFor(mine!.site_type)[0]!.code;
    const [good, bad, foreign, alsoGood] = await Promise.all([
      save(c, mine!.id, {
        batchId: randomUUID(),
        baseRevision: 0,
        changes: [{ standard: code, result: 'ok', cases: 0, fixedCases: 0, note: '' }],
      }),
      save(c, other!.id, {
        batchId: randomUUID(),
        baseRevision: 0,
        changes: [{ standard: 'NO-SUCH-CODE', result: 'ok', cases: 0, fixedCases: 0, note: '' }],
      }),
      save(c, notHers.id, {
        batchId: randomUUID(),
        baseRevision: 0,
        changes: [
          { standard: standardsFor(notHers.site_type)[0]!.code, result: 'ok', cases: 0, fixedCases: 0 },
        ],
      }),
      save(c, other!.id, {
        batchId: randomUUID(),
        baseRevision: 0,
        changes: [
          { standard: standardsFor(other!.site_type)[0]!.code, result: 'na', cases: 0, fixedCases: 0 },
        ],
      }),
    ]);
    expect(good.status).toBe(200);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).error).toContain('不适用于该点位类型');
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.text).error).toBe('该点位未分配给您');
    expect(alsoGood.status).toBe(200);
    expect(answersOf(mine!.id)).toEqual([[code, 'ok', 0, 1]]);
    expect(answersOf(other!.id)).toEqual([[standardsFor(other!.site_type)[0]!.code, 'na', 0, 1]]);
    expect(answersOf(notHers.id)).toEqual([]);
  });

  it('submit what was saved, and refuse a save queued after the submit', async () => {
    const site = sites()[0]!;
    const api = `/api/rounds/${roundId}/sites/${site.id}`;
    const all = standardsFor(site.site_type).map((s) => ({
      standard: s.code,
      result: 'ok',
      cases: 0,
      fixedCases: 0,
      note: '',
    }));
    const saved = await save(c, site.id, { batchId: randomUUID(), baseRevision: 0, changes: all });
    expect(saved.status).toBe(200);
    const submitId = randomUUID();
    const [submit, again] = await Promise.all([
      c.postJson(`${api}/submit`, { submitId, baseRevision: 1 }),
      c.postJson(`${api}/submit`, { submitId, baseRevision: 1 }),
    ]);
    expect(submit.status).toBe(200);
    expect(JSON.parse(submit.text)).toEqual({ status: 'submitted', revision: 2 });
    expect(again.text).toBe(submit.text);
    expect(
      scalar(db(), 'SELECT status FROM inspections WHERE round_id = ? AND site_id = ?', roundId, site.id),
    ).toBe('submitted');
    const late = await save(c, site.id, {
      batchId: randomUUID(),
      baseRevision: 2,
      changes: [{ ...all[0]!, result: 'na' }],
    });
    expect(late.status).toBe(409);
    expect(JSON.parse(late.text).error).toBe('该点位测评表已提交，不能再修改；如需修改请联系创城办退回');
    expect(answersOf(site.id).every((a) => a[1] === 'ok')).toBe(true);
  });
});
