// The office's survey pages of a round: a 问卷调查 round made through the new-round form (and refused for a
// version without a questionnaire), its 社区 with links, targets and answers as the office reads them,
// targets all or none, interviewers, posters (one per 社区, the printed URL with and without
// PUBLIC_BASE_URL), the answers list and one answer, clearing and voiding with their audit rows, and
// every refusal: 403 for a unit or an inspector, 404, 409, and nothing stored after any of them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import QRCode from 'qrcode';
import { Client, loggedIn, scalar, startApp, type Reply, type TestApp } from '../helpers/app.ts';
import { communityIdOf, roundWithStatus, versionIdOf } from '../helpers/ids.ts';
import { dbFingerprint } from '../helpers/routes.ts';
import { insertSurveyResponse, surveyLinkToken, type SurveyFlag } from '../../src/db/repos/surveys.ts';
import { SYSTEM } from '../../src/services/access.ts';
import { openRound } from '../../src/services/rounds.ts';
import { addDays, shanghaiDate } from '../../src/util/time.ts';

let app: TestApp;
let office: Client;
const as = loggedIn(() => app.url);
const db = () => app.booted.db;
const count = (sql: string, ...args: unknown[]) => scalar(db(), sql, ...args) as number;

let roundId = 0;
let A = 0; // 幸福社区: answers of every kind
let B = 0; // 和平社区: one valid answer
let communities = 0;
let qid = 0;
const ids: Record<string, number> = {};

/** The new-round form as a browser sends it, 问卷调查 the one method ticked. */
async function createSurveyRound(
  name: string,
  version: string,
  via: { app: TestApp; client: Client } = { app, client: office },
): Promise<Reply> {
  await via.client.get('/rounds/new');
  return via.client.post('/rounds', {
    name,
    startsOn: shanghaiDate(),
    endsOn: addDays(shanghaiDate(), 6),
    criteriaVersionId: String(versionIdOf(via.app.booted.db, version)),
    mode: 'all',
    methodsShown: '1',
    methods: 'survey',
  });
}

const FULL = {
  S1: '18-40',
  S2: 'gt3y',
  Q1: 'know',
  Q2: 'some',
  Q3: ['volunteer', 'cleanup'],
  Q4: 'fair',
  Q5: 'satisfied',
};

function answer(
  communityId: number,
  o: {
    channel?: 'public' | 'interviewer';
    flags?: SurveyFlag[];
    screened?: boolean;
    answers?: Record<string, unknown>;
  } = {},
) {
  const channel = o.channel ?? 'public';
  return insertSurveyResponse(db(), {
    roundId,
    communityId,
    questionnaireId: qid,
    channel,
    deviceId: channel === 'public' ? `dev-${Math.random()}` : null,
    userId: channel === 'interviewer' ? count("SELECT id FROM users WHERE username = 'inspector1'") : null,
    startedAt: '2026-12-01T02:00:00.000Z',
    submittedAt: '2026-12-01T02:03:00.000Z',
    seconds: o.flags?.includes('fast') ? 12 : 180,
    screenedOut: o.screened ?? false,
    answers: o.screened ? {} : (o.answers ?? FULL),
    fingerprint: 'f',
    flags: o.flags ?? [],
    addrHash: null,
  })!;
}

/** The 社区's row on the survey page. */
const rowOf = (page: string, id: number) => {
  const m = new RegExp(`<tr id="c${id}">([\\s\\S]*?)</tr>`).exec(page);
  if (!m) throw new Error(`no row for 社区 ${id}`);
  return m[1]!.replace(/\s+/g, ' ');
};
const audits = (action: string) => count('SELECT count(*) FROM audit_log WHERE action = ?', action);

beforeAll(async () => {
  app = await startApp();
  office = new Client(app.url);
  await office.login('office');
  A = communityIdOf(db(), '幸福社区');
  B = communityIdOf(db(), '和平社区');
});
afterAll(async () => {
  await app.destroy();
});

