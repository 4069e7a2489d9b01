// 入户调查 on the tablet: an inspector assigned to a 社区's survey in the demo's open 综合测评 round records
// one answer per household (screening and questions on one form). Only the assigned inspector (403 for
// another), only while the round is open (409), exempt from the device rule, `fast` still applies; a
// refused form keeps what was typed and stores nothing; the same form posted twice stores one row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../helpers/app.ts';
import { loggedIn, scalar, startApp, type TestApp } from '../helpers/app.ts';
import { userIdOf } from '../helpers/ids.ts';
import { VALID_RESPONSE, addSurveyInterviewer } from '../../src/db/repos/surveys.ts';
import { findRoundById } from '../../src/db/repos/rounds.ts';
import { roundCommunityIds } from '../../src/services/surveys.ts';

let app: TestApp;
let as: (username: string) => Promise<Client>;
let roundId: number;
let communityId: number;
let formPath: string;

const rows = (): number =>
  scalar(
    app.booted.db,
    "SELECT count(*) FROM survey_responses WHERE community_id = ? AND round_id = ? AND channel = 'interviewer'",
    communityId,
    roundId,
  ) as number;
const formOf = (html: string): string => /name="form" value="([^"]+)"/.exec(html)![1]!;

const HOUSEHOLD = {
  S1: '61-70',
  S2: '1y-3y',
  Q1: 'know',
  Q2: 'all',
  Q3: 'lecture',
  Q4: 'fair',
  Q5: 'unsatisfied',
};

beforeAll(async () => {
  app = await startApp();
  as = loggedIn(() => app.url);
  const db = app.booted.db;
  roundId = scalar(
    db,
    "SELECT id FROM rounds WHERE status = 'open' AND questionnaire_id IS NOT NULL ORDER BY id LIMIT 1",
  ) as number;
  // a 社区 of the round nobody interviews in yet, given to inspector1 only
  const taken = new Set(
    db
      .prepare('SELECT community_id FROM survey_interviewers WHERE round_id = ?')
      .pluck()
      .all(roundId) as number[],
  );
  communityId = [...roundCommunityIds(db, findRoundById(db, roundId)!)].find((id) => !taken.has(id))!;
  addSurveyInterviewer(db, roundId, communityId, userIdOf(db, 'inspector1'));
  formPath = `/rounds/${roundId}/surveys/${communityId}/interview`;
});
afterAll(() => app.destroy());

