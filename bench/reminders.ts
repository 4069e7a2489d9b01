/**
 * The `reminders` phase of `npm run bench` (#21): a day's reminders at city scale while tablets autosave.
 *
 * prepareReminders starts the receivers (bench/reminders-receiver.ts, a process of their own: one HTTP
 * server answering every robot at once, one SMTP server) and adds to the city (bench/city.ts), through
 * the app's services as the SYSTEM actor or the office: every 社区's 居委会 (300) and 20 包联 units of 8
 * 社区 each get a 负责人 and a 联络员 with e-mail addresses and a group robot on the receiver (企业微信 and
 * 钉钉 in turn, every other 钉钉 signed); each 居委会 gets 20 open 督查 problems (6,000) whose deadlines
 * make the day hold every kind of reminder composeDue sends for problems — 3 new since yesterday's digest
 * (the digest), 3 due tomorrow (due_soon), 3 overdue by 1–3 days (overdue), 3 more overdue by 4–6 days
 * (with the 3-days-overdue one: copied to the 社区's 包联 unit), 8 due later — and every tenth 居委会 a
 * fix 退回 yesterday or an extension refused yesterday. The day is Wednesday 2026-12-09 from 08:00
 * (the default digest hour), outside the default quiet hours.
 *
 * bench/reminders-measure.ts runs the day in the server and the autosave load beside it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { atomically, databaseFile, openDatabase } from '../src/db/connection.ts';
import { addProblemEvent, findProblem, updateProblem } from '../src/db/repos/problems.ts';
import { findUserByUsername } from '../src/db/repos/users.ts';
import { raiseOutsideProblem } from '../src/services/outside-problems.ts';
import { createUnit, linkLiaison } from '../src/services/units.ts';
import { saveUnitContacts } from '../src/services/unit-contacts.ts';
import { transition } from '../src/services/problems.ts';
import { decideRequest } from '../src/services/problem-requests.ts';
import { SYSTEM } from '../src/services/access.ts';
import { addDays } from '../src/util/time.ts';
import { setClock } from '../src/util/clock.ts';
import { robotSecret, sha1 } from './reminders-receiver.ts';
import type { City } from './city.ts';

/** the day: 08:00 in Shanghai, the default digest hour */
export const DAY = '2026-12-09';
export const DAY_START = `${DAY}T00:00:00.000Z`;
const LIAISON_COMMUNITIES = 8;

export interface PreparedReminders {
  /** for the server child: SMTP_URL on the receiver, reminders' own timer off */
  env: Record<string, string>;
  receiverBase: string;
  units: number;
  problems: number;
  liaisonUnits: number;
  /** reminders (not deliveries) each event should bring today */
  expected: Record<string, number>;
  close: () => Promise<void>;
}

async function startReceivers(): Promise<{ child: ChildProcess; http: number; smtp: number }> {
  const script = fileURLToPath(new URL('./reminders-receiver.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [http, smtp] = await new Promise<number[]>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\d+) (\d+)/.exec(out);
      if (m) resolve([Number(m[1]), Number(m[2])]);
    });
    child.once('exit', (code) => reject(new Error(`receivers exited with ${code}`)));
  });
  return { child, http: http!, smtp: smtp! };
}

/** Shanghai wall time on a day, as the ISO instant the app's clock is set to. */
const at = (day: string, hh: number, mm = 0) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + ((hh - 8) * 60 + mm) * 60_000).toISOString();

const WHAT = [
  '占道经营',
  '乱堆乱放',
  '垃圾未清运',
  '车辆乱停',
  '广告乱贴',
  '绿化带破损',
  '井盖缺失',
  '墙面污损',
];

/** The 20 problems of a 居委会: [kind, deadline in days from the day, the day it was raised]. */
const PLAN: [kind: string, offset: number, raised: string][] = [
  ...[0, 1, 2].map((): [string, number, string] => ['new', 7, addDays(DAY, -1)]),
  ...[0, 1, 2].map((): [string, number, string] => ['due', 1, '2026-11-25']),
  ...[1, 2, 3].map((d): [string, number, string] => ['overdue', -d, '2026-11-25']),
  ...[4, 5, 6].map((d): [string, number, string] => ['escalated', -d, '2026-11-20']),
  ...[10, 11, 12, 13, 14, 15, 16, 17].map((d): [string, number, string] => ['later', d, '2026-11-30']),
];

