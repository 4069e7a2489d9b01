// 材料审核 / 网上申报 tasks go out when a round that collects documents opens: one per task standard and
// per place answering it, with its deadline; a task's state and what it counts. Counts are worked out by
// hand from criteria/district-2026-2.json (6 社区 standards, 4 镇街, 4 department, 3 district) and the demo.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connection.ts';
import { openDemoCopy } from '../helpers/demo-world.ts';
import { versionIdOf } from '../helpers/ids.ts';
import { SYSTEM } from '../../src/services/access.ts';
import { CriteriaCache } from '../../src/services/criteria-registry.ts';
import { createRound, openRound } from '../../src/services/rounds.ts';
import { roundTasks } from '../../src/db/repos/document-tasks.ts';
import { findRoundById } from '../../src/db/repos/rounds.ts';
import { countTask, roundMethods, taskState } from '../../src/services/document-tasks.ts';
import { InvalidInput } from '../../src/errors.ts';

let world: { db: Db; close(): void };
let db: Db;
let criteria: CriteriaCache;
beforeAll(() => {
  world = openDemoCopy();
  db = world.db;
  criteria = new CriteriaCache(db);
});
afterAll(() => world.close());

const count = (sql: string, ...args: unknown[]) =>
  db
    .prepare(sql)
    .pluck()
    .get(...args) as number;

function newRound(methods: string[], code = 'district-2026-2'): number {
  return createRound({ db, criteria }, SYSTEM, {
    name: `综合测评 ${methods.join('+')} ${Math.random()}`,
    criteriaVersionId: versionIdOf(db, code),
    startsOn: '2026-12-01',
    endsOn: '2026-12-31',
    selection: { mode: 'all' },
    methods,
  });
}

describe('a round that collects documents', () => {
  it('sends a task per standard and place when it opens, none before', () => {
    const id = newRound(['field', 'document']);
    expect(roundMethods(findRoundById(db, id)!)).toEqual(['field', 'document']);
    expect(roundTasks(db, id)).toEqual([]);
    openRound(db, SYSTEM, id);
    const communities = count(
      `SELECT count(DISTINCT s.community_id) FROM round_sites r JOIN sites s ON s.id = r.site_id
       WHERE r.round_id = ? AND s.community_id IS NOT NULL`,
      id,
    );
    const streets = count(
      'SELECT count(DISTINCT s.street_id) FROM round_sites r JOIN sites s ON s.id = r.site_id WHERE r.round_id = ?',
      id,
    );
    expect(communities).toBeGreaterThan(1);
    const tasks = roundTasks(db, id);
    expect(tasks.filter((t) => t.level === 'community')).toHaveLength(6 * communities);
    expect(tasks.filter((t) => t.level === 'street')).toHaveLength(4 * streets);
    expect(tasks.filter((t) => t.level === 'department').map((t) => t.department)).toEqual([
      '教育局',
      '城管局',
      '市场监管局',
      '公安交警大队',
    ]);
    expect(tasks.filter((t) => t.level === 'district').map((t) => t.standard_code)).toEqual([
      'A01-D1',
      'F01-D1',
      'G03-D1',
    ]);
    // deadlines: a date as written, or the start (12-01) + days
    const due = (code: string) => [
      ...new Set(tasks.filter((t) => t.standard_code === code).map((t) => t.due_on)),
    ];
    expect(due('A01-D1')).toEqual(['2026-12-20']);
    expect(due('A01-D2')).toEqual(['2026-12-21']);
    expect(due('B01-D2')).toEqual(['2026-12-26']);
    expect(tasks.every((t) => t.status === 'pending')).toBe(true);
    // a 社区 task is answered by the 社区's unit (the demo gives each one)
    const c = tasks.find((t) => t.level === 'community')!;
    expect(c.unit_id).toBe(count('SELECT unit_id FROM communities WHERE id = ?', c.community_id));
  });

  it('shows a 社区 without a unit as having none until the office gives it one', () => {
    const id = newRound(['field', 'document']);
    const community = count(
      'SELECT min(community_id) FROM round_sites r JOIN sites s ON s.id = r.site_id WHERE r.round_id = ?',
      id,
    );
    const unit = count('SELECT unit_id FROM communities WHERE id = ?', community);
    db.prepare('UPDATE communities SET unit_id = NULL WHERE id = ?').run(community);
    openRound(db, SYSTEM, id);
    const mine = () => roundTasks(db, id).filter((t) => t.community_id === community);
    expect(mine()).toHaveLength(6);
    expect(mine().every((t) => t.unit_id === null)).toBe(true);
    db.prepare('UPDATE communities SET unit_id = ? WHERE id = ?').run(unit, community);
    expect(mine().every((t) => t.unit_id === unit)).toBe(true);
  });

  it('a field round sends no tasks, and a version without task standards cannot collect documents', () => {
    const id = newRound(['field']);
    openRound(db, SYSTEM, id);
    expect(roundTasks(db, id)).toEqual([]);
    expect(() => newRound(['field', 'document'], 'district-2026')).toThrow(InvalidInput);
    try {
      newRound(['field', 'document'], 'district-2026');
    } catch (e) {
      expect((e as InvalidInput).fields.methods).toContain('没有需要单位提交材料的标准');
    }
    expect(() => newRound([])).toThrow(InvalidInput);
    // 问卷调查 needs a questionnaire: district-2026 has survey standards but none
    expect(() => newRound(['survey'], 'district-2026')).toThrow(
      expect.objectContaining({
        fields: {
          methods:
            '所选测评体系版本还没有调查问卷（criteria/questionnaires/ 中没有与之关联的问卷），不能组织问卷调查',
        },
      }),
    );
    expect(() => newRound(['bogus'])).toThrow(
      expect.objectContaining({ fields: { methods: '只能选择实地考察、材料审核（含网上申报）、问卷调查' } }),
    );
  });

  it('a documents-only round goes to every active 社区 and 镇街, with no sites', () => {
    const id = newRound(['document']);
    expect(count('SELECT count(*) FROM round_sites WHERE round_id = ?', id)).toBe(0);
    openRound(db, SYSTEM, id);
    const tasks = roundTasks(db, id);
    expect(tasks.filter((t) => t.level === 'community')).toHaveLength(
      6 *
        count(
          'SELECT count(*) FROM communities c JOIN streets s ON s.id = c.street_id WHERE c.retired_at IS NULL AND s.retired_at IS NULL',
        ),
    );
    expect(tasks.filter((t) => t.level === 'street')).toHaveLength(
      4 * count('SELECT count(*) FROM streets WHERE retired_at IS NULL'),
    );
  });
});

