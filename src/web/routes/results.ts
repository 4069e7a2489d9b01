/**
 * Results pages: 镇街 and 社区 rankings with red/black lists and movement, drill-down 镇街 → 社区 →
 * site → each standard's answer and photos (so every number can be traced to its evidence), a 社区's and
 * 镇街's document tasks and files, the district's total over every method, weak spots and trends as
 * server-rendered charts, and the rankings workbook. Each page asks one service
 * (services/results-pages.ts) for what it shows, cut to what the user may see, and formats it.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { AppDeps } from '../../app.ts';
import { actorOf } from '../middleware/auth.ts';
import { idParam } from '../params.ts';
import { attachment } from '../download.ts';
import {
  ResultsNotPublished,
  communityResultsPage,
  districtPage,
  rankingsData,
  resultsPage,
  siteResultsPage,
  streetResultsPage,
  weakSpotsPage,
} from '../../services/results-pages.ts';
import {
  backLink,
  onList,
  points,
  presentArea,
  presentHeader,
  presentSiteOf,
  presentTask,
  trendChart,
} from '../presenters/results.ts';
import { presentPhoto } from '../presenters/sheet.ts';
import { presentDistrict } from '../presenters/results-district.ts';
import { barChart } from '../../charts/svg.ts';
import { rankingsWorkbook } from '../../export/rankings.ts';
import { formatRate } from '../../scoring/standard.ts';
import { RESULT_NAMES } from '../../labels.ts';

export function resultsRouter(deps: AppDeps): Router {
  const r = Router();
  const ctx = { db: deps.db, criteria: deps.criteria };
  const round = (req: Request) => idParam(req.params.id, '测评轮次');

  r.get('/rounds/:id/results', (req, res) => {
    const page = resultsPage(ctx, actorOf(res), round(req));
    const header = presentHeader(page);
    const streetName = (id: number | undefined) => page.results.streets.find((s) => s.id === id)?.name ?? '';
    const streets = page.streets.map((s) => presentArea(s));
    const communities = page.communities.map((c) => presentArea(c, streetName(c.streetId)));
    const isOffice = page.scope.all;
    res.render('results/index', {
      title: `测评结果 · ${header.round.name}`,
      header,
      streets,
      communities,
      ranked: communities.filter((c) => c.rank !== null),
      unranked: communities.filter((c) => c.rank === null),
      red: onList(streets, communities, 'red'),
      black: onList(streets, communities, 'black'),
      isOffice,
      // a unit sees only its part: how many took part puts its places in context, and an empty part says why
      unit: isOffice
        ? null
        : {
            rankedStreets: page.rankedStreets,
            rankedCommunities: page.rankedCommunities,
            noStreets:
              page.scope.streets.size === 0
                ? '镇街排名只向创城办和各镇街显示；本单位不是镇街。'
                : '本单位的镇街不在本轮测评中。',
            noCommunities:
              page.scope.communities.size === 0
                ? '本单位没有负责或包联的社区，社区排名不向本单位显示。'
                : '本单位负责或包联的社区不在本轮测评中。',
          },
      mySites: page.mySites.map((s) => presentSiteOf(page, s)),
    });
  });

  r.get('/rounds/:id/results/streets/:sid', (req, res) => {
    const page = streetResultsPage(ctx, actorOf(res), round(req), idParam(req.params.sid, '镇街'));
    const header = presentHeader(page);
    res.render('results/street', {
      title: `${page.street.name} · ${header.round.name}`,
      header,
      street: presentArea(page.street),
      communities: page.communities.map((c) => presentArea(c, page.street.name)),
      direct: page.direct.map((s) => presentSiteOf(page, s)),
      trend: trendChart(page.street.name, page.trend),
      tasks: page.tasks.map(presentTask),
    });
  });

  r.get('/rounds/:id/results/communities/:cid', (req, res) => {
    const page = communityResultsPage(ctx, actorOf(res), round(req), idParam(req.params.cid, '社区'));
    const header = presentHeader(page);
    res.render('results/community', {
      title: `${page.community.name} · ${header.round.name}`,
      header,
      community: presentArea(page.community, page.streetName),
      back: backLink(page.round.id, page.up),
      sites: page.sites.map((s) => presentSiteOf(page, s)),
      trend: trendChart(page.community.name, page.trend),
      tasks: page.tasks.map(presentTask),
    });
  });

  r.get('/rounds/:id/results/sites/:sid', (req, res) => {
    const page = siteResultsPage(ctx, actorOf(res), round(req), idParam(req.params.sid, '点位'));
    const header = presentHeader(page);
    res.render('results/site', {
      title: `${page.site.name} · ${header.round.name}`,
      header,
      site: presentSiteOf(page, page.site),
      back: backLink(page.round.id, page.up),
      source: page.importedFrom === null ? '测评员现场填写' : `Excel 导入（${page.importedFrom}）`,
      standards: page.standards.map((s) => {
        const std = page.criteria.byCode.get(s.code);
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
          photos: (page.photos.get(s.code) ?? []).map(presentPhoto),
        };
      }),
      isOffice: page.scope.all,
    });
  });

  r.get('/rounds/:id/results/weak', (req, res) => {
    const page = weakSpotsPage(ctx, actorOf(res), round(req));
    const header = presentHeader(page);
    const w = page.results;
    const typeName = (code: string) => page.siteTypeNames.get(code) ?? code;
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
        w.weakSiteTypes.map((t) => ({ label: typeName(t.siteType), value: t.failRate })),
        { percent: true },
      ),
      items: w.weakItems.map((i) => ({ ...i, lostText: points(i.lost) })),
      standards: w.weakStandards.slice(0, 30).map((s) => ({
        ...s,
        lostText: points(s.lost),
        text: page.criteria.byCode.get(s.code)?.text ?? '',
      })),
      siteTypes: w.weakSiteTypes.map((t) => ({
        ...t,
        name: typeName(t.siteType),
        rateText: formatRate(t.failRate),
      })),
    });
  });

  r.get('/rounds/:id/results/district', (req, res) => {
    const page = districtPage(ctx, actorOf(res), round(req));
    const header = presentHeader(page);
    res.render('results/district', {
      title: `全区综合得分 · ${header.round.name}`,
      header,
      ...presentDistrict(page),
      ownTasks: page.ownTasks.map(presentTask),
    });
  });

  r.get('/rounds/:id/rankings.xlsx', async (req, res) => {
    const data = rankingsData(ctx, actorOf(res), round(req));
    const header = presentHeader(data);
    const buf = await rankingsWorkbook(data, {
      criteria: header.criteria,
      methods: header.methods,
      aggregation: header.aggregation,
      status: header.counted,
      siteTypeNames: data.siteTypeNames,
    });
    attachment(res, `排名-${header.round.name}.xlsx`);
    res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    res.send(buf);
  });

  // a unit refused a round not yet published is told when it will see it and where to look meanwhile
  r.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (err instanceof ResultsNotPublished) {
      res.locals.details = err.details;
      res.locals.back = err.back;
    }
    next(err);
  });

  return r;
}