export async function prepareReminders(city: City): Promise<PreparedReminders> {
  const receivers = await startReceivers();
  const robotBase = `http://127.0.0.1:${receivers.http}`;
  const db = openDatabase(databaseFile(city.config.dataDir));
  const expected: Record<string, number> = {};
  const expect = (event: string, n = 1) => (expected[event] = (expected[event] ?? 0) + n);
  let problems = 0;
  let robots = 0;
  try {
    const office = findUserByUsername(db, 'office')!;
    const communities = db
      .prepare('SELECT id, unit_id FROM communities WHERE unit_id IS NOT NULL ORDER BY id')
      .all() as { id: number; unit_id: number }[];
    const sitesOf = db.prepare('SELECT id FROM sites WHERE community_id = ? ORDER BY id').pluck();
    const liaisonUnits = Math.round(communities.length / 15);
    const channels = (unitId: number) => {
      const n = robots++;
      const kind = n % 2 === 0 ? 'wecom' : 'dingtalk';
      const token = sha1(`bench-${unitId}`);
      const signed = n % 4 === 3;
      saveUnitContacts(db, SYSTEM, unitId, {
        'head.name': '张主任',
        'head.mobile': `139${String(10_000_000 + unitId).slice(-8)}`,
        'head.email': `head${unitId}@bench.example.cn`,
        'liaison.name': '李联络',
        'liaison.mobile': `138${String(10_000_000 + unitId).slice(-8)}`,
        'liaison.email': `liaison${unitId}@bench.example.cn`,
        'robot.kind': kind,
        'robot.webhook':
          kind === 'wecom'
            ? `${robotBase}/cgi-bin/webhook/send?key=${token}`
            : `${robotBase}/robot/send?access_token=${token}`,
        'robot.secret': signed ? robotSecret(token) : '',
      });
    };
    atomically(db, () => {
      for (let i = 0; i < liaisonUnits; i++) {
        const unit = createUnit(db, SYSTEM, {
          code: `BL${i + 1}`,
          name: `区第${i + 1}包联单位`,
          kind: 'other',
        });
        channels(unit);
        for (const c of communities.slice(i * LIAISON_COMMUNITIES, (i + 1) * LIAISON_COMMUNITIES)) {
          linkLiaison(db, SYSTEM, c.id, unit);
          // the 3-days-overdue problem and the three overdue longer
          expect('escalation', 4);
        }
      }
      for (const [n, c] of communities.entries()) {
        channels(c.unit_id);
        const sites = sitesOf.all(c.id) as number[];
        const ids: number[] = [];
        for (const [k, [kind, offset, raised]] of PLAN.entries()) {
          const raisedAt = kind === 'new' ? at(raised, 15, k) : at(raised, 9, k);
          setClock(raisedAt);
          const deadline = addDays(DAY, offset);
          ids.push(
            raiseOutsideProblem(
              db,
              {
                source: 'inspection',
                siteId: sites[k % sites.length] ?? null,
                communityId: c.id,
                description: `督查发现${WHAT[(n + k) % WHAT.length]}（第 ${k + 1} 处）`,
                unitId: c.unit_id,
                deadline: {
                  deadline,
                  time: null,
                  rule: 'calendar',
                  amount: Math.round((Date.parse(deadline) - Date.parse(raised)) / 86_400_000),
                  unknownYears: [],
                },
                recordedBy: office.id,
              },
              office.id,
            ),
          );
          problems++;
          if (kind === 'due') expect('due_soon');
          if (kind === 'overdue') expect('overdue');
        }
        expect('digest');
        if (n % 10 === 0) {
          // a fix reported the day before yesterday and sent back yesterday
          const steps = [
            [-2, 16, 'fix', 'fixed', { fixed_by: office.id }, '已整改'],
            [-1, 10, 'reject', 'open', { fixed_at: null }, '仍有占道'],
          ] as const;
          for (const [days, hour, action, to, fields, note] of steps) {
            setClock(at(addDays(DAY, days), hour));
            transition(db, findProblem(db, ids[12]!)!, office, action, to, fields, note);
          }
          expect('fix_returned');
        }
        if (n % 10 === 5) {
          // an extension asked the day before yesterday and refused yesterday
          setClock(at(addDays(DAY, -2), 16));
          const id = ids[13]!;
          updateProblem(db, id, {
            request: 'extension',
            request_note: '材料未到',
            request_deadline: addDays(DAY, 30),
          });
          addProblemEvent(db, {
            problemId: id,
            userId: null,
            action: 'request_extension',
            from: 'open',
            to: 'open',
          });
          setClock(at(addDays(DAY, -1), 11));
          decideRequest({ db, uploadDir: city.config.uploadDir }, office, id, {
            approve: '0',
            note: '现场已具备整改条件',
          });
          expect('request_decided');
        }
      }
    });
    setClock(null);
    db.pragma('wal_checkpoint(TRUNCATE)');
    return {
      env: { SMTP_URL: `smtp://127.0.0.1:${receivers.smtp}`, REMINDERS: '0' },
      receiverBase: robotBase,
      units: communities.length,
      problems,
      liaisonUnits,
      expected,
      close: async () => {
        receivers.child.kill('SIGTERM');
        await new Promise((r) => receivers.child.once('exit', r));
      },
    };
  } finally {
    setClock(null);
    db.close();
  }
}