describe('a task’s state and count', () => {
  const version = () => criteria.getByCode('district-2026-2').criteria;
  const t = (over: Partial<Parameters<typeof countTask>[0]> = {}) => ({
    status: 'pending' as const,
    due_on: '2026-12-20',
    extended_to: null,
    result: null,
    cases: 0,
    ...over,
  });

  it('is 逾期未交 the day after its deadline, or after its extension', () => {
    expect(taskState(t(), '2026-12-20')).toBe('pending');
    expect(taskState(t(), '2026-12-21')).toBe('overdue');
    expect(taskState(t({ extended_to: '2026-12-27' }), '2026-12-21')).toBe('pending');
    expect(taskState(t({ status: 'returned' }), '2026-12-21')).toBe('overdue');
    expect(taskState(t({ status: 'submitted' }), '2027-01-30')).toBe('submitted');
  });

  it('scores like a field answer: 2 missing items of 0.5 each off 2 points, a fail of 合格/不合格, 0 when overdue', () => {
    const v = version();
    const rules = v.version.rules;
    const b01 = v.byCode.get('B01-D1')!; // 2 points, deduction
    expect(b01.points).toBe(2);
    const perCase = b01.scoring.mode === 'deduction' ? b01.scoring.perCase : NaN;
    const scored = countTask(t({ status: 'scored', result: 'fail', cases: 2 }), b01, rules, '2026-12-10');
    expect(scored.kind).toBe('scored');
    if (scored.kind === 'scored') expect(scored.score.earned).toBeCloseTo(Math.max(0, 2 - 2 * perCase), 6);
    const c01 = v.byCode.get('C01-D1')!; // 1 point, 合格/不合格
    const failed = countTask(t({ status: 'scored', result: 'fail', cases: 1 }), c01, rules, '2026-12-10');
    expect(failed.kind === 'scored' && failed.score.earned).toBe(0);
    const ok = countTask(t({ status: 'scored', result: 'ok' }), c01, rules, '2026-12-10');
    expect(ok.kind === 'scored' && ok.score.earned).toBe(1);
    const late = countTask(t(), b01, rules, '2026-12-21');
    expect(late).toEqual({
      kind: 'overdue',
      score: { applicable: true, earned: 0, possible: 2, grade: null, lost: 2 },
    });
    expect(countTask(t({ status: 'submitted' }), b01, rules, '2026-12-21')).toEqual({
      kind: 'provisional',
      possible: 2,
    });
    expect(countTask(t(), b01, rules, '2026-12-20')).toEqual({ kind: 'waiting', possible: 2 });
  });
});
