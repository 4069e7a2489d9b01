/**
 * The demo's 问卷调查 answers in the 综合测评 round: every 社区 of the round has answers collected over
 * the three weeks before today, from residents' phones (扫码, one device id each) and, in a few 社区,
 * from the inspectors the office sent door to door (入户). The figures look like a real district's:
 * 知晓率 mostly 80–95 %, most residents 满意 or 基本满意, a 社区 or two under the 85 % target, a few
 * 社区 behind their sample target of 50 and two under the minimum of 30 (样本不足). Some answers wait for
 * the office: finished too fast, or one of a burst of identical answers; one fast answer the office
 * has cleared, and one answer it voided with a reason.
 *
 * The office's steps (入户调查员, 核实有效, 作废) are its own services' (survey-admin*.ts), audit rows
 * included. The answers are written through the survey repository, fingerprinted as survey-answers.ts
 * does, because in the story they came in days ago (the public and interview forms take only answers
 * made now); a screened-out row is stored as those forms store it. All in one transaction; the draws
 * are seeded, so every demo has the same answers.
 */
import { atomically, type Db } from '../db/connection.ts';
import { findRoundById } from '../db/repos/rounds.ts';
import { insertSurveyResponse, type NewSurveyResponse, type SurveyFlag } from '../db/repos/surveys.ts';
import { findUserByUsername, type UserRow } from '../db/repos/users.ts';
import { seededRandom } from '../util/random.ts';
import { tallyCode } from '../scoring/survey.ts';
import { addDays, shanghaiMidnight } from '../util/time.ts';
import { roundSurvey, surveyCommunities } from './surveys.ts';
import { addInterviewer } from './survey-admin.ts';
import { clearAnswer, voidAnswer } from './survey-admin-answers.ts';
import { answersFingerprint, type StoredAnswers } from './survey-answer-check.ts';
import { BURST_COUNT } from './survey-answers.ts';

/** What residents wrote in the optional suggestion box (Q6), now and then. */
const SUGGESTIONS = [
  '希望小区里多安排几次垃圾分类宣传活动。',
  '菜市场门口早上电动车乱停，希望加强管理。',
  '建议在路口增设行人过街提示牌。',
  '志愿服务活动可以多在周末举办，上班族也能参加。',
  '小区楼道堆放杂物的情况还比较多。',
  '社区工作人员很热心，希望继续保持。',
  '农贸市场的地面希望每天多冲洗几次。',
  '学校门口接送孩子时段车辆停放比较乱。',
];

/** How one 社区's residents answer: how many know, take part, are satisfied (shares 0–1). */
export interface AnswerProfile {
  knows: number;
  participates: number;
  /** shares of 满意 and 不满意 (the rest 基本满意) */
  satisfied: number;
  unsatisfied: number;
}

/**
 * The answer of a resident drawn from a profile (screening passed), in the stored shape, for the
 * district-2026-2 residents' questionnaire (the benchmark draws its answers here too).
 */
export function drawAnswers(p: AnswerProfile, rand: () => number): StoredAnswers {
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)] as T;
  const satisfaction = () => {
    const x = rand();
    return x < p.satisfied ? 'satisfied' : x < 1 - p.unsatisfied ? 'fair' : 'unsatisfied';
  };
  const activities = ['volunteer', 'cleanup', 'civility', 'lecture'].filter(() => rand() < 0.45);
  const answers: StoredAnswers = {
    S1: pick(['18-40', '18-40', '41-60', '41-60', '61-70']),
    S2: pick(['6m-1y', '1y-3y', 'gt3y', 'gt3y']),
    Q1: rand() < p.knows ? (rand() < 0.7 ? 'know' : 'heard') : 'unknown',
    Q2: rand() < p.knows - 0.02 ? (rand() < 0.55 ? 'all' : 'some') : 'none',
    Q3: rand() < p.participates ? (activities.length ? activities : ['volunteer']) : ['nothing'],
    Q4: satisfaction(),
    Q5: satisfaction(),
  };
  if (rand() < 0.15) answers.Q6 = pick(SUGGESTIONS);
  return answers;
}

