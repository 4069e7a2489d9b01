/**
 * What the office's people pages show: the 责任单位 tree (each unit with its depth, its kind's name and
 * the 社区 it 包联, ticked by 镇街) and the user accounts (with their unit and home 镇街, and the units and
 * 镇街 to choose from; a 包联 leader chooses among the 包联 units). Each page is the office's (access.ts: `office.manage`); everything is read once.
 */
import type { Db } from '../db/connection.ts';
import { allLiaisons, listUnits, type UnitKind, type UnitRow } from '../db/repos/units.ts';
import { listUsers, type UserRow } from '../db/repos/users.ts';
import { listCommunities, listStreets, type StreetRow } from '../db/repos/places.ts';
import { UNIT_KIND_NAMES } from '../labels.ts';
import { canOrReject, type Actor } from './access.ts';
import { isLiaisonUnit, LIAISON_KINDS } from './accounts.ts';

export interface UnitLine extends UnitRow {
  /** how deep in the tree (0: a top unit) */
  depth: number;
  kindName: string;
  /** whether the row offers the 包联 checkboxes */
  liaises: boolean;
  liaisonIds: number[];
  liaisonNames: string[];
}

export interface UnitsPage {
  /** the tree in order, each unit after its parent */
  units: UnitLine[];
  /** every unit, to choose a parent from */
  all: UnitRow[];
  kinds: Record<UnitKind, string>;
  /** active 镇街 with their active 社区, for the 包联 checkboxes */
  streets: { id: number; name: string; communities: { id: number; name: string }[] }[];
}

export function unitsPage(db: Db, actor: Actor): UnitsPage {
  canOrReject(db, actor, 'office.manage', null);
  const units = listUnits(db);
  const allCommunities = listCommunities(db);
  const communityName = new Map(allCommunities.map((c) => [c.id, c.name]));
  const liaisons = allLiaisons(db);
  const ordered: UnitLine[] = [];
  const visit = (parent: number | null, depth: number) => {
    for (const u of units.filter((x) => x.parent_id === parent)) {
      const mine = liaisons.filter((l) => l.unit_id === u.id).map((l) => l.community_id);
      ordered.push({
        ...u,
        depth,
        kindName: UNIT_KIND_NAMES[u.kind],
        liaises: LIAISON_KINDS.has(u.kind) || mine.length > 0,
        liaisonIds: mine,
        liaisonNames: mine.map((id) => communityName.get(id) ?? ''),
      });
      visit(u.id, depth + 1);
    }
  };
  visit(null, 0);
  const communities = allCommunities.filter((c) => !c.retired_at);
  const streets = listStreets(db)
    .filter((s) => !s.retired_at)
    .map((s) => ({
      id: s.id,
      name: s.name,
      communities: communities.filter((c) => c.street_id === s.id).map((c) => ({ id: c.id, name: c.name })),
    }))
    .filter((s) => s.communities.length > 0);
  return { units: ordered, all: units, kinds: UNIT_KIND_NAMES, streets };
}

/** A user as the users page lists them (never the password hash). */
export type UserLine = Omit<UserRow, 'password_hash'> & { unitName: string; homeName: string };

export interface UsersPage {
  users: UserLine[];
  /** to choose a user's unit and home 镇街 from */
  units: UnitRow[];
  /** the 包联 units, a 包联 leader's to choose from (the others: a unit account's) */
  liaisonUnitIds: Set<number>;
  streets: StreetRow[];
}

export function usersPage(db: Db, actor: Actor): UsersPage {
  canOrReject(db, actor, 'office.manage', null);
  const units = listUnits(db);
  const streets = listStreets(db);
  const unitName = new Map(units.map((u) => [u.id, u.name]));
  const streetName = new Map(streets.map((s) => [s.id, s.name]));
  const users = listUsers(db).map(({ password_hash: _hash, ...u }) => ({
    ...u,
    unitName: (u.unit_id !== null && unitName.get(u.unit_id)) || '',
    homeName: (u.home_street_id !== null && streetName.get(u.home_street_id)) || '',
  }));
  const liaisonUnitIds = new Set(units.filter((u) => isLiaisonUnit(db, u)).map((u) => u.id));
  return { users, units, liaisonUnitIds, streets };
}
