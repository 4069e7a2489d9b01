/**
 * What of a round's results a user may see: the office everything (once the round has started); a
 * unit, once the round is published, the 社区 and sites it answers for — its own subtree's 居委会,
 * 街道办 or responsible-unit sites — and the 社区 it 包联s. Inspectors see no rankings.
 */
import type { Db } from '../db/connection.ts';
import type { UserRow } from '../db/repos/users.ts';
import type { RoundRow } from '../db/repos/rounds.ts';
import { listCommunities, listStreets } from '../db/repos/places.ts';
import { liaisonCommunityIds, unitSubtreeIds } from '../db/repos/units.ts';
import { includedSites } from '../db/repos/results.ts';
import { Forbidden } from '../errors.ts';

export interface ResultsScope {
  all: boolean;
  streets: Set<number>;
  communities: Set<number>;
  sites: Set<number>;
}

export function resultsScope(db: Db, user: UserRow, round: RoundRow): ResultsScope {
  if (user.role === 'office')
    return { all: true, streets: new Set(), communities: new Set(), sites: new Set() };
  if (user.role !== 'unit' || user.unit_id === null)
    throw new Forbidden('只有创城办和责任单位可以查看测评结果');
  if (round.status !== 'published') throw new Forbidden('本轮结果尚未发布');
  const mine = new Set(unitSubtreeIds(db, user.unit_id));
  const streets = new Set(
    listStreets(db)
      .filter((s) => s.unit_id !== null && mine.has(s.unit_id))
      .map((s) => s.id),
  );
  const communities = new Set(
    listCommunities(db)
      .filter((c) => streets.has(c.street_id) || (c.unit_id !== null && mine.has(c.unit_id)))
      .map((c) => c.id),
  );
  for (const id of liaisonCommunityIds(db, [...mine])) communities.add(id);
  const sites = new Set(
    includedSites(db, round.id)
      .filter(
        (s) =>
          streets.has(s.street_id) ||
          (s.community_id !== null && communities.has(s.community_id)) ||
          (s.responsible_unit_id !== null && mine.has(s.responsible_unit_id)),
      )
      .map((s) => s.id),
  );
  return { all: false, streets, communities, sites };
}

export const canSeeStreet = (s: ResultsScope, id: number) => s.all || s.streets.has(id);
export const canSeeCommunity = (s: ResultsScope, id: number) => s.all || s.communities.has(id);
export const canSeeSite = (s: ResultsScope, id: number) => s.all || s.sites.has(id);
