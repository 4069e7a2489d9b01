/**
 * 问卷调查 tables (migration 011): questionnaire versions, each 社区's public link, sample targets,
 * interviewers and the answers. Plain reads and writes; the rules are in services/surveys.ts and the
 * services that collect and review answers.
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../connection.ts';
import { nowIso } from '../../util/time.ts';

// ---------------------------------------------------------------- questionnaires

export interface QuestionnaireRow {
  id: number;
  code: string;
  criteria_version_id: number;
  name: string;
  version: string;
  content: string;
  sha256: string;
  source: string;
  loaded_at: string;
}

const Q_COLUMNS = 'id, code, criteria_version_id, name, version, content, sha256, source, loaded_at';

export function findQuestionnaireById(db: Db, id: number): QuestionnaireRow | undefined {
  return db.prepare(`SELECT ${Q_COLUMNS} FROM questionnaires WHERE id = ?`).get(id) as
    QuestionnaireRow | undefined;
}

export function findQuestionnaireByCode(db: Db, code: string): QuestionnaireRow | undefined {
  return db.prepare(`SELECT ${Q_COLUMNS} FROM questionnaires WHERE code = ?`).get(code) as
    QuestionnaireRow | undefined;
}

/** The versions linked to a criteria version, newest load first (a new version is the one a new round takes). */
export function listQuestionnairesFor(
  db: Db,
  criteriaVersionId: number,
): Omit<QuestionnaireRow, 'content'>[] {
  return db
    .prepare(
      `SELECT id, code, criteria_version_id, name, version, sha256, source, loaded_at FROM questionnaires
       WHERE criteria_version_id = ? ORDER BY id DESC`,
    )
    .all(criteriaVersionId) as Omit<QuestionnaireRow, 'content'>[];
}

export function listQuestionnaires(db: Db): Omit<QuestionnaireRow, 'content'>[] {
  return db
    .prepare(
      'SELECT id, code, criteria_version_id, name, version, sha256, source, loaded_at FROM questionnaires ORDER BY id',
    )
    .all() as Omit<QuestionnaireRow, 'content'>[];
}

