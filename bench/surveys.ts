/**
 * The `survey` phase of `npm run bench`: 问卷调查 at city scale (#19).
 *
 * seedSurveys adds to the city (bench/city.ts) an open 问卷调查 round on district-2026-2 with its
 * questionnaire frozen: every 社区 (300 at full scale) has its link and 100 valid answers drawn as the
 * demo draws them (demo-surveys.ts), plus answers that do not count — two screened out and one flagged
 * as too fast per 社区 — so the figures read past them as the server does.
 *
 * measureAnswers is 64 simulated phones answering on the public pages for a fixed time, each keeping
 * its own device cookie as a browser does and doing what a resident does: open the 社区's link (the
 * screening form), send the screening, send the answers (303 to the thanks page). A phone that has
 * answered every 社区 once clears its cookie (a new device, as the operations guide says). The figure
 * is answers the database holds afterwards, not the 303s counted by the phones.
 */
import http from 'node:http';
import { databaseFile, openDatabase } from '../src/db/connection.ts';
import { CriteriaCache } from '../src/services/criteria-registry.ts';
import { findRoundById, insertRound, setRoundStatus } from '../src/db/repos/rounds.ts';
import {
  insertSurveyResponse,
  setRoundQuestionnaire,
  type NewSurveyResponse,
} from '../src/db/repos/surveys.ts';
import { questionnaireForVersion } from '../src/services/questionnaires.ts';
import { surveyCommunities } from '../src/services/surveys.ts';
import { drawAnswers } from '../src/services/demo-surveys.ts';
import { answersFingerprint, type StoredAnswers } from '../src/services/survey-answer-check.ts';
import { tallyCode } from '../src/scoring/survey.ts';
import { seededRandom } from '../src/util/random.ts';
import type { City } from './city.ts';

export interface SurveyCity {
  round: number;
  /** the link tokens of the round's 社区, in 镇街 then 社区 order */
  tokens: string[];
  valid: number;
  stored: number;
}

export const VALID_PER_COMMUNITY = 100;

export function seedSurveys(city: City): SurveyCity {
  const db = openDatabase(databaseFile(city.config.dataDir));
  try {
    const cache = new CriteriaCache(db);
    const { id: versionId } = cache.getByCode('district-2026-2');
    const survey = questionnaireForVersion(db, versionId)!;
    const office = db.prepare("SELECT id FROM users WHERE username = 'office'").pluck().get() as number;
    const rand = seededRandom(19);
    let valid = 0;
    let stored = 0;
    const round = db.transaction(() => {
      const id = insertRound(db, {
        name: '问卷调查（全区）',
        criteriaVersionId: versionId,
        startsOn: '2026-11-20',
        endsOn: '2026-12-31',
        selection: { mode: 'all' },
        createdBy: office,
        methods: 'survey',
      });
      setRoundQuestionnaire(db, id, survey.id);
      setRoundStatus(db, id, 'open');
      return id;
    })();
    const communities = surveyCommunities(db, findRoundById(db, round)!, survey);
    const start = Date.parse('2026-11-21T01:00:00Z');
    db.transaction(() => {
      for (const c of communities) {
        const profile = {
          knows: 0.8 + rand() * 0.15,
          participates: 0.5 + rand() * 0.3,
          satisfied: 0.4 + rand() * 0.25,
          unsatisfied: 0.03 + rand() * 0.09,
        };
        const store = (k: number, answers: StoredAnswers, how: Partial<NewSurveyResponse>) => {
          const at = start + k * 600_000 + Math.floor(rand() * 600_000);
          const seconds = how.seconds ?? 60 + Math.floor(rand() * 200);
          insertSurveyResponse(db, {
            roundId: round,
            communityId: c.id,
            questionnaireId: survey.id,
            channel: 'public',
            deviceId: `bench-${c.id}-${k}`,
            userId: null,
            startedAt: new Date(at - seconds * 1000).toISOString(),
            submittedAt: new Date(at).toISOString(),
            seconds,
            screenedOut: false,
            answers,
            fingerprint: how.screenedOut ? '' : answersFingerprint(answers),
            flags: [],
            addrHash: null,
            tally: how.screenedOut ? null : tallyCode(survey.scored, answers),
            ...how,
          });
          stored++;
        };
        for (let k = 0; k < VALID_PER_COMMUNITY; k++) store(k, drawAnswers(profile, rand), {});
        valid += VALID_PER_COMMUNITY;
        store(VALID_PER_COMMUNITY, {}, { screenedOut: true, seconds: 8 });
        store(VALID_PER_COMMUNITY + 1, {}, { screenedOut: true, seconds: 11 });
        store(VALID_PER_COMMUNITY + 2, drawAnswers(profile, rand), { seconds: 20, flags: ['fast'] });
      }
    })();
    return { round, tokens: communities.map((c) => c.token), valid, stored };
  } finally {
    db.close();
  }
}

/** The bench's HTTP request (bench/run.ts's `send`: node:http, keep-alive, body as bytes): status, body, headers. */
export type Send = (
  ...request: [
    base: string,
    method: string,
    path: string,
    headers: Record<string, string>,
    body: Buffer,
    agent: http.Agent,
  ]
) => Promise<{ status: number; body: Buffer; headers: http.IncomingHttpHeaders }>;

