// 调查问卷 on the criteria pages. As the creation office: the version's page lists its questionnaires (the
// newest one marked as the one a new round takes, the rounds that froze each), and a questionnaire opens
// as residents read it — intro, privacy notice, screening with the answers that pass, every question's
// options with what counts or each option's value — plus each survey standard's rule in words with a
// worked example (hand-computed here) and the sample rules. A second version with a scale question, a
// 按比例 rule and 样本不足 → 0 is loaded to show the other wordings. Units and inspectors may read it
// (criteria.read); unknown ids and a questionnaire asked for under another version are 404.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, loggedIn, startApp, type TestApp } from '../helpers/app.ts';
import { versionIdOf } from '../helpers/ids.ts';
import { CRITERIA_DIR } from '../../src/criteria/load.ts';
import type { Questionnaire } from '../../src/surveys/schema.ts';
import { syncShippedQuestionnaires } from '../../src/services/questionnaires.ts';

const SHIPPED = JSON.parse(
  readFileSync(join(CRITERIA_DIR, 'questionnaires', 'survey-district-2026-2.json'), 'utf8'),
) as Questionnaire;

let app: TestApp;
let version: number;
let shipped: number;
let second: number;
const as = loggedIn(() => app.url);

/** A copy of the shipped questionnaire: a 1–5 scale question for E02-5, scored 按比例, 0 points below 20 answers. */
function secondVersion(): Questionnaire {
  const q = structuredClone(SHIPPED);
  q.code = 'survey-test-scale';
  q.version = '2';
  q.population = '商户';
  q.minValid = 20;
  q.belowMinimum = 'zero';
  const q5 = q.questions.find((x) => x.code === 'Q5')!;
  delete q5.options;
  q5.kind = 'scale';
  q5.scale = { min: 1, max: 5, labels: { '1': '很不满意', '5': '很满意' } };
  q5.values = { '1': 0, '2': 25, '3': 50, '4': 75, '5': 100 };
  q.standards['E02-5'] = { mode: 'proportional' };
  return q;
}

/** The page's words without tags, runs of white space as one space. */
const words = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#34;|&quot;/g, '"')
    .replace(/\s+/g, ' ');

const idOf = (code: string) =>
  app.booted.db.prepare('SELECT id FROM questionnaires WHERE code = ?').pluck().get(code) as number;

beforeAll(async () => {
  app = await startApp();
  version = versionIdOf(app.booted.db, 'district-2026-2');
  shipped = idOf(SHIPPED.code);
  syncShippedQuestionnaires(app.booted.db, [
    { file: 'survey-test-scale.json', text: '', questionnaire: secondVersion() },
  ]);
  second = idOf('survey-test-scale');
});
afterAll(() => app.destroy());

