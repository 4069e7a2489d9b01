/**
 * Who may see which round: the office sees all; an inspector sees open rounds in which they have
 * sites; a unit sees published rounds. One rule set, used by every page that lists or opens a round.
 */
import type { Db } from '../db/connection.ts';
import type { UserRow } from '../db/repos/users.ts';
import { findRoundById, inspectorHasSites, listRounds, type RoundRow } from '../db/repos/rounds.ts';
import { Forbidden, NotFound } from '../errors.ts';

export function canSeeRound(db: Db, user: UserRow, round: RoundRow): boolean {
  if (user.role === 'office') return true;
  if (user.role === 'inspector') return round.status === 'open' && inspectorHasSites(db, round.id, user.id);
  return round.status === 'published';
}

export function roundsVisibleTo(db: Db, user: UserRow): RoundRow[] {
  return listRounds(db).filter((r) => canSeeRound(db, user, r));
}

export function roundForUser(db: Db, user: UserRow, id: number): RoundRow {
  const round = findRoundById(db, id);
  if (!round) throw new NotFound('找不到该测评轮次');
  if (!canSeeRound(db, user, round)) throw new Forbidden('您无权查看该测评轮次');
  return round;
}