describe('入户调查', () => {
  it('lists the inspector’s 社区 with valid answers against the target', async () => {
    const inspector = await as('inspector1');
    const page = await inspector.get('/interviews');
    expect(page.status).toBe(200);
    expect(page.text).toContain(`href="${formPath}"`);
    // the demo's answers so far in that 社区, against its target (the office's, else the questionnaire's 50)
    const db = app.booted.db;
    const valid = scalar(
      db,
      `SELECT count(*) FROM survey_responses WHERE round_id = ? AND community_id = ? AND ${VALID_RESPONSE}`,
      roundId,
      communityId,
    );
    const target =
      scalar(
        db,
        'SELECT target FROM survey_targets WHERE round_id = ? AND community_id = ?',
        roundId,
        communityId,
      ) ?? 50;
    const name = scalar(db, 'SELECT name FROM communities WHERE id = ?', communityId) as string;
    expect(page.text).toMatch(new RegExp(`<td>${name}</td>\\s*<td>${valid} / ${target}`));
    expect((await inspector.get('/')).text).toContain('href="/interviews"');
    const other = await (await as('inspector2')).get('/interviews');
    expect(other.status).toBe(200);
    expect(other.text).not.toContain(`href="${formPath}"`);
  });

  it('records households one after another, fast ones flagged, and says how many', async () => {
    const inspector = await as('inspector1');
    const n = rows();
    const recorded = scalar(
      app.booted.db,
      "SELECT count(*) FROM survey_responses WHERE community_id = ? AND round_id = ? AND channel = 'interviewer' AND screened_out = 0",
      communityId,
      roundId,
    ) as number;
    for (const k of [recorded + 1, recorded + 2]) {
      const page = await inspector.get(formPath);
      expect(page.status).toBe(200);
      expect(page.text).toContain('请问您的年龄是？');
      const r = await inspector.post(formPath, { form: formOf(page.text), ...HOUSEHOLD });
      expect(r.status).toBe(303);
      expect((await inspector.get(r.location!)).text).toContain(`已记录本社区第 ${k} 份入户答卷`);
    }
    expect(rows()).toBe(n + 2);
    const last = app.booted.db
      .prepare('SELECT channel, user_id, device_id, flags FROM survey_responses ORDER BY id DESC LIMIT 1')
      .get() as { channel: string; user_id: number; device_id: string | null; flags: string };
    expect(last).toEqual({
      channel: 'interviewer',
      user_id: userIdOf(app.booted.db, 'inspector1'),
      device_id: null,
      flags: 'fast',
    });
  });

  it('records a household that fails the screening as not counted', async () => {
    const inspector = await as('inspector1');
    const screened = () =>
      scalar(
        app.booted.db,
        'SELECT count(*) FROM survey_responses WHERE community_id = ? AND round_id = ? AND screened_out = 1',
        communityId,
        roundId,
      ) as number;
    const before = screened();
    const page = await inspector.get(formPath);
    const r = await inspector.post(formPath, { form: formOf(page.text), S1: 'over70', S2: 'gt3y' });
    expect(r.status).toBe(303);
    expect((await inspector.get(r.location!)).text).toContain('不符合调查条件，未计入');
    expect(screened()).toBe(before + 1);
  });

  it('shows a refused form again with what was typed, stores nothing; one row for a form posted twice', async () => {
    const inspector = await as('inspector1');
    const n = rows();
    const page = await inspector.get(formPath);
    const form = formOf(page.text);
    const refused = await inspector.post(formPath, {
      form,
      ...HOUSEHOLD,
      Q4: 'great',
      Q6: '字'.repeat(10_000),
    });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('所选的选项不在本题的选项中');
    expect(refused.text).toContain('内容太长：最多 500 个字');
    expect(refused.text).toMatch(/value="unsatisfied" checked/);
    expect(rows()).toBe(n);
    expect((await inspector.post(formPath, { form, ...HOUSEHOLD })).status).toBe(303);
    const again = await inspector.post(formPath, { form, ...HOUSEHOLD });
    expect(again.status).toBe(409);
    expect(again.text).toContain('这份答卷已经提交过');
    expect(rows()).toBe(n + 1);
  });

  it('refuses another inspector (403) and a forged form token (403)', async () => {
    const n = rows();
    const other = await as('inspector2');
    const page = await other.get(formPath);
    expect(page.status).toBe(403);
    expect(page.text).toContain('您没有被分配该社区的入户调查');
    const mine = await (await as('inspector1')).get(formPath);
    expect((await other.post(formPath, { form: formOf(mine.text), ...HOUSEHOLD })).status).toBe(403);
    const forged = await (await as('inspector1')).post(formPath, { form: 'e30.bad', ...HOUSEHOLD });
    expect(forged.status).toBe(403);
    expect(forged.text).toContain('页面已过期或答卷无效，请重新打开入户答卷页面');
    expect(rows()).toBe(n);
  });

  it('refuses answers once the round is closed (409)', async () => {
    const inspector = await as('inspector1');
    const page = await inspector.get(formPath);
    app.booted.db.prepare("UPDATE rounds SET status = 'closed' WHERE id = ?").run(roundId);
    const n = rows();
    const r = await inspector.post(formPath, { form: formOf(page.text), ...HOUSEHOLD });
    expect(r.status).toBe(409);
    expect(r.text).toContain('该轮次不在进行中');
    expect(rows()).toBe(n);
    expect((await inspector.get(formPath)).status).toBe(409);
  });
});
