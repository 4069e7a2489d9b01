/**
 * What each results page shows — the rankings, a 镇街, a 社区, a site with its evidence, the weak spots
 * and the rankings workbook — loaded once per request: the round and its previous round are read once,
 * access is asked once (the part of the results the actor may see, or `results.analyse` for the office's
 * analyses), and the page gets the rows it shows, already cut to that part. Routes format and render.
 */
import type { PhotoRow } from '../db/repos/photos.ts';
import { findRoundById } from '../db/repos/rounds.ts';
import { sheetCounts } from '../db/repos/results.ts';
import { siteTypeNames } from '../db/repos/places.ts';
import { findInspection } from '../db/repos/inspections.ts';
import { listInspectionPhotos } from '../db/repos/photos.ts';
import type { IndexedCriteria } from '../criteria/load.ts';
import { siteStandards, type AreaResult, type SiteResult, type StandardResult } from '../scoring/round.ts';
import { Forbidden, NotFound } from '../errors.ts';
import { can, canOrReject, type Actor } from './access.ts';
import {
  canSeeCommunity,
  canSeeSite,
  canSeeStreet,
  resultsScope,
  type ResultsScope,
} from './access-scopes.ts';
import { roundResults, type ResultsCtx, type RoundResultsView } from './results.ts';
import { trendFor, type TrendPoint } from './trends.ts';
import { districtFigures, placeTasks, type DistrictFigures, type PlaceTask } from './results-tasks.ts';

/** What every results page shows above its own part: the round, its results, the rules, the counts. */
export interface ResultsBase extends RoundResultsView {
  /** the part of the results the actor may see */
  scope: ResultsScope;
  criteria: IndexedCriteria;
  /** sheets per status, for the 暂定 / 最终 note */
  sheetCounts: Record<string, number>;
  siteTypeNames: Map<string, string>;
}

/**
 * A unit opening a round whose results are not published yet: the refusal says why, its details say
 * when the unit will see them and where to look meanwhile.
 */
export class ResultsNotPublished extends Forbidden {
  readonly details = [
    '创城办发布本轮结果后，可以在这里查看本单位的排名和红黑榜。',
    '已发布的轮次在“测评轮次”中，本单位的问题在“本单位问题”中。',
  ];
  readonly back = '/rounds';
  constructor() {
    super('本轮结果尚未发布');
  }
}

/** The round (404), the actor's part of it (403), then an analysis's own refusal, then its results (409). */
function open(ctx: ResultsCtx, actor: Actor, roundId: number, analysis?: string): ResultsBase {
  const round = findRoundById(ctx.db, roundId);
  if (!round) throw new NotFound('找不到该测评轮次');
  if (actor.role === 'unit' && actor.unit_id !== null && !can(ctx.db, actor, 'results.read', round))
    throw new ResultsNotPublished();
  const scope = resultsScope(ctx.db, actor, round);
  if (analysis !== undefined) canOrReject(ctx.db, actor, 'results.analyse', round, analysis);
  return {
    ...roundResults(ctx, round),
    scope,
    criteria: ctx.criteria.get(round.criteria_version_id),
    sheetCounts: sheetCounts(ctx.db, round.id),
    siteTypeNames: siteTypeNames(ctx.db),
  };
}

export interface ResultsPage extends ResultsBase {
  /** the 镇街 and 社区 the actor may see, ranked first, then 未排名 */
  streets: AreaResult[];
  communities: AreaResult[];
  /** a unit's own sites; the office reads them on the 镇街 and 社区 pages */
  mySites: SiteResult[];
  /** how many took part in each ranking (a unit's part in context) */
  rankedStreets: number;
  rankedCommunities: number;
}

/** The rankings page: 镇街 and 社区 rankings, 红黑榜, and a unit's own sites. */
export function resultsPage(ctx: ResultsCtx, actor: Actor, roundId: number): ResultsPage {
  const base = open(ctx, actor, roundId);
  const { scope, results } = base;
  return {
    ...base,
    streets: results.streets.filter((s) => canSeeStreet(scope, s.id)),
    communities: results.communities.filter((c) => canSeeCommunity(scope, c.id)),
    mySites: scope.all ? [] : results.sites.filter((s) => canSeeSite(scope, s.id)),
    rankedStreets: results.streets.filter((s) => s.rank !== null).length,
    rankedCommunities: results.communities.filter((c) => c.rank !== null).length,
  };
}

/** Where a 社区's or site's page leads up to: the nearest level the actor may open (null: the rankings). */
export type UpLevel = { kind: 'community' | 'street'; id: number; name: string } | null;