describe('a 问卷调查 round from the new-round form', () => {
  it('offers 问卷调查 beside 实地考察 and 材料审核, naming the versions with a questionnaire', async () => {
    const page = await office.get('/rounds/new');
    expect(page.text).toMatch(/<input type="checkbox" name="methods" value="survey" >/);
    expect(page.text).toContain('仅适用于有调查问卷的测评体系版本：');
  });

  it('refuses 问卷调查 on district-2026 (no questionnaire) by the field, nothing stored', async () => {
    const before = dbFingerprint(db());
    const r = await createSurveyRound('不该创建的问卷轮次', 'district-2026');
    expect(r.status).toBe(400);
    expect(r.text).toMatch(
      /id="methods-error">所选测评体系版本没有问卷调查标准|id="methods-error">所选测评体系版本还没有调查问卷/,
    );
    expect(r.text).toMatch(/value="survey" checked/);
    expect(dbFingerprint(db())).toEqual(before);
  });

  it('creates a survey-only round on district-2026-2; its draft page says which questionnaire it will freeze', async () => {
    const r = await createSurveyRound('问卷调查测试轮', 'district-2026-2');
    expect(r.status).toBe(303);
    roundId = Number(/\/rounds\/(\d+)$/.exec(r.location ?? '')?.[1]);
    expect(count('SELECT methods FROM rounds WHERE id = ?', roundId)).toBe('survey');
    const round = await office.get(`/rounds/${roundId}`);
    expect(round.text).toContain(
      '本轮开启时冻结调查问卷《清河区文明城市创建群众满意度调查问卷（居民）（第 1 版）》',
    );
    const page = await office.get(`/rounds/${roundId}/surveys`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(
      '调查问卷在轮次开启时冻结，届时将采用《清河区文明城市创建群众满意度调查问卷（居民）（第 1 版）》',
    );
    communities = count(
      'SELECT count(*) FROM communities c JOIN streets s ON s.id = c.street_id WHERE c.retired_at IS NULL AND s.retired_at IS NULL',
    );
    expect(page.text).toContain(`${communities} 个，其中 ${communities} 个未达样本目标`);
    openRound(db(), SYSTEM, roundId);
    qid = count('SELECT questionnaire_id FROM rounds WHERE id = ?', roundId);
    expect(qid).toBeGreaterThan(0);
  });
});

describe('the survey page as the office reads it', () => {
  beforeAll(() => {
    for (let i = 0; i < 3; i++) ids[`a${i}`] = answer(A);
    ids.interviewer = answer(A, { channel: 'interviewer' });
    ids.fast = answer(A, { flags: ['fast'] });
    ids.screened = answer(A, { screened: true });
    ids.b = answer(B, { answers: { ...FULL, Q3: ['nothing'], Q4: 'unsatisfied' } });
  });

  it('shows each 社区 with its link, target, valid answers, flagged, voided and screened out', async () => {
    const page = await office.get(`/rounds/${roundId}/surveys`);
    const a = rowOf(page.text, A);
    expect(a).toContain(`${app.url}/s/${surveyLinkToken(db(), A)}`);
    expect(a).toContain('value="50"');
    expect(a).toMatch(/<b>4<\/b> \/ 50 <span class="badge red-badge">未达标<\/span>/);
    // 待核实 1 (linked to the list), 已作废 0, 甄别未通过 1
    expect(a).toMatch(/state=flagged">1<\/a><\/td> <td class="num">0<\/td> <td class="num">1<\/td>/);
    expect(rowOf(page.text, B)).toMatch(/<b>1<\/b> \/ 50/);
    expect(page.text).toContain(`<dd>5 份 / 目标 ${communities * 50} 份</dd>`);
    expect(page.text).toContain('<dt>待核实</dt><dd>1 份</dd>');
  });

  it("puts a 待核实问卷 tile on the office's home, opening the flagged answers of the round", async () => {
    const home = (await office.get('/')).text;
    expect(home).toContain(
      `<a href="/rounds/${roundId}/surveys/answers?state=flagged"><span class="value">1</span><span class="label">待核实问卷</span><small class="muted">问卷调查测试轮</small>`,
    );
  });

  it('refuses a unit and an inspector (403), an unknown round (404), a round without 问卷调查 (409)', async () => {
    for (const who of ['chengguan', 'inspector1']) {
      const c = await as(who);
      const r = await c.get(`/rounds/${roundId}/surveys`);
      expect(r.status).toBe(403);
      expect(r.text).toContain('只有创城办可以管理问卷调查');
      expect((await c.get(`/rounds/${roundId}/surveys/answers`)).status).toBe(403);
      expect((await c.get(`/rounds/${roundId}/surveys/posters`)).status).toBe(403);
    }
    expect((await office.get('/rounds/99999/surveys')).status).toBe(404);
    const field = await office.get(`/rounds/${roundWithStatus(db(), 'published')}/surveys`);
    expect(field.status).toBe(409);
    expect(field.text).toContain('该轮次不包含问卷调查');
  });
});

describe('targets', () => {
  it('refuses them all when one is bad, with the message by its field, nothing changed', async () => {
    await office.get(`/rounds/${roundId}/surveys`);
    const before = dbFingerprint(db());
    for (const bad of ['abc', '0', '10001', '2.5', '']) {
      const r = await office.post(`/rounds/${roundId}/surveys/targets`, { [`t${A}`]: '4', [`t${B}`]: bad });
      expect(r.status).toBe(400);
      expect(r.text).toContain('有 1 个样本目标填写有误，均未保存');
      expect(rowOf(r.text, B)).toContain('样本目标应为1到10000之间的整数');
      // what was typed is shown again
      expect(rowOf(r.text, A)).toContain('value="4"');
    }
    const foreign = await office.post(`/rounds/${roundId}/surveys/targets`, { t999999: '5' });
    expect(foreign.status).toBe(400);
    expect(dbFingerprint(db())).toEqual(before);
  });

  it("sets one 社区's target (audited); the 社区 reaching it is no longer behind", async () => {
    const audited = audits('survey.target');
    const r = await office.post(`/rounds/${roundId}/surveys/targets`, { [`t${A}`]: '4', [`t${B}`]: '50' });
    expect(r.status).toBe(303);
    expect(
      count('SELECT target FROM survey_targets WHERE round_id = ? AND community_id = ?', roundId, A),
    ).toBe(4);
    expect(count('SELECT count(*) FROM survey_targets WHERE round_id = ?', roundId)).toBe(1);
    expect(audits('survey.target')).toBe(audited + 1);
    const page = await office.get(`/rounds/${roundId}/surveys`);
    expect(page.text).toContain('已修改 1 个社区的样本目标');
    expect(rowOf(page.text, A)).toMatch(/<b>4<\/b> \/ 4<\/td>/);
    expect(page.text).toContain(`${communities} 个，其中 ${communities - 1} 个未达样本目标`);
  });

  it('sets every 社区 at once', async () => {
    const r = await office.post(`/rounds/${roundId}/surveys/targets`, { all: '20' });
    expect(r.status).toBe(303);
    expect(count('SELECT count(*) FROM survey_targets WHERE round_id = ? AND target = 20', roundId)).toBe(
      communities,
    );
    const page = await office.get(`/rounds/${roundId}/surveys`);
    expect(page.text).toContain(`<dd>5 份 / 目标 ${communities * 20} 份</dd>`);
  });
});

describe('interviewers', () => {
  const inspector = () => count("SELECT id FROM users WHERE username = 'inspector2'");

  it('assigns an inspector (audited), refuses a second time (409) and a unit account (400), removes (audited)', async () => {
    await office.get(`/rounds/${roundId}/surveys`);
    const added = audits('survey.interviewer_add');
    const removed = audits('survey.interviewer_remove');
    const add = await office.post(`/rounds/${roundId}/surveys/${A}/interviewers`, {
      userId: String(inspector()),
    });
    expect(add.status).toBe(303);
    expect(
      count('SELECT count(*) FROM survey_interviewers WHERE round_id = ? AND community_id = ?', roundId, A),
    ).toBe(1);
    expect(audits('survey.interviewer_add')).toBe(added + 1);
    const page = await office.get(`/rounds/${roundId}/surveys`);
    expect(rowOf(page.text, A)).toContain(`/surveys/${A}/interviewers/${inspector()}/remove`);

    const before = dbFingerprint(db());
    const again = await office.post(`/rounds/${roundId}/surveys/${A}/interviewers`, {
      userId: String(inspector()),
    });
    expect(again.status).toBe(409);
    expect(again.text).toContain('已是该社区的入户调查员');
    const unit = count("SELECT id FROM users WHERE username = 'chengguan'");
    const wrong = await office.post(`/rounds/${roundId}/surveys/${A}/interviewers`, { userId: String(unit) });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('只能分配在用的测评员账号');
    expect((await office.post(`/rounds/${roundId}/surveys/${A}/interviewers`, { userId: 'x' })).status).toBe(
      400,
    );
    expect(
      (await office.post(`/rounds/${roundId}/surveys/999999/interviewers`, { userId: String(inspector()) }))
        .status,
    ).toBe(404);
    const stranger = await as('inspector1');
    await stranger.get('/');
    expect(
      (await stranger.post(`/rounds/${roundId}/surveys/${A}/interviewers`, { userId: String(inspector()) }))
        .status,
    ).toBe(403);
    expect(dbFingerprint(db())).toEqual(before);

    const remove = await office.post(`/rounds/${roundId}/surveys/${A}/interviewers/${inspector()}/remove`);
    expect(remove.status).toBe(303);
    expect(count('SELECT count(*) FROM survey_interviewers WHERE round_id = ?', roundId)).toBe(0);
    expect(audits('survey.interviewer_remove')).toBe(removed + 1);
    expect(
      (await office.post(`/rounds/${roundId}/surveys/${A}/interviewers/${inspector()}/remove`)).status,
    ).toBe(404);
  });
});

describe('posters', () => {
  const posters = (html: string) => html.split('<section class="poster">').slice(1);

  it("prints one A4 poster per 社区 with its QR code and the link under it (the request's address)", async () => {
    const all = await office.get(`/rounds/${roundId}/surveys/posters`);
    expect(all.status).toBe(200);
    expect(all.text).toContain('href="/static/css/poster.css"');
    expect(posters(all.text)).toHaveLength(communities);
    const one = await office.get(`/rounds/${roundId}/surveys/posters?community=${A}`);
    const [poster] = posters(one.text);
    expect(posters(one.text)).toHaveLength(1);
    const url = `${app.url}/s/${surveyLinkToken(db(), A)}`;
    expect(poster).toContain('<h1 class="poster-community">幸福社区</h1>');
    expect(poster).toContain('为了解您对本社区市场秩序、食品安全和交通秩序的感受');
    expect(poster).toContain(`<p class="poster-url">${url}</p>`);
    // the code is the one the qrcode package makes for that URL, drawn with paths
    const svg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
    expect(poster).toContain(svg);
    expect(svg).toMatch(/<path [^>]*d="M/);
    expect((await office.get(`/rounds/${roundId}/surveys/posters?community=999999`)).status).toBe(404);
    expect((await office.get(`/rounds/${roundId}/surveys/posters?community=abc`)).status).toBe(404);
  });

  it('prints PUBLIC_BASE_URL when it is set', async () => {
    const other = await startApp({ env: { PUBLIC_BASE_URL: 'https://cc.example.gov.cn/' } });
    try {
      const c = new Client(other.url);
      await c.login('office');
      const made = await createSurveyRound('另一个问卷轮次', 'district-2026-2', { app: other, client: c });
      const id = Number(/\/rounds\/(\d+)$/.exec(made.location ?? '')?.[1]);
      const round = await c.get(`/rounds/${id}/surveys/posters`);
      expect(round.status).toBe(200);
      const token = surveyLinkToken(other.booted.db, communityIdOf(other.booted.db, '幸福社区'));
      expect(round.text).toContain(`<p class="poster-url">https://cc.example.gov.cn/s/${token}</p>`);
    } finally {
      await other.destroy();
    }
  });
});

describe('answers', () => {
  const list = (q = '') => office.get(`/rounds/${roundId}/surveys/answers${q}`);
  const listed = (page: string) => [...page.matchAll(/<tr data-state="(\w+)">/g)].map((m) => m[1]);

  it("lists the round's answers, filtered by 社区, state and channel; a filter not offered is a 400", async () => {
    const all = await list();
    expect(all.status).toBe(200);
    expect(all.text).toContain('<b class="answer-total">7</b>');
    expect(listed((await list(`?community=${A}`)).text)).toHaveLength(6);
    expect(listed((await list('?state=flagged')).text)).toEqual(['flagged']);
    expect(listed((await list('?state=screened')).text)).toEqual(['screened']);
    expect(listed((await list('?state=valid')).text)).toHaveLength(5);
    const interviewers = await list('?channel=interviewer');
    expect(listed(interviewers.text)).toHaveLength(1);
    expect(interviewers.text).toContain('入户调查（');
    expect((await list('?state=nonsense')).status).toBe(400);
    expect((await list('?channel=x')).status).toBe(400);
    expect((await list('?community=999999')).status).toBe(400);
    expect((await list('?page=0')).status).toBe(400);
  });

  it('shows one answer: each question with the options chosen, in words', async () => {
    const page = await office.get(`/rounds/${roundId}/surveys/answers/${ids.b}`);
    expect(page.status).toBe(200);
    const text = page.text.replace(/\s+/g, ' ');
    expect(text).toContain('<td>您是否知道清河区正在创建全国文明城市？</td> <td>知道</td>');
    expect(text).toContain(
      '<td>过去一年，您参加过以下哪些文明创建活动？（可多选）</td> <td>都没有参加过</td>',
    );
    expect(text).toContain(
      '<td>您对您所在区域农贸市场、商店的经营秩序和食品安全状况是否满意？</td> <td>不满意</td>',
    );
    expect(text).toContain(
      '<td>您对文明城市创建工作还有什么意见和建议？</td> <td><span class="muted">未作答</span></td>',
    );
    expect(text).toContain('<dd>和平社区</dd>');
    expect(text).toContain('<dd>扫码自答</dd>');
    const a = (await office.get(`/rounds/${roundId}/surveys/answers/${ids.a0}`)).text.replace(/\s+/g, ' ');
    expect(a).toContain('<td>志愿服务；环境卫生整治</td>');
    expect((await office.get(`/rounds/${roundId}/surveys/answers/999999`)).status).toBe(404);
    const other = roundWithStatus(db(), 'published');
    expect((await office.get(`/rounds/${other}/surveys/answers/${ids.b}`)).status).toBe(409);
  });

  it('clears a flagged answer (audited): it then counts; clearing anything else is a 409', async () => {
    await office.get(`/rounds/${roundId}/surveys/answers/${ids.fast}`);
    const before = dbFingerprint(db());
    const valid = await office.post(`/rounds/${roundId}/surveys/answers/${ids.a0}/clear`);
    expect(valid.status).toBe(409);
    expect(valid.text).toContain('只有待核实的答案可以核实有效');
    const unit = await as('chengguan');
    await unit.get('/');
    expect((await unit.post(`/rounds/${roundId}/surveys/answers/${ids.fast}/clear`)).status).toBe(403);
    expect(dbFingerprint(db())).toEqual(before);

    const r = await office.post(`/rounds/${roundId}/surveys/answers/${ids.fast}/clear`);
    expect(r.status).toBe(303);
    const page = (await office.get(`/rounds/${roundId}/surveys/answers/${ids.fast}`)).text;
    expect(page).toContain('已核实有效');
    expect(page).toContain('<dt>待核实原因</dt><dd>答题用时过短</dd>');
    expect(page).toMatch(/<dt>核实有效<\/dt><dd>王主任 · /);
    const entry = db()
      .prepare(
        "SELECT entity_id, detail FROM audit_log WHERE action = 'survey.clear' ORDER BY id DESC LIMIT 1",
      )
      .get() as { entity_id: number; detail: string };
    expect(entry.entity_id).toBe(ids.fast);
    expect((await office.post(`/rounds/${roundId}/surveys/answers/${ids.fast}/clear`)).status).toBe(409);
    const survey = await office.get(`/rounds/${roundId}/surveys`);
    expect(rowOf(survey.text, A)).toMatch(/<b>5<\/b> \/ 20/);
  });

  it('voids an answer only with a reason of at most 200 characters (audited with it); a second void is a 409', async () => {
    await office.get(`/rounds/${roundId}/surveys/answers/${ids.a1}`);
    const before = dbFingerprint(db());
    const empty = await office.post(`/rounds/${roundId}/surveys/answers/${ids.a1}/void`, { reason: '   ' });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('<span class="field-error" id="reason-error">请填写作废原因</span>');
    const long = await office.post(`/rounds/${roundId}/surveys/answers/${ids.a1}/void`, {
      reason: '长'.repeat(201),
    });
    expect(long.status).toBe(400);
    expect(long.text).toContain('作废原因不能超过200个字');
    expect(long.text).toContain(`value="${'长'.repeat(201)}"`);
    expect(dbFingerprint(db())).toEqual(before);

    const r = await office.post(`/rounds/${roundId}/surveys/answers/${ids.a1}/void`, {
      reason: '同一人重复填写',
    });
    expect(r.status).toBe(303);
    const page = (await office.get(`/rounds/${roundId}/surveys/answers/${ids.a1}`)).text;
    expect(page).toContain('<span class="badge answer-voided">已作废</span>');
    expect(page).toContain('原因：同一人重复填写');
    expect(page).not.toContain('/void"');
    const entry = db()
      .prepare(
        "SELECT entity_id, detail FROM audit_log WHERE action = 'survey.void' ORDER BY id DESC LIMIT 1",
      )
      .get() as { entity_id: number; detail: string };
    expect(entry.entity_id).toBe(ids.a1);
    expect(JSON.parse(entry.detail).reason).toBe('同一人重复填写');
    const again = await office.post(`/rounds/${roundId}/surveys/answers/${ids.a1}/void`, {
      reason: '再作废一次',
    });
    expect(again.status).toBe(409);
    expect(again.text).toContain('该答案已作废');
    expect(count('SELECT void_reason FROM survey_responses WHERE id = ?', ids.a1)).toBe('同一人重复填写');

    const survey = await office.get(`/rounds/${roundId}/surveys`);
    // 5 valid before, one voided: 4; 已作废 1
    expect(rowOf(survey.text, A)).toMatch(/<b>4<\/b> \/ 20/);
    expect(rowOf(survey.text, A)).toMatch(
      /<td class="num">0<\/td> <td class="num">1<\/td> <td class="num">1<\/td>/,
    );
    expect((await list('?state=voided')).text).toContain(`>#${ids.a1}<`);
    expect((await list('?state=cleared')).text).toContain(`>#${ids.fast}<`);
  });

  it("shows the round page's 问卷调查 panel with the same numbers", async () => {
    const page = (await office.get(`/rounds/${roundId}`)).text.replace(/\s+/g, ' ');
    expect(page).toContain('<h2 id="survey-panel-title">问卷调查</h2>');
    // 社区, valid answers (A 4 + B 1), 社区 below their target (all: 20 each), flagged (none left)
    expect(page).toContain(
      `<td class="num">${communities}</td><td class="num">5</td><td class="num">${communities}</td> <td class="num">0</td>`,
    );
    expect(page).toContain(`href="/rounds/${roundId}/surveys/results"`);
  });
});

describe('once the round has moved on', () => {
  it('refuses targets and interviewers after it closed, and clear or void after publishing (409, nothing changed)', async () => {
    db().prepare("UPDATE rounds SET status = 'closed' WHERE id = ?").run(roundId);
    await office.get(`/rounds/${roundId}/surveys`);
    let before = dbFingerprint(db());
    const targets = await office.post(`/rounds/${roundId}/surveys/targets`, { [`t${A}`]: '9' });
    expect(targets.status).toBe(409);
    expect(targets.text).toContain('轮次已结束，不能再修改样本目标');
    const inspector = count("SELECT id FROM users WHERE username = 'inspector2'");
    const add = await office.post(`/rounds/${roundId}/surveys/${A}/interviewers`, {
      userId: String(inspector),
    });
    expect(add.status).toBe(409);
    expect(dbFingerprint(db())).toEqual(before);

    db().prepare("UPDATE rounds SET status = 'published' WHERE id = ?").run(roundId);
    before = dbFingerprint(db());
    const page = await office.get(`/rounds/${roundId}/surveys/answers/${ids.a2}`);
    expect(page.text).not.toContain('/void"');
    const voided = await office.post(`/rounds/${roundId}/surveys/answers/${ids.a2}/void`, {
      reason: '发布后作废',
    });
    expect(voided.status).toBe(409);
    expect(voided.text).toContain('本轮结果已发布，不能再核实或作废问卷答案');
    expect(dbFingerprint(db())).toEqual(before);
  });
});
