// The questionnaire format: the shipped questionnaire for district-2026-2 is valid and linked to its
// two survey standards, and broken copies are refused with the JSON path and a plain Chinese reason —
// by the checker and by `npm run criteria:check`, the same way as criteria files.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { checkQuestionnaire } from '../../src/surveys/check.ts';
import {
  QUESTIONNAIRE_DIR,
  loadShippedQuestionnaires,
  shippedCriteriaByCode,
} from '../../src/surveys/load.ts';
import { CRITERIA_DIR, shippedCriteriaFiles } from '../../src/criteria/load.ts';
import { runTs } from '../helpers/run.ts';

const shippedFile = join(QUESTIONNAIRE_DIR, 'survey-district-2026-2.json');
const fresh = (): any => JSON.parse(readFileSync(shippedFile, 'utf8'));
const criteria = shippedCriteriaByCode();

/** The problems of a broken copy, as "path: message" lines. */
function problems(data: unknown): string[] {
  const r = checkQuestionnaire(data, criteria);
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
}

describe('shipped questionnaire', () => {
  it('passes and serves D02-5 and E02-5 of district-2026-2 with target 85 %, 0.5 point per point below', () => {
    const [loaded] = loadShippedQuestionnaires();
    const q = loaded!.questionnaire;
    expect(q.criteriaCode).toBe('district-2026-2');
    expect(q.standards).toEqual({
      'D02-5': { mode: 'target', target: 0.85, perPoint: 0.5 },
      'E02-5': { mode: 'target', target: 0.85, perPoint: 0.5 },
    });
    expect(q.questions.filter((x) => x.standard).map((x) => x.standard)).toEqual(['D02-5', 'E02-5']);
    // 满意 100, 基本满意 80, 不满意 0
    expect(q.questions.find((x) => x.standard === 'D02-5')!.values).toEqual({
      satisfied: 100,
      fair: 80,
      unsatisfied: 0,
    });
    expect(q.questions.find((x) => x.kind === 'text')!.required).toBe(false);
    expect(q).toMatchObject({ minSeconds: 40, minValid: 30, targetPerCommunity: 50 });
  });

  it('does not disturb the criteria loader, which reads only criteria/*.json', () => {
    const files = shippedCriteriaFiles(CRITERIA_DIR);
    expect(files.some((f) => f.includes('questionnaires'))).toBe(false);
    expect(files).toHaveLength(3);
  });
});

