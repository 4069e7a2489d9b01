/** Rounds and assigned sites as pages show them: Chinese names, formatted dates, grouped lists. */
import type { AppDeps } from '../../app.ts';
import type { AssignedSiteRow, RoundRow } from '../../db/repos/rounds.ts';
import { ROUND_STATUS_NAMES, SHEET_STATUS_NAMES } from '../../labels.ts';
import { aggregationText } from './rules.ts';
import { siteTypeNames } from '../../db/repos/places.ts';

export interface RoundView {
  id: number;
  name: string;
  status: RoundRow['status'];
  statusName: string;
  dates: string;
  startsOn: string;
  endsOn: string;
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
    startsOn: round.starts_on,
    endsOn: round.ends_on,
    criteriaName: criteria.name,
    criteriaVersion: criteria.version,
    aggregation: aggregationText(criteria.rules),
    sites: counts.sites,
    assigned: counts.assigned,
  };
}

export interface SiteCard {
  id: number;
  name: string;
  typeName: string;
  href: string;
  state: 'none' | 'draft' | 'submitted' | 'returned' | 'approved';
  stateText: string;
}

export interface SiteGroup {
  street: string;
  communities: { community: string; sites: SiteCard[] }[];
}

export interface SiteProgress {
  status: SiteCard['state'];
  answered: number;
  total: number;
}

/** A site's sheet status in words; a draft with answers also says how far it is. */
export function stateText(p: SiteProgress): string {
  if (p.status === 'draft')
    return p.answered ? `${SHEET_STATUS_NAMES.draft} ${p.answered}/${p.total}` : SHEET_STATUS_NAMES.none;
  return SHEET_STATUS_NAMES[p.status];
}

/** 镇街 → 社区 → sites, keeping the query's order; sites directly under a 镇街 go under 「镇街直属」. */
export function groupAssignedSites(
  deps: AppDeps,
  roundId: number,
  rows: AssignedSiteRow[],
  progress: (siteId: number, siteType: string) => SiteProgress,
): SiteGroup[] {
  const typeNames = siteTypeNames(deps.db);
  const groups: SiteGroup[] = [];
  for (const row of rows) {
    let street = groups.find((g) => g.street === row.street_name);
    if (!street) groups.push((street = { street: row.street_name, communities: [] }));
    const cname = row.community_name ?? '镇街直属';
    let community = street.communities.find((c) => c.community === cname);
    if (!community) street.communities.push((community = { community: cname, sites: [] }));
    const p = progress(row.site_id, row.site_type);
    community.sites.push({
      id: row.site_id,
      name: row.site_name,
      typeName: typeNames.get(row.site_type) ?? row.site_type,
      href: `/rounds/${roundId}/sites/${row.site_id}`,
      state: p.status === 'draft' && !p.answered ? 'none' : p.status,
      stateText: stateText(p),
    });
  }
  return groups;
}

/** How a round chose its sites, in words (the seed is shown so the draw can be repeated). */
export function selectionText(selectionJson: string, typeNames: Map<string, string>): string {
  const s = JSON.parse(selectionJson) as { mode: string; types?: string[]; perType?: number; seed?: number };
  if (s.mode === 'types')
    return `按点位类型：${(s.types ?? []).map((t) => typeNames.get(t) ?? t).join('、')}`;
  if (s.mode === 'sample') return `随机抽样：每类 ${s.perType} 个（随机种子 ${s.seed}）`;
  return '全部在用点位';
}
