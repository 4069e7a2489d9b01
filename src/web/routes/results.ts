/**
 * Results pages: 镇街 and 社区 rankings with red/black lists and movement, drill-down 镇街 → 社区 →
 * site → each standard's answer and photos (so every number can be traced to its evidence), weak spots
 * and trends as server-rendered charts, and the rankings workbook.
 */
import { Router, type Response } from 'express';
import type { AppDeps } from '../../app.ts';
import { currentUser } from '../middleware/auth.ts';
import { idParam } from '../params.ts';
import { attachment } from '../download.ts';
import { resultsFor, type RoundResultsView } from '../../services/results.ts';
import {
  canSeeCommunity,
  canSeeSite,
  canSeeStreet,
  resultsScope,
  type ResultsScope,
} from '../../services/access-scopes.ts';
import { trendFor } from '../../services/trends.ts';
import { findRoundById } from '../../db/repos/rounds.ts';
import { sheetCounts } from '../../db/repos/results.ts';
import { siteTypeNames } from '../../db/repos/places.ts';
import { findInspection } from '../../db/repos/inspections.ts';
import { listInspectionPhotos } from '../../db/repos/photos.ts';
import { Forbidden, NotFound } from '../../errors.ts';
import { points, presentArea, presentSite, type AreaRow } from '../presenters/results.ts';
import { NA_RULE_TEXT, aggregationText, rankingText } from '../presenters/rules.ts';
import { presentPhoto } from '../presenters/sheet.ts';
import { barChart, rateLineChart } from '../../charts/svg.ts';
import { rankingsWorkbook } from '../../export/rankings.ts';
import { formatRate } from '../../scoring/standard.ts';
import { RESULT_NAMES, ROUND_STATUS_NAMES } from '../../labels.ts';