describe('broken copies', () => {
  it('a standard the criteria version does not have', () => {
    const q = fresh();
    q.questions[3].standard = 'Z99-9';
    expect(problems(q)).toContain('questions[3].standard: 标准 "Z99-9" 在测评体系 district-2026-2 中不存在');
  });

  it('a field standard', () => {
    const q = fresh();
    q.questions[3].standard = 'A01-1';
    q.standards['A01-1'] = { mode: 'proportional' };
    expect(problems(q)).toContain('questions[3].standard: 标准 "A01-1" 不是问卷调查标准');
    expect(problems(q)).toContain('standards.A01-1: 标准 "A01-1" 不是问卷调查标准');
  });

  it('a duplicate question code, also against a screening question, and a duplicate option', () => {
    const q = fresh();
    q.questions[1].code = 'Q1';
    q.questions[2].code = 'S1';
    q.questions[0].options[1].code = 'know';
    const p = problems(q);
    expect(p).toContain('questions[1].code: 题目编码 "Q1" 重复');
    expect(p).toContain('questions[2].code: 题目编码 "S1" 重复');
    expect(p).toContain('questions[0].options[1].code: 选项编码 "know" 重复');
  });

  it('knows naming an option the question does not offer', () => {
    const q = fresh();
    q.questions[0].knows = ['know', 'maybe'];
    expect(problems(q)).toEqual(['questions[0].knows[1]: 选项 "maybe" 不存在']);
  });

  it('a value outside 0–100, and a value for a missing option', () => {
    const q = fresh();
    q.questions[3].values.satisfied = 120;
    expect(problems(q)).toEqual(['questions[3].values.satisfied: 分值应在0到100之间']);
    const r = fresh();
    r.questions[3].values.great = 100;
    expect(problems(r)).toEqual(['questions[3].values.great: 选项 "great" 不存在']);
  });

  it('an option that cannot be picked with others only on multiple choice, and never one that counts', () => {
    const q = fresh();
    q.questions[0].options[2].exclusive = true; // Q1 is single choice
    q.questions[2].knows.push('nothing'); // Q3's 都没有参加过 is exclusive
    expect(problems(q)).toEqual([
      'questions[0].options[2].exclusive: 只有多选题的选项可以设为“不能与其他选项同选”',
      'questions[2].options[4].exclusive: 选项 "nothing" 不能与其他选项同选，不应计入 knows',
    ]);
  });

  it('a rule for a standard no question is linked to, and a linked standard without a rule', () => {
    const q = fresh();
    delete q.questions[4].standard;
    delete q.questions[4].values;
    // its 满意度 rate has nothing to count either
    expect(problems(q)).toEqual([
      'questions[4].rate: 计入比率的题目需要用 knows 或 values 说明怎样计算',
      'standards.E02-5: 没有题目关联标准 "E02-5"，计分规则无从计算',
    ]);
    delete q.questions[4].rate;
    expect(problems(q)).toEqual(['standards.E02-5: 没有题目关联标准 "E02-5"，计分规则无从计算']);
    const r = fresh();
    delete r.standards['D02-5'];
    expect(problems(r)).toEqual(['questions[3].standard: 标准 "D02-5" 在 standards 中没有计分规则']);
  });

  it('a text question with a standard', () => {
    const q = fresh();
    q.questions[5].standard = 'D02-5';
    expect(problems(q)).toEqual(['questions[5].standard: 文字题不计分，不能关联标准']);
  });

  it('a screening question nobody can pass, or passing an option it does not offer', () => {
    const q = fresh();
    q.screening[1].pass = [];
    expect(problems(q)).toEqual(['screening[1].pass: 没有任何选项能通过这道甄别题，所有人都会被拒绝']);
    const r = fresh();
    r.screening[0].pass = ['18-40', '71-80'];
    expect(problems(r)).toEqual(['screening[0].pass[1]: 选项 "71-80" 不存在']);
    const s = fresh();
    s.screening = [];
    expect(problems(s)).toEqual(['screening: 至少需要一道甄别题']);
  });

  it('schema problems in Chinese: a bad rule, a missing field, an unknown field, an unknown version', () => {
    const q = fresh();
    q.standards['D02-5'] = { mode: 'target', target: 85, perPoint: 0 };
    delete q.intro;
    q.extra = 1;
    const p = problems(q);
    expect(p).toContain('standards.D02-5.target: 目标比例应在0到1之间');
    expect(p).toContain('standards.D02-5.perPoint: 每低1个百分点扣分应大于0');
    expect(p).toContain('intro: 缺少必填字段（应为文本）');
    expect(p).toContain('(根): 不认识的字段：extra');
    const r = fresh();
    r.criteriaCode = 'district-2030';
    expect(problems(r)).toContain('criteriaCode: 测评体系版本 "district-2030" 不存在');
  });

  it('a scale question maps each point and rejects a point outside the scale', () => {
    const q = fresh();
    q.questions[4] = {
      code: 'Q5',
      text: '请为交通秩序打分（1分很不满意，5分很满意）',
      kind: 'scale',
      scale: { min: 1, max: 5, labels: { '1': '很不满意', '5': '很满意' } },
      standard: 'E02-5',
      values: { '1': 0, '2': 25, '3': 50, '4': 75, '5': 100 },
    };
    expect(problems(q)).toEqual([]);
    q.questions[4].values = { '1': 0, '2': 25, '3': 50, '4': 75, '6': 100 };
    expect(problems(q)).toEqual([
      'questions[4].values.6: 刻度 6 不在量表范围内',
      'questions[4].values: 没有给选项 "5" 赋分值',
    ]);
  });
});

describe('npm run criteria:check with questionnaires', () => {
  it('prints a ✓ line for the shipped questionnaire and exits 0', async () => {
    const r = await runTs('src/criteria/check-cli.ts', []);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      '✓ criteria/questionnaires/survey-district-2026-2.json: 清河区文明城市创建群众满意度调查问卷（居民）',
    );
  });

  it('exits 1 with file: path: message for a broken questionnaire named as an argument', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-survey-'));
    const q = fresh();
    q.questions[0].knows = ['maybe'];
    const file = join(dir, 'broken.json');
    writeFileSync(file, JSON.stringify(q));
    const r = await runTs('src/criteria/check-cli.ts', [file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}: questions[0].knows[0]: 选项 "maybe" 不存在`);
  });
});
