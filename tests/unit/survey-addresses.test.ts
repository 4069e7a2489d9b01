// A public sender's address is kept only as a keyed hash, and only for the abuse window
// (PUBLIC_ABUSE_DAYS): older hashes are forgotten, the answers themselves stay.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.ts';
import { SYSTEM } from '../../src/services/access.ts';
import { createRound, openRound } from '../../src/services/rounds.ts';
import { findRoundById } from '../../src/db/repos/rounds.ts';
import { insertCommunity, insertStreet } from '../../src/db/repos/places.ts';
import { insertSurveyResponse } from '../../src/db/repos/surveys.ts';
import { forgetOldAddresses } from '../../src/services/surveys.ts';

let app: TestApp;
beforeAll(async () => (app = await startApp({ demo: false })));
afterAll(() => app.destroy());

it('forgets address hashes older than the window and keeps the answers', () => {
  const { db, criteria } = app.booted;
  const community = insertCommunity(db, insertStreet(db, '东湖街道', null), '幸福社区', null);
  const id = createRound({ db, criteria }, SYSTEM, {
    name: '问卷',
    criteriaVersionId: criteria.getByCode('district-2026-2').id,
    startsOn: '2026-11-01',
    endsOn: '2026-12-31',
    selection: { mode: 'all' },
    methods: ['survey'],
  });
  openRound(db, SYSTEM, id);
  const round = findRoundById(db, id)!;
  const answer = (device: string, at: string) =>
    insertSurveyResponse(db, {
      roundId: id,
      communityId: community,
      questionnaireId: round.questionnaire_id!,
      channel: 'public',
      deviceId: device,
      userId: null,
      startedAt: at,
      submittedAt: at,
      seconds: 90,
      screenedOut: false,
      answers: { Q1: 'know' },
      fingerprint: device,
      flags: [],
      addrHash: `hash-${device}`,
    });
  answer('old', '2026-11-01T02:00:00.000Z'); // 31 days before 'now'
  answer('edge', '2026-11-02T03:00:00.000Z'); // 29 days 23 hours before
  answer('new', '2026-12-01T02:00:00.000Z');
  const now = new Date('2026-12-02T02:00:00.000Z');
  expect(forgetOldAddresses(db, 30, now)).toBe(1);
  const rows = db
    .prepare('SELECT device_id, addr_hash FROM survey_responses WHERE round_id = ? ORDER BY id')
    .all(id);
  expect(rows).toEqual([
    { device_id: 'old', addr_hash: null },
    { device_id: 'edge', addr_hash: 'hash-edge' },
    { device_id: 'new', addr_hash: 'hash-new' },
  ]);
  expect(forgetOldAddresses(db, 30, now)).toBe(0); // nothing left to forget
});