function upLevel(base: ResultsBase, streetId: number | null, communityId: number | null): UpLevel {
  const { scope, results } = base;
  if (communityId !== null && canSeeCommunity(scope, communityId))
    return {
      kind: 'community',
      id: communityId,
      name: results.communities.find((c) => c.id === communityId)?.name ?? '社区',
    };
  if (streetId !== null && canSeeStreet(scope, streetId))
    return { kind: 'street', id: streetId, name: streetName(base, streetId) };
  return null;
}

const streetName = (base: RoundResultsView, id: number) =>
  base.results.streets.find((s) => s.id === id)?.name ?? '';

export interface StreetPage extends ResultsBase {
  street: AreaResult;
  communities: AreaResult[];
  /** sites held directly by the 镇街 */
  direct: SiteResult[];
  trend: TrendPoint[];
  /** the 镇街's own document tasks the actor may read */
  tasks: PlaceTask[];
}

export function streetResultsPage(
  ctx: ResultsCtx,
  actor: Actor,
  roundId: number,
  streetId: number,
): StreetPage {
  const base = open(ctx, actor, roundId);
  const street = base.results.streets.find((s) => s.id === streetId);
  if (!street) throw new NotFound('找不到该镇街');
  if (!canSeeStreet(base.scope, streetId)) throw new Forbidden('您无权查看该镇街的结果');
  return {
    ...base,
    street,
    communities: base.results.communities.filter((c) => c.streetId === streetId),
    direct: base.results.sites.filter((s) => s.streetId === streetId && s.communityId === null),
    trend: trendFor(ctx, actor, base, 'street', streetId),
    tasks: placeTasks(ctx, actor, base, (t) => t.level === 'street' && t.streetId === streetId),
  };
}

export interface CommunityPage extends ResultsBase {
  community: AreaResult;
  streetName: string;
  up: UpLevel;
  sites: SiteResult[];
  trend: TrendPoint[];
  /** the 社区's document tasks the actor may read */
  tasks: PlaceTask[];
}

export function communityResultsPage(
  ctx: ResultsCtx,
  actor: Actor,
  roundId: number,
  communityId: number,
): CommunityPage {
  const base = open(ctx, actor, roundId);
  const community = base.results.communities.find((c) => c.id === communityId);
  if (!community) throw new NotFound('找不到该社区');
  if (!canSeeCommunity(base.scope, communityId)) throw new Forbidden('您无权查看该社区的结果');
  return {
    ...base,
    community,
    streetName: streetName(base, community.streetId ?? 0),
    up: upLevel(base, community.streetId ?? null, null),
    sites: base.results.sites.filter((s) => s.communityId === communityId),
    trend: trendFor(ctx, actor, base, 'community', communityId),
    tasks: placeTasks(ctx, actor, base, (t) => t.level === 'community' && t.communityId === communityId),
  };
}

export interface SitePage extends ResultsBase {
  site: SiteResult;
  /** the site's standard results, in version order */
  standards: StandardResult[];
  up: UpLevel;
  /** where the sheet came from: null for an inspector's, else the imported file's name */
  importedFrom: string | null;
  /** the sheet's photos, by standard code */
  photos: Map<string, PhotoRow[]>;
}

export function siteResultsPage(ctx: ResultsCtx, actor: Actor, roundId: number, siteId: number): SitePage {
  const base = open(ctx, actor, roundId);
  const site = base.results.sites.find((s) => s.id === siteId);
  if (!site) throw new NotFound('找不到该点位');
  if (!canSeeSite(base.scope, siteId)) throw new Forbidden('您无权查看该点位的结果');
  const inspection = findInspection(ctx.db, roundId, siteId);
  const photos = new Map<string, PhotoRow[]>();
  for (const p of inspection ? listInspectionPhotos(ctx.db, inspection.id) : []) {
    const code = p.standard_code ?? '';
    photos.set(code, [...(photos.get(code) ?? []), p]);
  }
  return {
    ...base,
    site,
    standards: siteStandards(base.results, site.id),
    up: upLevel(base, site.streetId, site.communityId),
    importedFrom: inspection?.source.startsWith('import:') ? inspection.source.slice(7) : null,
    photos,
  };
}

/** The weak spots page: the office's (403 with the page's own message for anyone else). */
export function weakSpotsPage(ctx: ResultsCtx, actor: Actor, roundId: number): ResultsBase {
  return open(ctx, actor, roundId, '薄弱环节分析仅供创城办查看');
}

/** The district's total over every method: the office's (403 with the page's own message). */
export function districtPage(ctx: ResultsCtx, actor: Actor, roundId: number): ResultsBase & DistrictFigures {
  const base = open(ctx, actor, roundId, '全区综合得分仅供创城办查看');
  return { ...base, ...districtFigures(base, ctx, actor) };
}

/** What the rankings workbook is built from: the office's (403 with the download's own message). */
export function rankingsData(ctx: ResultsCtx, actor: Actor, roundId: number): ResultsBase {
  return open(ctx, actor, roundId, '排名表仅供创城办下载');
}
