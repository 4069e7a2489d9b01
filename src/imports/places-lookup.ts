/**
 * Resolving the names office staff type (镇街, 社区, 点位类型, 单位) to rows, for the imports, and the
 * same names as the templates' dropdowns.
 */
import type { Db } from '../db/connection.ts';
import { listCommunities, listSiteTypes, listStreets } from '../db/repos/places.ts';
import { listUnits } from '../db/repos/units.ts';

export interface PlaceIndex {
  street(name: string): number | undefined;
  community(streetId: number, name: string): number | undefined;
  siteType(nameOrCode: string): string | undefined;
  unit(codeOrName: string): number | undefined;
}

export function placeIndex(db: Db): PlaceIndex {
  const streets = listStreets(db).filter((s) => !s.retired_at);
  const communities = listCommunities(db).filter((c) => !c.retired_at);
  const types = listSiteTypes(db);
  const units = listUnits(db).filter((u) => !u.retired_at);
  return {
    street: (name) => streets.find((s) => s.name === name)?.id,
    community: (streetId, name) => communities.find((c) => c.street_id === streetId && c.name === name)?.id,
    siteType: (v) => types.find((t) => t.name === v || t.code === v)?.code,
    unit: (v) => (units.find((u) => u.code === v) ?? units.find((u) => u.name === v))?.id,
  };
}

export interface PlaceChoices {
  streets: string[];
  /** every current 社区 name once (the import checks it belongs to the row's 镇街) */
  communities: string[];
  siteTypes: string[];
  unitNames: string[];
  unitCodes: string[];
}

/** Today's names, for dropdowns: what placeIndex accepts, by name. */
export function placeChoices(db: Db): PlaceChoices {
  const units = listUnits(db).filter((u) => !u.retired_at);
  return {
    streets: listStreets(db)
      .filter((s) => !s.retired_at)
      .map((s) => s.name),
    communities: [
      ...new Set(
        listCommunities(db)
          .filter((c) => !c.retired_at)
          .map((c) => c.name),
      ),
    ],
    siteTypes: listSiteTypes(db).map((t) => t.name),
    unitNames: units.map((u) => u.name),
    unitCodes: units.map((u) => u.code),
  };
}