export function resultsRouter(deps: AppDeps): Router {
  const r = Router();
  const ctx = { db: deps.db, criteria: deps.criteria };

  function load(res: Response, roundParam: unknown) {
    const user = currentUser(res);
    const round = findRoundById(deps.db, idParam(roundParam, '测评轮次'));
    if (!round) throw new NotFound('找不到该测评轮次');
    if (user.role === 'unit' && round.status !== 'published') {
      // the refusal below says why; this says when the unit will see them and where to look meanwhile
      res.locals.details = [
        '创城办发布本轮结果后，可以在这里查看本单位的排名和红黑榜。',
        '已发布的轮次在“测评轮次”中，本单位的问题在“本单位问题”中。',
      ];
      res.locals.back = '/rounds';
    }
    const scope = resultsScope(deps.db, user, round);
    const view = resultsFor(ctx, round.id);
    const version = deps.criteria.get(round.criteria_version_id).version;
    const counts = sheetCounts(deps.db, round.id);
    return {
      scope,
      view,
      header: {
        round,
        statusName: ROUND_STATUS_NAMES[round.status],
        provisional: view.provisional,
        counted: view.provisional
          ? `暂定结果：计入已提交 ${counts.submitted ?? 0} 份、已审核 ${counts.approved ?? 0} 份测评表`
          : `最终结果：计入已审核 ${counts.approved ?? 0} 份测评表`,
        criteria: `${version.name}（${version.version}）`,
        criteriaId: round.criteria_version_id,
        aggregation: aggregationText(version.rules),
        na: NA_RULE_TEXT[version.rules.notApplicable],
        ranking: rankingText(version.rules),
        previous: view.previous?.name ?? null,
      },
    };
  }

  /** 红榜 or 黑榜 entries, 镇街 first, each saying which kind it is */
  const onList = (streets: AreaRow[], communities: AreaRow[], list: 'red' | 'black') => [
    ...streets.filter((s) => s[list]).map((s) => ({ ...s, kind: '镇街' })),
    ...communities.filter((c) => c[list]).map((c) => ({ ...c, kind: '社区' })),
  ];

  /** Up one level — to the 社区, else the 镇街, else the rankings — as far as the user may see. */
  function backLink(
    scope: ResultsScope,
    view: RoundResultsView,
    streetId: number | null,
    communityId: number | null,
  ): { href: string; label: string } {
    const base = `/rounds/${view.round.id}/results`;
    if (communityId !== null && canSeeCommunity(scope, communityId)) {
      const name = view.results.communities.find((c) => c.id === communityId)?.name ?? '社区';
      return { href: `${base}/communities/${communityId}`, label: `← ${name}` };
    }
    if (streetId !== null && canSeeStreet(scope, streetId))
      return { href: `${base}/streets/${streetId}`, label: `← ${streetName(view, streetId)}` };
    return { href: base, label: '← 返回结果与排名' };
  }

  const streetName = (v: RoundResultsView, id: number) =>
    v.results.streets.find((s) => s.id === id)?.name ?? '';

  r.get('/rounds/:id/results', (req, res) => {
    const { scope, view, header } = load(res, req.params.id);
    const streets = view.results.streets.filter((s) => canSeeStreet(scope, s.id)).map((s) => presentArea(s));
    const communities = view.results.communities
      .filter((c) => canSeeCommunity(scope, c.id))
      .map((c) => presentArea(c, streetName(view, c.streetId ?? 0)));
    const types = siteTypeNames(deps.db);
    res.render('results/index', {
      title: `测评结果 · ${header.round.name}`,
      header,
      streets,
      communities,
      ranked: communities.filter((c) => c.rank !== null),
      unranked: communities.filter((c) => c.rank === null),
      red: onList(streets, communities, 'red'),
      black: onList(streets, communities, 'black'),
      isOffice: scope.all,
      // a unit sees only its part: how many took part puts its places in context, and an empty part says why
      unit: scope.all
        ? null
        : {
            rankedStreets: view.results.streets.filter((s) => s.rank !== null).length,
            rankedCommunities: view.results.communities.filter((c) => c.rank !== null).length,
            noStreets:
              scope.streets.size === 0
                ? '镇街排名只向创城办和各镇街显示；本单位不是镇街。'
                : '本单位的镇街不在本轮测评中。',
            noCommunities:
              scope.communities.size === 0
                ? '本单位没有负责或包联的社区，社区排名不向本单位显示。'
                : '本单位负责或包联的社区不在本轮测评中。',
          },
      mySites: scope.all
        ? []
        : view.results.sites
            .filter((s) => canSeeSite(scope, s.id))
            .map((s) => presentSite(s, types.get(s.siteType) ?? s.siteType)),
    });
  });

  r.get('/rounds/:id/results/streets/:sid', (req, res) => {
    const { scope, view, header } = load(res, req.params.id);
    const id = idParam(req.params.sid, '镇街');
    const street = view.results.streets.find((s) => s.id === id);
    if (!street) throw new NotFound('找不到该镇街');
    if (!canSeeStreet(scope, id)) throw new Forbidden('您无权查看该镇街的结果');
    const types = siteTypeNames(deps.db);
    res.render('results/street', {
      title: `${street.name} · ${header.round.name}`,
      header,
      street: presentArea(street),
      communities: view.results.communities
        .filter((c) => c.streetId === id)
        .map((c) => presentArea(c, street.name)),
      direct: view.results.sites
        .filter((s) => s.streetId === id && s.communityId === null)
        .map((s) => presentSite(s, types.get(s.siteType) ?? s.siteType)),
      trend: trendChart(view, 'street', id, street.name),
    });
  });

  r.get('/rounds/:id/results/communities/:cid', (req, res) => {
    const { scope, view, header } = load(res, req.params.id);
    const id = idParam(req.params.cid, '社区');
    const community = view.results.communities.find((c) => c.id === id);
    if (!community) throw new NotFound('找不到该社区');
    if (!canSeeCommunity(scope, id)) throw new Forbidden('您无权查看该社区的结果');
    const types = siteTypeNames(deps.db);
    res.render('results/community', {
      title: `${community.name} · ${header.round.name}`,
      header,
      community: presentArea(community, streetName(view, community.streetId ?? 0)),
      back: backLink(scope, view, community.streetId ?? null, null),
      sites: view.results.sites
        .filter((s) => s.communityId === id)
        .map((s) => presentSite(s, types.get(s.siteType) ?? s.siteType)),
      trend: trendChart(view, 'community', id, community.name),
    });
  });

  r.get('/rounds/:id/results/sites/:sid', (req, res) => {
    const { scope, view, header } = load(res, req.params.id);
    const id = idParam(req.params.sid, '点位');
    const site = view.results.sites.find((s) => s.id === id);
    if (!site) throw new NotFound('找不到该点位');
    if (!canSeeSite(scope, id)) throw new Forbidden('您无权查看该点位的结果');
    const version = deps.criteria.get(header.round.criteria_version_id);
    const inspection = findInspection(deps.db, header.round.id, id);
    const photos = inspection ? listInspectionPhotos(deps.db, inspection.id) : [];
    res.render('results/site', {
      title: `${site.name} · ${header.round.name}`,
      header,
      site: presentSite(site, siteTypeNames(deps.db).get(site.siteType) ?? site.siteType),
      back: backLink(scope, view, site.streetId, site.communityId),
      source: inspection?.source.startsWith('import:')
        ? `Excel 导入（${inspection.source.slice(7)}）`
        : '测评员现场填写',
      standards: site.standards.map((s) => {
        const std = version.byCode.get(s.code);
        return {
          code: s.code,
          text: std?.text ?? '',
          item: std?.item.name ?? '',
          result: RESULT_NAMES[s.result],
          resultClass: s.result,
          score: s.applicable ? `${points(s.earned)} / ${points(s.possible)}` : '不计分',
          lost: s.lost > 0 ? points(s.lost) : '',
          grade: s.grade ?? '',
          repeated: s.repeated,
          naAverage: s.naAverage,
          photos: photos.filter((p) => p.standard_code === s.code).map(presentPhoto),
        };
      }),
      isOffice: scope.all,
    });
  });

  r.get('/rounds/:id/results/weak', (req, res) => {
    const { scope, view, header } = load(res, req.params.id);
    if (!scope.all) throw new Forbidden('薄弱环节分析仅供创城办查看');
    const w = view.results;
    const types = siteTypeNames(deps.db);
    res.render('results/weak', {
      title: `薄弱环节 · ${header.round.name}`,
      header,
      itemsChart: barChart(
        '失分最多的测评项目',
        w.weakItems.map((i) => ({ label: i.name, value: i.lost })),
        { unit: '分' },
      ),
      standardsChart: barChart(
        '失分最多的测评标准',
        w.weakStandards.slice(0, 12).map((s) => ({ label: s.code, value: s.lost })),
        { unit: '分' },
      ),
      typesChart: barChart(
        '问题发生率最高的点位类型',
        w.weakSiteTypes.map((t) => ({ label: types.get(t.siteType) ?? t.siteType, value: t.failRate })),
        { percent: true },
      ),
      items: w.weakItems.map((i) => ({ ...i, lostText: points(i.lost) })),
      standards: w.weakStandards.slice(0, 30).map((s) => ({
        ...s,
        lostText: points(s.lost),
        text: deps.criteria.get(header.round.criteria_version_id).byCode.get(s.code)?.text ?? '',
      })),
      siteTypes: w.weakSiteTypes.map((t) => ({
        ...t,
        name: types.get(t.siteType) ?? t.siteType,
        rateText: formatRate(t.failRate),
      })),
    });
  });

  r.get('/rounds/:id/rankings.xlsx', async (req, res) => {
    const { scope, view, header } = load(res, req.params.id);
    if (!scope.all) throw new Forbidden('排名表仅供创城办下载');
    const buf = await rankingsWorkbook(view, {
      criteria: header.criteria,
      aggregation: header.aggregation,
      status: header.counted,
      siteTypeNames: siteTypeNames(deps.db),
    });
    attachment(res, `排名-${header.round.name}.xlsx`);
    res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    res.send(buf);
  });

  function trendChart(
    view: RoundResultsView,
    kind: 'street' | 'community',
    id: number,
    name: string,
  ): string {
    const points = trendFor(ctx, view, kind, id);
    return rateLineChart(
      `${name} 得分率趋势`,
      points.map((p) => p.label),
      [{ name, values: points.map((p) => p.rate) }],
    );
  }

  return r;
}
