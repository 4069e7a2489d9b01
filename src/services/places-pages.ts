/**
 * What the office's places pages show: 镇街 and 社区 with their units and 包联 units (and the units that may
 * 包联), the 点位 list with type, place and responsible unit named, and one 点位 to edit — each with the
 * choices its forms offer. Each page is the office's (access.ts: `office.manage`).
 */
import type { Db } from '../db/connection.ts';
import { allLiaisons, listUnits, type UnitRow } from '../db/repos/units.ts';
import {
  findSiteById,
  listCommunities,
  listSites,
  listSiteTypes,
  listStreets,
  type CommunityRow,
  type SiteRow,
  type StreetRow,
} from '../db/repos/places.ts';
import { NotFound } from '../errors.ts';
import { canOrReject, type Actor } from './access.ts';

export interface PlacesPage {
  streets: (StreetRow & { unitName: string })[];
  communities: (CommunityRow & { unitName: string; liaisonIds: number[]; liaisonNames: string[] })[];
  units: UnitRow[];
  /** the units a 社区 row offers as 包联 units */
  liaisonUnits: UnitRow[];
}

export function placesPage(db: Db, actor: Actor): PlacesPage {
  canOrReject(db, actor, 'office.manage', null);
  const units = listUnits(db);
  const unitName = new Map(units.map((u) => [u.id, u.name]));
  const nameOf = (id: number | null) => (id !== null && unitName.get(id)) || '';
  const liaisons = allLiaisons(db);
  const communities = listCommunities(db).map((c) => {
    const mine = liaisons.filter((l) => l.community_id === c.id).map((l) => l.unit_id);
    return { ...c, unitName: nameOf(c.unit_id), liaisonIds: mine, liaisonNames: mine.map(nameOf) };
  });
  // 包联 is done by district leaders' offices and departments, not by the places' own units
  const liaisonUnits = units.filter(
    (u) =>
      (u.kind !== 'community' && u.kind !== 'street' && !u.retired_at) ||
      liaisons.some((l) => l.unit_id === u.id),
  );
  const streets = listStreets(db).map((s) => ({ ...s, unitName: nameOf(s.unit_id) }));
  return { streets, communities, units, liaisonUnits };
}

/** What a 点位 form chooses from. */
export interface SiteChoices {
  types: { code: string; name: string }[];
  streets: StreetRow[];
  communities: CommunityRow[];
  units: UnitRow[];
}

function siteChoices(db: Db): SiteChoices {
  return {
    types: listSiteTypes(db),
    streets: listStreets(db),
    communities: listCommunities(db),
    units: listUnits(db),
  };
}

export interface SiteLine extends SiteRow {
  typeName: string;
  streetName: string;
  communityName: string;
  unitName: string;
}

export function sitesPage(db: Db, actor: Actor): SiteChoices & { sites: SiteLine[] } {
  canOrReject(db, actor, 'office.manage', null);
  const choices = siteChoices(db);
  const typeName = new Map(choices.types.map((t) => [t.code, t.name]));
  const streetName = new Map(choices.streets.map((s) => [s.id, s.name]));
  const communityName = new Map(choices.communities.map((c) => [c.id, c.name]));
  const unitName = new Map(choices.units.map((u) => [u.id, u.name]));
  const sites = listSites(db).map((s) => ({
    ...s,
    typeName: typeName.get(s.site_type) ?? s.site_type,
    streetName: streetName.get(s.street_id) ?? '',
    communityName: (s.community_id !== null && communityName.get(s.community_id)) || '镇街直属',
    unitName: (s.responsible_unit_id !== null && unitName.get(s.responsible_unit_id)) || '',
  }));
  return { ...choices, sites };
}

/** One 点位 to edit, with the choices of its form; 404 when there is no such site. */
export function sitePage(db: Db, actor: Actor, id: number): SiteChoices & { site: SiteRow } {
  canOrReject(db, actor, 'office.manage', null);
  const site = findSiteById(db, id);
  if (!site) throw new NotFound('找不到该点位');
  return { ...siteChoices(db), site };
}

/** The choices of a 点位 form shown again after a refusal (the site itself is what was typed). */
export function siteFormChoices(db: Db, actor: Actor): SiteChoices {
  canOrReject(db, actor, 'office.manage', null);
  return siteChoices(db);
}