/** A resident's answers as the questions form sends them: one field per question, one per option ticked. */
function answerBody(form: string, answers: StoredAnswers): Buffer {
  const body = new URLSearchParams({ form });
  for (const [code, given] of Object.entries(answers)) {
    if (code.startsWith('S')) continue;
    for (const v of Array.isArray(given) ? given : [given]) body.append(code, v);
  }
  return Buffer.from(body.toString());
}

const formOf = (html: Buffer): string => {
  const m = /name="form" value="([^"]+)"/.exec(html.toString());
  if (!m) throw new Error('no form token on the page');
  return m[1]!;
};

export interface AnswerLoad {
  /** 303s the phones saw */
  accepted: number;
  /** requests of any step answered with an unexpected status, or failed */
  errors: number;
  requests: number;
  /** the first error's status and text, to say what went wrong */
  firstError: string;
}

const FORM = 'application/x-www-form-urlencoded';

/**
 * One simulated phone: its own keep-alive connection and device cookie. `open` is a resident opening a
 * 社区's link and passing the screening (the questions form's token, or null after an error); `answer`
 * sends the questions form. A phone that comes back to a 社区 it answered clears its cookie first.
 */
function phone(base: string, tokens: string[], send: Send, load: AnswerLoad, i: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const rand = seededRandom(64 + i);
  let cookie = '';
  const answered = new Set<number>();
  const headers = (type?: string): Record<string, string> => ({
    ...(cookie ? { cookie } : {}),
    ...(type ? { 'content-type': type } : {}),
  });
  const ok = (
    step: string,
    r: { status: number; body: Buffer; headers: http.IncomingHttpHeaders },
    want: number,
  ) => {
    load.requests++;
    const set = r.headers['set-cookie'];
    if (set?.length) cookie = set.map((c) => c.split(';')[0]).join('; ');
    if (r.status === want) return true;
    load.errors++;
    load.firstError ||= `${step} ${r.status}: ${r.body.toString().replace(/\s+/g, ' ').slice(0, 300)}`;
    return false;
  };
  return {
    async open(n: number): Promise<string | null> {
      if (answered.has(n)) {
        // every 社区 this phone reaches answered once: the cookie cleared, a new device
        cookie = '';
        answered.clear();
      }
      answered.add(n);
      const path = `/s/${tokens[n]}`;
      const page = await send(base, 'GET', path, headers(), Buffer.alloc(0), agent);
      if (!ok('GET', page, 200)) return null;
      const screening = new URLSearchParams({ form: formOf(page.body), S1: '18-40', S2: 'gt3y' });
      const questions = await send(
        base,
        'POST',
        `${path}/screen`,
        headers(FORM),
        Buffer.from(screening.toString()),
        agent,
      );
      return ok('screen', questions, 200) ? formOf(questions.body) : null;
    },
    async answer(n: number, form: string): Promise<void> {
      const answers = drawAnswers(
        { knows: 0.9, participates: 0.7, satisfied: 0.55, unsatisfied: 0.06 },
        rand,
      );
      const done = await send(
        base,
        'POST',
        `/s/${tokens[n]}/answer`,
        headers(FORM),
        answerBody(form, answers),
        agent,
      );
      if (ok('answer', done, 303)) load.accepted++;
    },
    close: () => agent.destroy(),
  };
}

const newLoad = (): AnswerLoad => ({ accepted: 0, errors: 0, requests: 0, firstError: '' });

/** 64 phones answering for `seconds` across the 社区 links, the whole flow each time (page, screening, answers). */
export async function measureAnswers(
  base: string,
  tokens: string[],
  seconds: number,
  send: Send,
  phones = 64,
): Promise<AnswerLoad> {
  const until = Date.now() + seconds * 1000;
  const load = newLoad();
  await Promise.all(
    Array.from({ length: phones }, async (_, i) => {
      const p = phone(base, tokens, send, load, i);
      for (let k = 0; Date.now() < until; k++) {
        const n = (i + k * phones) % tokens.length;
        const form = await p.open(n);
        if (form) await p.answer(n, form);
      }
      p.close();
    }),
  );
  return load;
}

/**
 * The answers' POST alone: each of 64 new phones first opens `perPhone` 社区 links and passes their
 * screening (untimed), then all send those answers as fast as the server takes them; `ms` is that
 * second part only.
 */
export async function measureAnswerPosts(
  base: string,
  tokens: string[],
  perPhone: number,
  send: Send,
  phones = 64,
): Promise<AnswerLoad & { ms: number }> {
  const load = newLoad();
  const ready = await Promise.all(
    Array.from({ length: phones }, async (_, i) => {
      const p = phone(base, tokens, send, load, i);
      const forms: [number, string][] = [];
      for (let k = 0; k < Math.min(perPhone, tokens.length); k++) {
        const n = (i * 7 + k) % tokens.length;
        const form = await p.open(n);
        if (form) forms.push([n, form]);
      }
      return { p, forms };
    }),
  );
  Object.assign(load, { ...newLoad(), errors: load.errors, firstError: load.firstError });
  const t = performance.now();
  await Promise.all(
    ready.map(async ({ p, forms }) => {
      for (const [n, form] of forms) await p.answer(n, form);
      p.close();
    }),
  );
  return { ...load, ms: performance.now() - t };
}