/** Seeds the survey answers of the demo's 综合测评 round (already open, its questionnaire frozen). */
export function seedDemoSurveys(db: Db, roundId: number, office: UserRow, today: string): void {
  const round = findRoundById(db, roundId)!;
  const survey = roundSurvey(db, round);
  if (!survey) throw new Error('demo: the 综合测评 round has no questionnaire');
  const rand = seededRandom(20261219);
  const communities = surveyCommunities(db, round, survey);
  const inspectors = ['inspector1', 'inspector2', 'inspector3'].map((u) => findUserByUsername(db, u)!);
  const minSeconds = survey.questionnaire.minSeconds;

  // a moment on one of the 21 days before today, between 8:00 and 21:00 Shanghai
  const moment = (): Date => {
    const day = addDays(today, -1 - Math.floor(rand() * 21));
    const minutes = 8 * 60 + Math.floor(rand() * 13 * 60);
    return new Date(Date.parse(shanghaiMidnight(day)) + minutes * 60_000 + Math.floor(rand() * 60_000));
  };
  const deviceId = () =>
    Array.from({ length: 4 }, () =>
      Math.floor(rand() * 2 ** 32)
        .toString(16)
        .padStart(8, '0'),
    ).join('');

  atomically(db, () => {
    const store = (
      c: (typeof communities)[number],
      answers: StoredAnswers,
      how: { at?: Date; seconds?: number; flags?: SurveyFlag[]; screened?: boolean; interviewer?: UserRow },
    ): number => {
      const at = how.at ?? moment();
      const seconds = how.seconds ?? 55 + Math.floor(rand() * 240);
      const response: NewSurveyResponse = {
        roundId,
        communityId: c.id,
        questionnaireId: survey.id,
        channel: how.interviewer ? 'interviewer' : 'public',
        deviceId: how.interviewer ? null : deviceId(),
        userId: how.interviewer?.id ?? null,
        startedAt: new Date(at.getTime() - seconds * 1000).toISOString(),
        submittedAt: at.toISOString(),
        seconds,
        screenedOut: !!how.screened,
        answers,
        fingerprint: how.screened ? '' : answersFingerprint(answers),
        flags: how.flags ?? [],
        addrHash: null,
        tally: how.screened ? null : tallyCode(survey.scored, answers),
      };
      return insertSurveyResponse(db, response)!;
    };

    // 入户: the office sent inspectors to a few 社区 (the first of each of three 镇街)
    const visited = new Map<number, UserRow>();
    const firsts = [...new Map(communities.map((c) => [c.streetId, c] as const)).values()].reverse();
    for (const [i, c] of firsts.slice(0, 3).entries()) {
      const who = inspectors[i]!;
      addInterviewer(db, office, roundId, c.id, who.id);
      visited.set(c.id, who);
    }

    const fastOnes: number[] = [];
    const lastPublic = new Map<string, number>();
    for (const [i, c] of communities.entries()) {
      // samples: two 社区 under the minimum of 30, three behind the target of 50, the rest at or above it
      const valid =
        i % 7 === 3
          ? 18 + Math.floor(rand() * 10)
          : i % 5 === 2
            ? 36 + Math.floor(rand() * 12)
            : 50 + Math.floor(rand() * 14);
      const profile: AnswerProfile = {
        knows: 0.83 + rand() * 0.12,
        participates: 0.55 + rand() * 0.25,
        satisfied: 0.4 + rand() * 0.25,
        unsatisfied: 0.03 + rand() * 0.09,
      };
      const interviewer = visited.get(c.id);
      for (let k = 0; k < valid; k++) {
        const viaInterview = interviewer && k % 3 === 0;
        const id = store(c, drawAnswers(profile, rand), viaInterview ? { interviewer } : {});
        if (!viaInterview) lastPublic.set(c.name, id);
      }
      // about one phone in twenty fails the screening (too young, or new to the 社区; kept as '{}')
      for (let k = Math.floor(valid / 20); k > 0; k--)
        store(
          c,
          {},
          {
            screened: true,
            seconds: 5 + Math.floor(rand() * 15),
          },
        );
      // now and then someone taps through in under the minimum time
      if (i % 4 === 1)
        fastOnes.push(
          store(c, drawAnswers(profile, rand), {
            seconds: 12 + Math.floor(rand() * (minSeconds - 15)),
            flags: ['fast'],
          }),
        );
    }

    // one burst: four identical answers from four phones within three minutes in one 社区 (flagged from
    // the BURST_COUNT-th on, as survey-answers.ts flags them)
    const burstAt = community(communities, 4);
    const same = drawAnswers({ knows: 1, participates: 1, satisfied: 1, unsatisfied: 0 }, rand);
    const start = moment().getTime();
    for (let k = 0; k < 4; k++)
      store(burstAt, same, {
        at: new Date(start + k * 45_000),
        flags: k + 1 >= BURST_COUNT ? ['burst'] : [],
      });

    // the office looked at one fast answer (an older resident who knew the questions) and let it count
    const cleared = fastOnes[0];
    if (cleared !== undefined) clearAnswer(db, office, roundId, cleared);
    // and voided one of 幸福社区's: the same household had answered twice on two phones
    const voided = lastPublic.get('幸福社区') ?? [...lastPublic.values()][0]!;
    voidAnswer(db, office, roundId, voided, '社区核实：同一户居民用两部手机重复填写');
  });
}

/** The i-th of a list, or its last when it is shorter. */
const community = <T>(list: readonly T[], i: number): T => list[Math.min(i, list.length - 1)]!;
