// Migration 015: the 随手拍 daily limits' queries — as the repository really sends them — are answered
// from an index (SQLite's EXPLAIN QUERY PLAN says SEARCH … USING [COVERING] INDEX, never SCAN), so a
// stranger's post is refused in the same few page reads whether the district holds a hundred reports or
// a million; and the counts stay right on both sides of a Shanghai midnight.
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/connection.ts';
import { migrate } from '../../src/db/migrate.ts';
import {
  countAddressReportsSince,
  countDeviceReportsSince,
  countReportsSince,
  insertReport,
  purgeReportAddressHashes,
} from '../../src/db/repos/reports.ts';
import { shanghaiMidnight } from '../../src/util/time.ts';

let db: Db;
beforeAll(() => {
  db = openDatabase(':memory:');
  migrate(db);
  const link = Number(
    db
      .prepare("INSERT INTO report_links (token, community_id, created_at) VALUES ('t', NULL, ?)")
      .run('2026-09-01T00:00:00.000Z').lastInsertRowid,
  );
  // 30 September 23:59 and 1 October 00:00 and 08:00 in Shanghai, two devices, one address
  const reports: [string, string, string | null][] = [
    ['2026-09-30T15:59:00.000Z', 'dev-a', 'addr-1'],
    ['2026-09-30T16:00:00.000Z', 'dev-a', 'addr-1'],
    ['2026-10-01T00:00:00.000Z', 'dev-b', 'addr-1'],
    ['2026-10-01T00:00:00.000Z', 'dev-b', null],
  ];
  reports.forEach(([createdAt, device, addrHash], i) =>
    insertReport(db, {
      code: `CODE00000${i}`,
      linkId: link,
      communityId: null,
      address: '',
      description: '路灯不亮',
      phone: null,
      phoneUntil: null,
      device,
      addrHash,
      createdAt,
    }),
  );
});

/** The SQL a repository function prepares (captured from the connection it is given). */
function sqlOf(call: (db: Db) => unknown): string {
  const seen: string[] = [];
  const spy = new Proxy(db, {
    get(target, key) {
      if (key === 'prepare')
        return (sql: string) => {
          seen.push(sql);
          return target.prepare(sql);
        };
      const v = Reflect.get(target, key, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  call(spy);
  expect(seen).toHaveLength(1);
  return seen[0]!;
}

/** EXPLAIN QUERY PLAN's lines for that SQL with its parameters. */
function plan(sql: string, ...params: unknown[]): string[] {
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map(
    (r) => r.detail,
  );
}

const today = shanghaiMidnight('2026-10-01');

describe('migration 015: the 随手拍 limits read an index', () => {
  it('counts a device’s reports since midnight through citizen_reports_device', () => {
    const sql = sqlOf((d) => countDeviceReportsSince(d, 'dev-a', today));
    expect(plan(sql, 'dev-a', today)).toEqual([
      'SEARCH citizen_reports USING COVERING INDEX citizen_reports_device (device=? AND created_at>?)',
    ]);
    // 23:59 the day before does not count, midnight does
    expect(countDeviceReportsSince(db, 'dev-a', today)).toBe(1);
    expect(countDeviceReportsSince(db, 'dev-b', today)).toBe(2);
  });

  it('counts an address’s reports since midnight through citizen_reports_addr', () => {
    const sql = sqlOf((d) => countAddressReportsSince(d, 'addr-1', today));
    expect(plan(sql, 'addr-1', today)).toEqual([
      'SEARCH citizen_reports USING COVERING INDEX citizen_reports_addr (addr_hash=? AND created_at>?)',
    ]);
    expect(countAddressReportsSince(db, 'addr-1', today)).toBe(2);
  });

  it('counts the district’s reports since midnight through citizen_reports_created', () => {
    const sql = sqlOf((d) => countReportsSince(d, today));
    expect(plan(sql, today)).toEqual([
      'SEARCH citizen_reports USING COVERING INDEX citizen_reports_created (created_at>?)',
    ]);
    expect(countReportsSince(db, today)).toBe(3);
  });

  it('forgets old address hashes through the address index too, and the limits count what is left', () => {
    let purged = 0;
    const sql = sqlOf((d) => (purged = purgeReportAddressHashes(d, today)));
    expect(plan(sql, today).join('\n')).toMatch(/USING INDEX citizen_reports_addr/);
    expect(purged).toBe(1); // 30 September 23:59's
    expect(countAddressReportsSince(db, 'addr-1', today)).toBe(2);
  });
});