describe('the version page', () => {
  it('lists its questionnaires, the newest marked for new rounds, with the rounds that froze each', async () => {
    const page = await (await as('office')).get(`/criteria/${version}`);
    expect(page.status).toBe(200);
    const text = words(page.text);
    const frozen = app.booted.db
      .prepare('SELECT name FROM rounds WHERE questionnaire_id = ? ORDER BY starts_on DESC, id DESC')
      .pluck()
      .all(shipped) as string[];
    expect(text).toContain(
      `${SHIPPED.name} ${SHIPPED.code} 1 居民 ${frozen.join('、') || '尚无轮次使用'} 随系统提供`,
    );
    expect(text).toContain(`${SHIPPED.name} 新轮次使用 survey-test-scale 2 商户 尚无轮次使用`);
    expect(page.text).toContain(`href="/criteria/${version}/questionnaires/${shipped}"`);
    expect(page.text).toContain(`href="/criteria/${version}/questionnaires/${second}"`);
  });

  it('a version without questionnaires has no such section', async () => {
    const page = await (await as('office')).get(`/criteria/${versionIdOf(app.booted.db, 'district-2026')}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('调查问卷');
  });
});

describe('the shipped questionnaire, as the office reads it', () => {
  let text = '';
  beforeAll(async () => {
    const page = await (await as('office')).get(`/criteria/${version}/questionnaires/${shipped}`);
    expect(page.status).toBe(200);
    text = words(page.text);
  });

  it('shows what residents read: intro, privacy notice, the screening and which answers pass', () => {
    expect(text).toContain(SHIPPED.name);
    expect(text).toContain(SHIPPED.intro);
    expect(text).toContain(`隐私说明：${SHIPPED.privacy}`);
    expect(text).toContain(
      'S1 请问您的年龄是？ 18岁以下 结束答题 18—40岁 通过 41—60岁 通过 61—70岁 通过 70岁以上 结束答题',
    );
    expect(text).toContain('S2 您在本社区居住（或工作）有多长时间了？ 不满6个月 结束答题 6个月到1年 通过');
  });

  it('shows every question with its kind, what counts and each option value', () => {
    for (const q of SHIPPED.questions) expect(text).toContain(`${q.code} ${q.text}`);
    expect(text).toContain('（单选题 · 必答） 知道 计入 听说过，但不太了解 计入 不知道 不计入');
    expect(text).toContain('知晓率 = 选“知道”、“听说过，但不太了解”的答案 ÷ 答了本题的有效答案');
    expect(text).toContain('（多选题 · 必答） 志愿服务 计入');
    expect(text).toContain('都没有参加过 不计入');
    expect(text).toContain(
      '参与率 = 选了“志愿服务”、“环境卫生整治”、“文明劝导”、“道德讲堂、宣讲活动”中任意一项的答案',
    );
    expect(text).toContain('不计入任何标准的得分，参与率只在结果中列出');
    expect(text).toContain(
      '满意 100 分 基本满意 80 分 不满意 0 分 计分： 满意度 = 本题各答案分值的平均值 ÷ 100',
    );
    expect(text).toContain(
      '计入标准： D02-5 群众对市场秩序和食品安全满意度不低于85%，每低1个百分点扣0.5分。（3 分）',
    );
    expect(text).toContain('（填空题 · 选答） 计分： 不计分，供创城办参考');
  });

  it('states each survey standard rule with a worked example', () => {
    // 达标扣分, target 85 %, 0.5 a point: at 80 % it is 5 points below, 3 − 0.5 × 5 = 0.5
    expect(text).toContain(
      'D02-5 群众对市场秩序和食品安全满意度不低于85%，每低1个百分点扣0.5分。 分值 3 分（规范的市场秩序 › 商品质量与食品安全）' +
        ' 题目 Q4（满意度 = 该题的比率） 计分规则 达标扣分 ：满意度达到 85% 及以上得满分 3 分；低于 85% 时每低 1 个百分点扣 0.5 分',
    );
    expect(text).toContain('最低 0 分 算例 满意度 80%，比 85% 低 5 个百分点，得 3 − 0.5 × 5 = 0.5 分');
    expect(text).toContain('E02-5 市民对城市交通秩序满意度不低于85%');
  });

  it('states the sample rules in words', () => {
    expect(text).toContain(
      '最短答题时间 40 秒：用时更短的答案标为“答题用时过短”，经创城办核实后才计为有效答案',
    );
    expect(text).toContain(
      '最少有效样本 每个社区 30 份有效答案；不足时该社区的比率标为“样本不足”，按已有的有效答案计分',
    );
    expect(text).toContain('目标样本 每个社区 50 份');
  });
});

describe('a second version: a scale, 按比例, 样本不足 earns 0', () => {
  it('words the scale points and values, the proportional rule and the zero rule', async () => {
    const page = await (await as('office')).get(`/criteria/${version}/questionnaires/${second}`);
    expect(page.status).toBe(200);
    const text = words(page.text);
    expect(text).toContain('（量表题 · 必答） 1（很不满意） 0 分 2 25 分 3 50 分 4 75 分 5（很满意） 100 分');
    // 按比例: 3 points × 90 % = 2.7
    expect(text).toContain('计分规则 按比例 ：得分 = 3 分 × 满意度 算例 满意度 90%，得 3 × 90% = 2.7 分');
    expect(text).toContain('每个社区 20 份有效答案；不足时该社区的比率标为“样本不足”，问卷调查标准得0分');
    expect(text).toContain('使用轮次 尚无轮次使用');
  });
});

describe('who may read it, and what is not there', () => {
  it('a unit and an inspector read it (criteria.read), without links into the office pages', async () => {
    for (const user of ['chengguan', 'inspector1']) {
      const page = await (await as(user)).get(`/criteria/${version}/questionnaires/${shipped}`);
      expect(page.status).toBe(200);
      expect(words(page.text)).toContain(SHIPPED.intro);
      expect(page.text).not.toContain(`href="/criteria/${version}"`);
      expect(page.text).not.toMatch(/href="\/rounds\/\d+"/);
    }
  });

  it('an anonymous visitor is sent to the login page', async () => {
    const res = await new Client(app.url).get(`/criteria/${version}/questionnaires/${shipped}`);
    expect([302, 303]).toContain(res.status);
    expect(res.location).toContain('/login');
  });

  it('404 for an unknown questionnaire, an unknown version, a questionnaire of another version', async () => {
    const office = await as('office');
    const other = versionIdOf(app.booted.db, 'district-2026');
    const cases: [string, string][] = [
      [`/criteria/${version}/questionnaires/99999`, '找不到该调查问卷版本'],
      [`/criteria/${version}/questionnaires/abc`, '找不到该调查问卷'],
      [`/criteria/99999/questionnaires/${shipped}`, '找不到该测评体系版本'],
      [`/criteria/${other}/questionnaires/${shipped}`, '该测评体系版本下没有这份调查问卷'],
    ];
    for (const [path, message] of cases) {
      const res = await office.get(path);
      expect(res.status, path).toBe(404);
      expect(res.text, path).toContain(message);
    }
  });
});