export function insertQuestionnaire(db: Db, q: Omit<QuestionnaireRow, 'id' | 'loaded_at'>): number {
  return Number(
    db
      .prepare(
        `INSERT INTO questionnaires (code, criteria_version_id, name, version, content, sha256, source, loaded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(q.code, q.criteria_version_id, q.name, q.version, q.content, q.sha256, q.source, nowIso())
      .lastInsertRowid,
  );
}

export function setRoundQuestionnaire(db: Db, roundId: number, questionnaireId: number): void {
  db.prepare('UPDATE rounds SET questionnaire_id = ? WHERE id = ?').run(questionnaireId, roundId);
}

// ---------------------------------------------------------------- public links

/** A new unguessable link token: 128 random bits, URL-safe. */
export const newLinkToken = (): string => randomBytes(16).toString('base64url');

/** The 社区's link token, made the first time it is asked for (it then stays the same across rounds). */
export function surveyLinkToken(db: Db, communityId: number): string {
  const row = db.prepare('SELECT token FROM survey_links WHERE community_id = ?').get(communityId) as
    { token: string } | undefined;
  if (row) return row.token;
  const token = newLinkToken();
  db.prepare('INSERT INTO survey_links (community_id, token, created_at) VALUES (?, ?, ?)').run(
    communityId,
    token,
    nowIso(),
  );
  return token;
}

/** The 社区 a link token belongs to, or undefined for an unknown token. */
export function communityOfToken(db: Db, token: string): number | undefined {
  const row = db.prepare('SELECT community_id FROM survey_links WHERE token = ?').get(token) as
    { community_id: number } | undefined;
  return row?.community_id;
}

// ---------------------------------------------------------------- targets

/** The office's targets of a round, by 社区 (a 社区 not listed takes the questionnaire's default). */
export function surveyTargets(db: Db, roundId: number): Map<number, number> {
  const rows = db
    .prepare('SELECT community_id, target FROM survey_targets WHERE round_id = ?')
    .all(roundId) as { community_id: number; target: number }[];
  return new Map(rows.map((r) => [r.community_id, r.target]));
}

export function setSurveyTarget(db: Db, roundId: number, communityId: number, target: number): void {
  db.prepare(
    `INSERT INTO survey_targets (round_id, community_id, target) VALUES (?, ?, ?)
     ON CONFLICT (round_id, community_id) DO UPDATE SET target = excluded.target`,
  ).run(roundId, communityId, target);
}

// ---------------------------------------------------------------- interviewers

export function surveyInterviewers(db: Db, roundId: number): { community_id: number; user_id: number }[] {
  return db
    .prepare(
      'SELECT community_id, user_id FROM survey_interviewers WHERE round_id = ? ORDER BY community_id, user_id',
    )
    .all(roundId) as { community_id: number; user_id: number }[];
}

export function isSurveyInterviewer(db: Db, roundId: number, communityId: number, userId: number): boolean {
  return !!db
    .prepare('SELECT 1 FROM survey_interviewers WHERE round_id = ? AND community_id = ? AND user_id = ?')
    .get(roundId, communityId, userId);
}

/** The rounds and 社区 an inspector interviews in. */
export function interviewsOf(db: Db, userId: number): { round_id: number; community_id: number }[] {
  return db
    .prepare(
      'SELECT round_id, community_id FROM survey_interviewers WHERE user_id = ? ORDER BY round_id DESC, community_id',
    )
    .all(userId) as { round_id: number; community_id: number }[];
}

export function addSurveyInterviewer(db: Db, roundId: number, communityId: number, userId: number): boolean {
  return (
    db
      .prepare('INSERT OR IGNORE INTO survey_interviewers (round_id, community_id, user_id) VALUES (?, ?, ?)')
      .run(roundId, communityId, userId).changes > 0
  );
}

export function removeSurveyInterviewer(
  db: Db,
  roundId: number,
  communityId: number,
  userId: number,
): boolean {
  return (
    db
      .prepare('DELETE FROM survey_interviewers WHERE round_id = ? AND community_id = ? AND user_id = ?')
      .run(roundId, communityId, userId).changes > 0
  );
}

// ---------------------------------------------------------------- responses

export type SurveyChannel = 'public' | 'interviewer';
/** why an answer waits for the office: finished too fast, or one of a burst of identical answers */
export type SurveyFlag = 'fast' | 'burst';

export interface SurveyResponseRow {
  id: number;
  round_id: number;
  community_id: number;
  questionnaire_id: number;
  channel: SurveyChannel;
  device_id: string | null;
  user_id: number | null;
  started_at: string;
  submitted_at: string;
  seconds: number;
  screened_out: 0 | 1;
  /** JSON: question code → option code, [option codes], scale point as text, or text */
  answers: string;
  fingerprint: string;
  /** comma-separated SurveyFlag; '' when none */
  flags: string;
  cleared_at: string | null;
  cleared_by: number | null;
  voided_at: string | null;
  voided_by: number | null;
  void_reason: string | null;
  addr_hash: string | null;
}

const R_COLUMNS =
  'id, round_id, community_id, questionnaire_id, channel, device_id, user_id, started_at, submitted_at, seconds, ' +
  'screened_out, answers, fingerprint, flags, cleared_at, cleared_by, voided_at, voided_by, void_reason, addr_hash';

/** The SQL condition of an answer that counts: finished (not screened out), not voided, no flag left open. */
export const VALID_RESPONSE =
  "screened_out = 0 AND voided_at IS NULL AND (flags = '' OR cleared_at IS NOT NULL)";

export interface NewSurveyResponse {
  roundId: number;
  communityId: number;
  questionnaireId: number;
  channel: SurveyChannel;
  deviceId: string | null;
  userId: number | null;
  startedAt: string;
  submittedAt: string;
  seconds: number;
  screenedOut: boolean;
  answers: Readonly<Record<string, unknown>>;
  fingerprint: string;
  flags: readonly SurveyFlag[];
  addrHash: string | null;
  /** the scored values (scoring/survey.ts tallyCode); absent: scoring reads `answers` */
  tally?: string | null;
}

/** Stores an answer: its id, or null when the device already answered this 社区 in this round (nothing stored). */
export function insertSurveyResponse(db: Db, r: NewSurveyResponse): number | null {
  const result = db
    .prepare(
      `INSERT INTO survey_responses (round_id, community_id, questionnaire_id, channel, device_id, user_id,
         started_at, submitted_at, seconds, screened_out, answers, fingerprint, flags, addr_hash, tally)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
    )
    .run(
      r.roundId,
      r.communityId,
      r.questionnaireId,
      r.channel,
      r.deviceId,
      r.userId,
      r.startedAt,
      r.submittedAt,
      r.seconds,
      r.screenedOut ? 1 : 0,
      JSON.stringify(r.answers),
      r.fingerprint,
      r.flags.join(','),
      r.addrHash,
      r.tally ?? null,
    );
  return result.changes > 0 ? Number(result.lastInsertRowid) : null;
}

/** Whether this device already answered (or was screened out) for this 社区 in this round. */
export function deviceAnswered(db: Db, roundId: number, communityId: number, deviceId: string): boolean {
  return !!db
    .prepare('SELECT 1 FROM survey_responses WHERE round_id = ? AND community_id = ? AND device_id = ?')
    .get(roundId, communityId, deviceId);
}

/** Answers with this fingerprint in the 社区 and round since a moment (burst detection). */
export function countSameAnswersSince(
  db: Db,
  roundId: number,
  communityId: number,
  fingerprint: string,
  since: string,
): number {
  const row = db
    .prepare(
      `SELECT count(*) AS n FROM survey_responses
       WHERE round_id = ? AND community_id = ? AND fingerprint = ? AND submitted_at >= ? AND screened_out = 0`,
    )
    .get(roundId, communityId, fingerprint, since) as { n: number };
  return row.n;
}

export function findSurveyResponse(db: Db, id: number): SurveyResponseRow | undefined {
  return db.prepare(`SELECT ${R_COLUMNS} FROM survey_responses WHERE id = ?`).get(id) as
    SurveyResponseRow | undefined;
}

/** Every answer of a round (or of one 社区), oldest first: the office's list and the answers workbook. */
export function listSurveyResponses(db: Db, roundId: number, communityId?: number): SurveyResponseRow[] {
  return (
    communityId === undefined
      ? db.prepare(`SELECT ${R_COLUMNS} FROM survey_responses WHERE round_id = ? ORDER BY id`).all(roundId)
      : db
          .prepare(
            `SELECT ${R_COLUMNS} FROM survey_responses WHERE round_id = ? AND community_id = ? ORDER BY id`,
          )
          .all(roundId, communityId)
  ) as SurveyResponseRow[];
}

/** The valid answers of a round, just what scoring needs: the 社区 and the answers' JSON. */
export function validSurveyAnswers(db: Db, roundId: number): { community_id: number; answers: string }[] {
  return db
    .prepare(
      `SELECT community_id, answers FROM survey_responses WHERE round_id = ? AND ${VALID_RESPONSE} ORDER BY community_id`,
    )
    .all(roundId) as { community_id: number; answers: string }[];
}

/**
 * The same as [community_id, tally, answers] in 社区 order, for scoring: the answers' JSON only where
 * no tally was stored. Arrays cost less than row objects, and one `.all()` far less than iterating.
 */
export function validSurveyTallies(db: Db, roundId: number): [number, string | null, string | null][] {
  return db
    .prepare(
      `SELECT community_id, tally, CASE WHEN tally IS NULL THEN answers END FROM survey_responses
       WHERE round_id = ? AND ${VALID_RESPONSE} ORDER BY community_id`,
    )
    .raw()
    .all(roundId) as [number, string | null, string | null][];
}

/** Per 社区 of a round: valid, flagged (waiting for the office), voided and screened-out counts. */
export interface SurveyCounts {
  community_id: number;
  valid: number;
  flagged: number;
  voided: number;
  screened: number;
  interviewer: number;
}

export function surveyCounts(db: Db, roundId: number): Map<number, SurveyCounts> {
  const rows = db
    .prepare(
      `SELECT community_id,
         sum(CASE WHEN ${VALID_RESPONSE} THEN 1 ELSE 0 END) AS valid,
         sum(CASE WHEN screened_out = 0 AND voided_at IS NULL AND flags <> '' AND cleared_at IS NULL THEN 1 ELSE 0 END) AS flagged,
         sum(CASE WHEN voided_at IS NOT NULL THEN 1 ELSE 0 END) AS voided,
         sum(screened_out) AS screened,
         sum(CASE WHEN ${VALID_RESPONSE} AND channel = 'interviewer' THEN 1 ELSE 0 END) AS interviewer
       FROM survey_responses WHERE round_id = ? GROUP BY community_id`,
    )
    .all(roundId) as SurveyCounts[];
  return new Map(rows.map((r) => [r.community_id, r]));
}

/** Valid answers per day (Asia/Shanghai) and 社区: progress per day. */
export function validAnswersPerDay(
  db: Db,
  roundId: number,
): { day: string; community_id: number; n: number }[] {
  return db
    .prepare(
      `SELECT date(submitted_at, '+8 hours') AS day, community_id, count(*) AS n FROM survey_responses
       WHERE round_id = ? AND ${VALID_RESPONSE} GROUP BY day, community_id ORDER BY day, community_id`,
    )
    .all(roundId) as { day: string; community_id: number; n: number }[];
}

/** The office lets a flagged answer count. False when it was not flagged, already cleared or voided. */
export function clearSurveyResponse(db: Db, id: number, userId: number | null): boolean {
  return (
    db
      .prepare(
        `UPDATE survey_responses SET cleared_at = ?, cleared_by = ?
         WHERE id = ? AND flags <> '' AND cleared_at IS NULL AND voided_at IS NULL`,
      )
      .run(nowIso(), userId, id).changes > 0
  );
}

/** The office takes an answer out, with a reason. False when it was already voided. */
export function voidSurveyResponse(db: Db, id: number, userId: number | null, reason: string): boolean {
  return (
    db
      .prepare(
        'UPDATE survey_responses SET voided_at = ?, voided_by = ?, void_reason = ? WHERE id = ? AND voided_at IS NULL',
      )
      .run(nowIso(), userId, reason, id).changes > 0
  );
}

/**
 * What a round's survey results depend on: answers come and go only by insert, clear and void (each
 * one-way), so their counts and the last id change whenever the valid set does.
 */
export function surveyFingerprint(db: Db, roundId: number): string {
  const row = db
    .prepare(
      `SELECT count(*) AS n, coalesce(max(id), 0) AS last, count(voided_at) AS voided, count(cleared_at) AS cleared
       FROM survey_responses WHERE round_id = ?`,
    )
    .get(roundId) as { n: number; last: number; voided: number; cleared: number };
  return `${row.n}.${row.last}.${row.voided}.${row.cleared}`;
}

/** Forgets the address hashes older than the abuse window; returns how many. */
export function purgeAddressHashes(db: Db, before: string): number {
  return db
    .prepare('UPDATE survey_responses SET addr_hash = NULL WHERE addr_hash IS NOT NULL AND submitted_at < ?')
    .run(before).changes;
}

// ---------------------------------------------------------------- the office's list of answers

/** An answer's state on the office's list, each answer in exactly one (see SURVEY_ANSWER_STATE_NAMES). */
export const SURVEY_STATE_SQL = {
  voided: 'voided_at IS NOT NULL',
  screened: 'voided_at IS NULL AND screened_out = 1',
  flagged: "voided_at IS NULL AND screened_out = 0 AND flags <> '' AND cleared_at IS NULL",
  cleared: "voided_at IS NULL AND screened_out = 0 AND flags <> '' AND cleared_at IS NOT NULL",
  valid: "voided_at IS NULL AND screened_out = 0 AND flags = ''",
} as const;

export interface SurveyResponseFilter {
  communityId: number | null;
  state: keyof typeof SURVEY_STATE_SQL | null;
  channel: SurveyChannel | null;
}

/** One page of a round's answers (newest first) and how many match the filter. */
export function pageSurveyResponses(
  db: Db,
  roundId: number,
  f: SurveyResponseFilter,
  limit: number,
  offset: number,
): { rows: SurveyResponseRow[]; total: number } {
  const where = ['round_id = ?'];
  const args: unknown[] = [roundId];
  if (f.communityId !== null) {
    where.push('community_id = ?');
    args.push(f.communityId);
  }
  if (f.channel !== null) {
    where.push('channel = ?');
    args.push(f.channel);
  }
  if (f.state !== null) where.push(`(${SURVEY_STATE_SQL[f.state]})`);
  const cond = where.join(' AND ');
  const total = (
    db.prepare(`SELECT count(*) AS n FROM survey_responses WHERE ${cond}`).get(...args) as { n: number }
  ).n;
  const rows = db
    .prepare(`SELECT ${R_COLUMNS} FROM survey_responses WHERE ${cond} ORDER BY id DESC LIMIT ? OFFSET ?`)
    .all(...args, limit, offset) as SurveyResponseRow[];
  return { rows, total };
}

/** The interviewer answers (not screened out) of a 社区 in a round: 入户 answers recorded so far. */
export function interviewerAnswerCount(db: Db, roundId: number, communityId: number): number {
  const row = db
    .prepare(
      `SELECT count(*) AS n FROM survey_responses
       WHERE round_id = ? AND community_id = ? AND channel = 'interviewer' AND screened_out = 0`,
    )
    .get(roundId, communityId) as { n: number };
  return row.n;
}

/** Up to `limit` answers of a round after an id, oldest first: the answers workbook reads them in pages. */
export function surveyResponsesAfter(
  db: Db,
  roundId: number,
  afterId: number,
  limit: number,
): SurveyResponseRow[] {
  return db
    .prepare(`SELECT ${R_COLUMNS} FROM survey_responses WHERE round_id = ? AND id > ? ORDER BY id LIMIT ?`)
    .all(roundId, afterId, limit) as SurveyResponseRow[];
}

/** Per open round with answers waiting for the office (flagged, not cleared or voided): how many. */
export function flaggedAnswersByOpenRound(
  db: Db,
): { round_id: number; round_name: string; flagged: number }[] {
  return db
    .prepare(
      `SELECT round_id, (SELECT name FROM rounds WHERE id = round_id) AS round_name, count(*) AS flagged
       FROM survey_responses
       WHERE round_id IN (SELECT id FROM rounds WHERE status = 'open') AND ${SURVEY_STATE_SQL.flagged}
       GROUP BY round_id ORDER BY round_id`,
    )
    .all() as { round_id: number; round_name: string; flagged: number }[];
}
