/**
 * What an actor may list, beside the rules in access.ts for opening one thing: the rounds they see,
 * the 镇街, 社区 and sites of a round's results, the problems on their board. A unit sees, once the
 * round is published, the places it answers for — its own subtree's 居委会, 街道办 or responsible-unit
 * sites — and the 社区 it 包联s; a 包联 leader the 社区 their unit 包联s.
 */
import type { Db } from '../db/connection.ts';
import type { RoundRow } from '../db/repos/rounds.ts';
import type { ProblemFilter } from '../db/repos/problems.ts';
import { findRoundById, listRounds } from '../db/repos/rounds.ts';
import { NotFound } from '../errors.ts';
import { listCommunities, listStreets } from '../db/repos/places.ts';
import { liaisonCommunityIds, unitSubtreeIds } from '../db/repos/units.ts';
import { includedSites } from '../db/repos/results.ts';
import { can, canOrReject, type Actor } from './access.ts';

export function roundsVisibleTo(db: Db, actor: Actor): RoundRow[] {
  return listRounds(db).filter((r) => can(db, actor, 'round.read', r));
}

export interface ResultsScope {
  all: boolean;
  streets: Set<number>;
  communities: Set<number>;
  sites: Set<number>;
}

/** The parts of a round's results the actor may see (403 when they may see none of it). */
export function resultsScope(db: Db, actor: Actor, round: RoundRow): ResultsScope {
  canOrReject(db, actor, 'results.read', round);
  if (actor.role === 'office' || actor.role === 'system')
    return { all: true, streets: new Set(), communities: new Set(), sites: new Set() };
  const sites = includedSites(db, round.id);
  if (actor.role === 'leader') {
    const communities = new Set(actor.unit_id === null ? [] : liaisonCommunityIds(db, [actor.unit_id]));
    return {
      all: false,
      streets: new Set(),
      communities,
      sites: new Set(
        sites.filter((s) => s.community_id !== null && communities.has(s.community_id)).map((s) => s.id),
      ),
    };
  }
  const mine = new Set(actor.unit_id === null ? [] : unitSubtreeIds(db, actor.unit_id));
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
  return {
    all: false,
    streets,
    communities,
    sites: new Set(
      sites
        .filter(
          (s) =>
            streets.has(s.street_id) ||
            (s.community_id !== null && communities.has(s.community_id)) ||
            (s.responsible_unit_id !== null && mine.has(s.responsible_unit_id)),
        )
        .map((s) => s.id),
    ),
  };
}

export const canSeeStreet = (s: ResultsScope, id: number) => s.all || s.streets.has(id);
export const canSeeCommunity = (s: ResultsScope, id: number) => s.all || s.communities.has(id);
export const canSeeSite = (s: ResultsScope, id: number) => s.all || s.sites.has(id);

/**
 * The problems on the actor's board: the office all, a unit its own subtree's, an inspector those of
 * sites assigned to them and those given them for 复查, a leader those in the 社区 their unit 包联s and
 * those they recorded.
 */
export function problemListScope(
  db: Db,
  actor: Actor,
): Pick<ProblemFilter, 'unitIds' | 'inspectorId' | 'communityIds' | 'recordedBy'> {
  canOrReject(db, actor, 'problem.list', null);
  if (actor.role === 'unit')
    return { unitIds: actor.unit_id === null ? [] : unitSubtreeIds(db, actor.unit_id) };
  if (actor.role === 'inspector') return { inspectorId: actor.id };
  if (actor.role === 'leader')
    return {
      communityIds: actor.unit_id === null ? [] : liaisonCommunityIds(db, [actor.unit_id]),
      recordedBy: actor.id,
    };
  return {};
}

/** A round the actor may see: 404 when there is none, 403 when it is not theirs to see. */
export function readableRound(db: Db, actor: Actor, id: number): RoundRow {
  const round = findRoundById(db, id);
  if (!round) throw new NotFound('找不到该测评轮次');
  canOrReject(db, actor, 'round.read', round);
  return round;
}
