// Migration 017 adds sheet_packs (each counted sheet's answers packed, db/repos/sheet-packs.ts). On the demo
// district's database taken back to 016 (the table dropped and the migration forgotten), with its rounds,
// sheets and answers: the migration applies alone, and every round's results — read from packs rebuilt on
// the first view, then from the stored packs — are exactly what computeRound gives from the answers.
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.ts';
import { CriteriaCache } from '../../src/services/criteria-registry.ts';
import { clearResultsCache, referenceResults, resultsFor } from '../../src/services/results.ts';
import { SYSTEM } from '../../src/services/access.ts';
import { findRoundById } from '../../src/db/repos/rounds.ts';
import { siteStandards, type RoundResults, type SiteWithStandards } from '../../src/scoring/round.ts';
import { openDemoCopy } from '../helpers/demo-world.ts';

const demo = openDemoCopy();
afterAll(() => demo.close());

/** the reference's results without the standards it keeps on each site (flat results make them on demand) */
const withoutStandards = (r: RoundResults): RoundResults => ({
  ...r,
  sites: r.sites.map((s) => {
    const { standards: _, ...site } = s as SiteWithStandards;
    return site;
  }),
});

describe('migration 017: sheet packs', () => {
  it('applies to a database at 016 with rounds and answers, and leaves every ranking as it was', () => {
    const { db } = demo;
    db.exec(`DROP TABLE sheet_packs; DELETE FROM schema_migrations WHERE name = '017_sheet_packs.sql'`);
    const ctx = { db, criteria: new CriteriaCache(db) };
    const rounds = db
      .prepare("SELECT id FROM rounds WHERE status <> 'draft' ORDER BY id")
      .pluck()
      .all() as number[];
    expect(rounds.length).toBeGreaterThanOrEqual(2);
    const sheets = db
      .prepare(
        `SELECT count(*) FROM inspections i JOIN rounds r ON r.id = i.round_id
         WHERE i.status = 'approved' OR (i.status = 'submitted' AND r.status = 'open')`,
      )
      .pluck()
      .get() as number;
    expect(sheets).toBeGreaterThan(0);
    const expected = new Map(rounds.map((id) => [id, referenceResults(ctx, findRoundById(db, id)!)]));

    expect(migrate(db)).toEqual(['017_sheet_packs.sql']);
    expect(db.prepare('SELECT count(*) FROM sheet_packs').pluck().get()).toBe(0);
    for (const pass of ['packs rebuilt', 'packs stored']) {
      for (const id of rounds) {
        clearResultsCache(db);
        const { results } = resultsFor(ctx, SYSTEM, id);
        const reference = expected.get(id)!;
        expect(results, `${pass}, round ${id}`).toEqual(withoutStandards(reference));
        for (const site of reference.sites)
          expect(siteStandards(results, site.id)).toEqual((site as SiteWithStandards).standards);
      }
      // every counted sheet has its pack, and no other
      expect(db.prepare('SELECT count(*) FROM sheet_packs').pluck().get()).toBe(sheets);
    }
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });
});
