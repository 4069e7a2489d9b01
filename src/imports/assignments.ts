/** 测评分工 import for one round: 镇街, 社区, 点位名称 and the inspector's username; 回避 as configured. */
import { text, type RowError } from '../excel/index.ts';
import { findUserByUsername, listUsers } from '../db/repos/users.ts';
import { roundAssignments } from '../db/repos/rounds.ts';
import { assignPlan, avoidancePolicy } from '../services/assignments.ts';
import { managedRound } from '../services/rounds.ts';
import { Conflict } from '../errors.ts';
import type { ImportKind } from './kind.ts';

interface Row {
  street: string;
  community?: string;
  site: string;
  inspector: string;
}

export const assignmentsImport: ImportKind<Row, { siteId: number; inspectorId: number }[]> = {
  key: 'assignments',
  title: '测评分工',
  spec: ({ db, roundId }) => {
    // the dropdowns offer the round's sites and the inspectors on duty
    const sites = roundId ? roundAssignments(db, roundId).filter((a) => !a.excluded_reason) : [];
    const unique = (values: string[]) => [...new Set(values)];
    const list = (values: string[]) => ({ choices: unique(values), choicesOnly: true });
    return {
      name: '测评分工',
      sheetName: '测评分工',
      columns: [
        {
          key: 'street',
          header: '镇街',
          required: true,
          width: 12,
          parse: text({ max: 100 }),
          ...list(sites.map((s) => s.street_name)),
        },
        {
          key: 'community',
          header: '社区',
          width: 12,
          parse: text({ max: 100 }),
          note: '镇街直属点位留空',
          ...list(sites.flatMap((s) => (s.community_name ? [s.community_name] : []))),
        },
        {
          key: 'site',
          header: '点位名称',
          required: true,
          width: 22,
          parse: text({ max: 100 }),
          ...list(sites.map((s) => s.site_name)),
        },
        {
          key: 'inspector',
          header: '测评员用户名',
          required: true,
          width: 14,
          parse: text({ max: 40 }),
          ...list(
            listUsers(db, 'inspector')
              .filter((u) => u.active)
              .map((u) => u.username),
          ),
        },
      ],
    };
  },
  resolve(rows, { db, roundId, actor }) {
    const round = managedRound(db, actor, roundId!);
    if (round.status === 'closed' || round.status === 'published')
      throw new Conflict('轮次已结束，不能再分工');
    const errors: RowError[] = [];
    const sites = roundAssignments(db, round.id).filter((a) => !a.excluded_reason);
    const policy = avoidancePolicy(db);
    const seen = new Map<number, number>();
    const plan: { siteId: number; inspectorId: number }[] = [];
    for (const r of rows) {
      const site = sites.find(
        (s) =>
          s.street_name === r.street &&
          (s.community_name ?? '') === (r.community ?? '') &&
          s.site_name === r.site,
      );
      if (!site) {
        errors.push({
          row: r._row,
          column: '点位名称',
          message: `本轮测评范围内没有“${r.street}${r.community ? ' / ' + r.community : ''} / ${r.site}”`,
        });
        continue;
      }
      const earlier = seen.get(site.site_id);
      if (earlier) errors.push({ row: r._row, column: '点位名称', message: `与第${earlier}行是同一个点位` });
      seen.set(site.site_id, r._row);
      const user = findUserByUsername(db, r.inspector);
      if (!user || user.role !== 'inspector' || !user.active) {
        errors.push({ row: r._row, column: '测评员用户名', message: `“${r.inspector}”不是在岗测评员` });
        continue;
      }
      if (policy === 'refuse' && user.home_street_id === site.street_id)
        errors.push({
          row: r._row,
          column: '测评员用户名',
          message: `${user.display_name} 应回避本镇街的点位`,
        });
      plan.push({ siteId: site.site_id, inspectorId: user.id });
    }
    return { errors, plan };
  },
  apply(plan, { db, roundId, actor }) {
    // the assignment service asks access again, for the one who runs the import
    assignPlan(db, actor, roundId!, plan);
    return plan.length;
  },
  current({ db, roundId }) {
    const users = listUsers(db, 'inspector');
    return roundAssignments(db, roundId!)
      .filter((a) => !a.excluded_reason)
      .map((a) => ({
        street: a.street_name,
        community: a.community_name ?? '',
        site: a.site_name,
        inspector: users.find((u) => u.id === a.inspector_id)?.username ?? '',
      }));
  },
};
