/**
 * What the 记录问题 form (/problems/new) shows, read once per request: the sources the actor may record
 * (the office: 督查 or 媒体; a 包联 leader: 督查), the sites grouped by 镇街 / 社区, the 社区, the standards
 * of the criteria version problems are recorded under (grouped by 项目), the units the office may name,
 * and the deadline each source's rule gives today ("5 个工作日，至 2026-12-08"). Refused unless
 * `problem.record`.
 */
import type { Db } from '../db/connection.ts';
import type { OutsideSource } from '../db/repos/problems.ts';
import { listActiveSites, listCommunities, listStreets } from '../db/repos/places.ts';
import { listUnits, type UnitKind } from '../db/repos/units.ts';
import { listRounds } from '../db/repos/rounds.ts';
import { listCriteriaVersions } from '../db/repos/criteria-versions.ts';
import type { CriteriaCache } from './criteria-registry.ts';
import type { IndexedCriteria } from '../criteria/load.ts';
import { UNIT_KIND_GROUP_NAMES } from '../labels.ts';
import { canOrReject, type Actor } from './access.ts';
import { computeDeadline, ruleText, sourceDeadlineRule, type DeadlineRule } from './deadlines.ts';

/** At most this many photos with one problem. */
export const MAX_RECORD_PHOTOS = 6;

export interface RecordCtx {
  db: Db;
  criteria: CriteriaCache;
}

interface Option {
  id: number;
  name: string;
}

export interface RecordPage {
  /** the sources the actor may record, 督查 first */
  sources: OutsideSource[];
  /** the office may name another unit (or none: 待分派) and another deadline rule; a leader may not */
  mayChoose: boolean;
  /** sites grouped by "镇街 / 社区" (a site directly under its 镇街: "镇街 / 镇街直属") */
  siteGroups: { label: string; sites: Option[] }[];
  /** 社区 grouped by 镇街 */
  communityGroups: { label: string; communities: Option[] }[];
  /** the criteria version standards are chosen from, and its standards by 项目 (null: none loaded) */
  version: { id: number; name: string } | null;
  standardGroups: { label: string; standards: { code: string; text: string }[] }[];
  /** units in use by kind (for the office only) */
  unitGroups: { label: string; units: Option[] }[];
  /** each source's rule and the deadline it gives if recorded now */
  rules: Record<OutsideSource, { rule: DeadlineRule; text: string; deadline: string }>;
  maxPhotos: number;
}

/**
 * The criteria version problems from outside rounds are recorded under: the one of the newest open or
 * published round (by its start date), else the version loaded last (null: none loaded).
 */
export function recordingVersionId(db: Db): number | null {
  const rounds = listRounds(db)
    .filter((r) => r.status === 'open' || r.status === 'published')
    .sort((a, b) => b.starts_on.localeCompare(a.starts_on) || b.id - a.id);
  if (rounds[0]) return rounds[0].criteria_version_id;
  return listCriteriaVersions(db).at(-1)?.id ?? null;
}

/** Shorter text for a select's option (a standard's text can run to 400 characters). */
const short = (s: string, max = 48) => (s.length > max ? `${s.slice(0, max)}…` : s);

function standardGroups(version: IndexedCriteria): RecordPage['standardGroups'] {
  const groups = new Map<string, RecordPage['standardGroups'][number]>();
  for (const s of version.standards) {
    const label = `${s.item.code} ${s.item.name}`;
    let g = groups.get(label);
    if (!g) groups.set(label, (g = { label, standards: [] }));
    g.standards.push({ code: s.code, text: `${s.code} ${short(s.text)}` });
  }
  return [...groups.values()];
}

const KIND_ORDER: UnitKind[] = ['community', 'street', 'department', 'district', 'other'];

export function recordPage(ctx: RecordCtx, actor: Actor): RecordPage {
  const { db } = ctx;
  canOrReject(db, actor, 'problem.record', null);
  const mayChoose = actor.role === 'office' || actor.role === 'system';
  const streets = listStreets(db).filter((s) => !s.retired_at);
  const communities = listCommunities(db).filter((c) => !c.retired_at);
  const sites = listActiveSites(db);
  const siteGroups: RecordPage['siteGroups'] = [];
  const communityGroups: RecordPage['communityGroups'] = [];
  for (const street of streets) {
    const own = communities.filter((c) => c.street_id === street.id);
    communityGroups.push({ label: street.name, communities: own.map((c) => ({ id: c.id, name: c.name })) });
    for (const c of [...own, null]) {
      const list = sites.filter((s) => s.street_id === street.id && s.community_id === (c?.id ?? null));
      if (list.length)
        siteGroups.push({
          label: `${street.name} / ${c?.name ?? '镇街直属'}`,
          sites: list.map((s) => ({ id: s.id, name: s.name })),
        });
    }
  }
  const versionId = recordingVersionId(db);
  const version = versionId === null ? null : ctx.criteria.get(versionId);
  const units = listUnits(db).filter((u) => !u.retired_at);
  const sources: OutsideSource[] = mayChoose ? ['inspection', 'media'] : ['inspection'];
  const rules = {} as RecordPage['rules'];
  for (const source of ['inspection', 'media'] as const) {
    const rule = sourceDeadlineRule(db, source);
    const d = computeDeadline(db, rule);
    rules[source] = { rule, text: ruleText(rule), deadline: d.time ? `${d.deadline} ${d.time}` : d.deadline };
  }
  return {
    sources,
    mayChoose,
    siteGroups,
    communityGroups: communityGroups.filter((g) => g.communities.length),
    version: version && versionId !== null ? { id: versionId, name: version.version.name } : null,
    standardGroups: version ? standardGroups(version) : [],
    unitGroups: mayChoose
      ? KIND_ORDER.map((kind) => ({
          label: UNIT_KIND_GROUP_NAMES[kind],
          units: units.filter((u) => u.kind === kind).map((u) => ({ id: u.id, name: u.name })),
        })).filter((g) => g.units.length)
      : [],
    rules,
    maxPhotos: MAX_RECORD_PHOTOS,
  };
}
