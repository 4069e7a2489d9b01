// A round keeps the questionnaire version it opened with: a typo fix ships as a new file with a new code,
// which rounds not yet opened take; a loaded questionnaire edited in place stops the start with a message.
import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApp, tempDir, type TestApp } from '../helpers/app.ts';
import { CRITERIA_DIR } from '../../src/criteria/load.ts';
import { SYSTEM } from '../../src/services/access.ts';
import { createRound, openRound } from '../../src/services/rounds.ts';
import { findRoundById } from '../../src/db/repos/rounds.ts';
import { findQuestionnaireById } from '../../src/db/repos/surveys.ts';
import { roundSurvey } from '../../src/services/surveys.ts';

const dir = tempDir('cc-freeze-');
const criteriaDir = join(dir, 'criteria');
cpSync(CRITERIA_DIR, criteriaDir, { recursive: true });
const file = join(criteriaDir, 'questionnaires', 'survey-district-2026-2.json');
const env = { CRITERIA_DIR: criteriaDir };
let app: TestApp | undefined;
afterAll(async () => {
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function newRound(a: TestApp, name: string): number {
  const { db, criteria } = a.booted;
  return createRound({ db, criteria }, SYSTEM, {
    name,
    criteriaVersionId: criteria.getByCode('district-2026-2').id,
    startsOn: '2026-12-01',
    endsOn: '2026-12-31',
    selection: { mode: 'all' },
    methods: ['survey'],
  });
}

const questionnaireCode = (a: TestApp, roundId: number) =>
  findQuestionnaireById(a.booted.db, findRoundById(a.booted.db, roundId)!.questionnaire_id!)!.code;

describe('questionnaire versions', () => {
  it('freezes the version a round opened with; a new version goes to rounds opened after it', async () => {
    app = await startApp({ dir, demo: false, env });
    const opened = newRound(app, '第一轮');
    const later = newRound(app, '第二轮');
    expect(findRoundById(app.booted.db, later)!.questionnaire_id).toBeNull(); // a draft has none yet
    openRound(app.booted.db, SYSTEM, opened);
    expect(questionnaireCode(app, opened)).toBe('survey-district-2026-2-residents');
    await app.stop();

    // the typo fix: a new file, a new code, the same criteria version
    const fixed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    fixed.code = 'survey-district-2026-2-residents-v2';
    fixed.version = '2';
    fixed.intro = '为了解您对本社区市场秩序、食品安全和交通秩序的感受，请用约两分钟回答以下问题。';
    writeFileSync(
      join(criteriaDir, 'questionnaires', 'survey-district-2026-2-v2.json'),
      JSON.stringify(fixed),
    );
    app = await startApp({ dir, demo: false, env });
    expect(questionnaireCode(app, opened)).toBe('survey-district-2026-2-residents');
    expect(roundSurvey(app.booted.db, findRoundById(app.booted.db, opened)!)!.questionnaire.intro).toContain(
      '请花约两分钟',
    );
    openRound(app.booted.db, SYSTEM, later);
    expect(questionnaireCode(app, later)).toBe('survey-district-2026-2-residents-v2');
    await app.stop();
    app = undefined;
  });

  it('refuses to start when a loaded questionnaire was edited in place, naming the file', async () => {
    const edited = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    edited.minValid = 20;
    writeFileSync(file, JSON.stringify(edited));
    await expect(startApp({ dir, demo: false, env })).rejects.toThrow(
      /survey-district-2026-2\.json: code: 问卷 "survey-district-2026-2-residents" 的内容与数据库中已载入的不同/,
    );
  });
});
