/** Rounds and assigned sites as pages show them: Chinese names, formatted dates, grouped lists. */
import type { AppDeps } from '../../app.ts';
import type { AssignedSiteRow, RoundRow } from '../../db/repos/rounds.ts';
import { ROUND_STATUS_NAMES } from './labels.ts';
import { siteTypeNames } from '../../db/repos/places.ts';

export interface RoundView {
  id: number;
  name: string;
  status: RoundRow['status'];
  statusName: string;
  dates: string;
  criteriaName: string;
  criteriaVersion: string;
  aggregation: string;
  sites: number;
  assigned: number;
}

export function presentRound(
  deps: AppDeps,
  round: RoundRow,
  counts: { sites: number; assigned: number },
): RoundView {
  const criteria = deps.criteria.get(round.criteria_version_id).version;
  return {
    id: round.id,
    name: round.name,
    status: round.status,
    statusName: ROUND_STATUS_NAMES[round.status],
    dates: `${round.starts_on} 至 ${round.ends_on}`,
    criteriaName: criteria.name,
    criteriaVersion: criteria.version,
    aggregation: criteria.rules.aggregation === 'pooled' ? '汇总得分计算（Σ得分 ÷ Σ应得分）' : '得分率平均',
    sites: counts.sites,
    assigned: counts.assigned,
  };
}

export interface SiteGroup {
  street: string;
  communities: { community: string; sites: { id: number; name: string; typeName: string }[] }[];
}

/** 镇街 → 社区 → sites, keeping the query's order; sites directly under a 镇街 go under 「镇街直属」. */
export function groupAssignedSites(deps: AppDeps, rows: AssignedSiteRow[]): SiteGroup[] {
  const typeNames = siteTypeNames(deps.db);
  const groups: SiteGroup[] = [];
  for (const row of rows) {
    let street = groups.find((g) => g.street === row.street_name);
    if (!street) groups.push((street = { street: row.street_name, communities: [] }));
    const cname = row.community_name ?? '镇街直属';
    let community = street.communities.find((c) => c.community === cname);
    if (!community) street.communities.push((community = { community: cname, sites: [] }));
    community.sites.push({
      id: row.site_id,
      name: row.site_name,
      typeName: typeNames.get(row.site_type) ?? row.site_type,
    });
  }
  return groups;
}
