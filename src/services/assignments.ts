/**
 * 测评分工: assigning a round's sites to inspectors, one by one or in bulk (a whole 社区 or 镇街, or
 * spread evenly over several inspectors), with 回避: an inspector whose home 镇街 is the site's is
 * warned off, or refused when the district sets the policy to 'refuse'. All of it is the office's
 * (access.ts `office.manage`).
 */
import { atomically } from '../db/connection.ts';
import type { Db } from '../db/connection.ts';
import { appendAudit } from '../db/repos/audit.ts';
import { findSiteById } from '../db/repos/places.ts';
import { findUserById, type UserRow } from '../db/repos/users.ts';
import {
  assignSite,
  isSiteInRound,
  roundAssignments,
  type AssignmentRow,
  type RoundRow,
} from '../db/repos/rounds.ts';
import { getSetting, setSetting } from '../db/repos/settings.ts';
import { Conflict, InvalidInput, NotFound } from '../errors.ts';
import { managedRound } from './rounds.ts';
import { auditUserId, canOrReject, type Actor } from './access.ts';

export type AvoidancePolicy = 'warn' | 'refuse';

/** Sets the 回避 policy from the form's value ('warn' or 'refuse'; anything else is refused). */
export function setAvoidancePolicy(db: Db, actor: Actor, policy: unknown): AvoidancePolicy {
  canOrReject(db, actor, 'office.manage', null);
  if (policy !== 'warn' && policy !== 'refuse') throw new InvalidInput('回避设置只能是“提醒”或“禁止分配”');
  atomically(db, () => {
    setSetting(db, 'avoidance_policy', policy);
    appendAudit(db, {
      userId: auditUserId(actor),
      action: 'settings.avoidance',
      entity: 'settings',
      detail: { policy },
    });
  });
  return policy;
}

/** The district's 回避 policy, for services that have asked access already (the assignments import). */
export function avoidancePolicy(db: Db): AvoidancePolicy {
  return getSetting(db, 'avoidance_policy') === 'refuse' ? 'refuse' : 'warn';
}

function activeInspector(db: Db, id: number): UserRow {
  const inspector = findUserById(db, id);
  if (!inspector || inspector.role !== 'inspector' || !inspector.active)
    throw new InvalidInput('所选用户不是在岗测评员', { inspectorId: '不是在岗测评员' });
  return inspector;
}

/** The round to assign in: 404, 403 for anyone but the office, 409 once it has closed. */
function assignableRound(db: Db, actor: Actor, roundId: number): RoundRow {
  const round = managedRound(db, actor, roundId);
  if (round.status === 'closed' || round.status === 'published') throw new Conflict('轮次已结束，不能再分工');
  return round;
}

/** A site of the round, as much of it as 回避 and the warning need. */
interface Target {
  id: number;
  name: string;
  street_id: number;
}

/** Writes one assignment (round, site and inspector already checked); the 回避 warning, or refused. */
function assign(
  db: Db,
  actor: Actor,
  round: RoundRow,
  site: Target,
  inspector: UserRow,
  policy: AvoidancePolicy,
): string | null {
  let warning: string | null = null;
  if (inspector.home_street_id !== null && inspector.home_street_id === site.street_id) {
    warning = `测评员 ${inspector.display_name} 的所在镇街与点位“${site.name}”相同，应当回避`;
    if (policy === 'refuse') throw new InvalidInput(warning);
  }
  assignSite(db, round.id, site.id, inspector.id, auditUserId(actor));
  appendAudit(db, {
    userId: auditUserId(actor),
    action: 'assignment.set',
    entity: 'assignment',
    roundId: round.id,
    siteId: site.id,
    detail: { inspectorId: inspector.id, warning },
  });
  return warning;
}

/** Assigns one site; returns a warning text when 回避 is broken under the 'warn' policy. */
export function assignInspector(
  db: Db,
  actor: Actor,
  roundId: number,
  siteId: number,
  inspectorId: number,
): string | null {
  return atomically(db, () => {
    const round = assignableRound(db, actor, roundId);
    const site = findSiteById(db, siteId);
    if (!site) throw new NotFound('找不到该点位');
    if (!isSiteInRound(db, roundId, siteId, false)) throw new InvalidInput('该点位不在本轮测评范围内');
    return assign(db, actor, round, site, activeInspector(db, inspectorId), avoidancePolicy(db));
  });
}

const targetOf = (r: AssignmentRow): Target => ({ id: r.site_id, name: r.site_name, street_id: r.street_id });

/** Assigns each site of a plan (the 测评分工 import, resolved against the round); returns the warnings. */
export function assignPlan(
  db: Db,
  actor: Actor,
  roundId: number,
  plan: { siteId: number; inspectorId: number }[],
): string[] {
  return atomically(db, () => {
    const round = assignableRound(db, actor, roundId);
    const sites = new Map(
      roundAssignments(db, roundId)
        .filter((r) => !r.excluded_reason)
        .map((r) => [r.site_id, targetOf(r)]),
    );
    const inspectors = new Map<number, UserRow>();
    const policy = avoidancePolicy(db);
    const warnings: string[] = [];
    for (const p of plan) {
      const site = sites.get(p.siteId);
      if (!site) throw new InvalidInput('该点位不在本轮测评范围内');
      const inspector = inspectors.get(p.inspectorId) ?? activeInspector(db, p.inspectorId);
      inspectors.set(inspector.id, inspector);
      const w = assign(db, actor, round, site, inspector, policy);
      if (w) warnings.push(w);
    }
    return warnings;
  });
}

export type BulkScope =
  { kind: 'street'; id: number } | { kind: 'community'; id: number } | { kind: 'unassigned' };

function inScope(row: AssignmentRow, scope: BulkScope): boolean {
  if (row.excluded_reason) return false;
  if (scope.kind === 'street') return row.street_id === scope.id;
  if (scope.kind === 'community') return row.community_id === scope.id;
  return row.inspector_id === null;
}

/** Assigns every site in the scope to one inspector; all or nothing. Returns the warnings. */
export function assignBulk(
  db: Db,
  actor: Actor,
  roundId: number,
  scope: BulkScope | null,
  inspectorId: number,
): string[] {
  return atomically(db, () => {
    const round = assignableRound(db, actor, roundId);
    if (!scope) throw new InvalidInput('请选择要分配的范围');
    const rows = roundAssignments(db, roundId).filter((r) => inScope(r, scope));
    if (!rows.length) throw new InvalidInput('所选范围内没有可分配的点位');
    const inspector = activeInspector(db, inspectorId);
    const policy = avoidancePolicy(db);
    return rows
      .map((r) => assign(db, actor, round, targetOf(r), inspector, policy))
      .filter((w): w is string => !!w);
  });
}

/**
 * Spreads the scope's sites evenly over the inspectors, skipping, for each site, inspectors whose
 * home 镇街 it is. Returns the warnings (sites that only an inspector who should 回避 could take).
 */
export function spreadEvenly(
  db: Db,
  actor: Actor,
  roundId: number,
  scope: BulkScope,
  inspectorIds: number[],
): string[] {
  return atomically(db, () => {
    const round = assignableRound(db, actor, roundId);
    if (inspectorIds.some(Number.isNaN)) throw new InvalidInput('测评员选择无效');
    const ids = [...new Set(inspectorIds)];
    if (!ids.length) throw new InvalidInput('请至少选择一名测评员', { inspectorIds: '请至少选择一名测评员' });
    const inspectors = ids.map((id) => activeInspector(db, id));
    const eligible = (streetId: number) => inspectors.filter((i) => i.home_street_id !== streetId).length;
    // the most constrained sites first, so the sites anyone may take are left to even out the load
    const rows = roundAssignments(db, roundId)
      .filter((r) => inScope(r, scope))
      .sort((a, b) => eligible(a.street_id) - eligible(b.street_id));
    if (!rows.length) throw new InvalidInput('所选范围内没有可分配的点位');
    const load = new Map(inspectors.map((i) => [i.id, 0]));
    const warnings: string[] = [];
    const policy = avoidancePolicy(db);
    for (const r of rows) {
      const ok = inspectors.filter((i) => i.home_street_id !== r.street_id);
      const pool = ok.length ? ok : policy === 'refuse' ? [] : inspectors;
      if (!pool.length) throw new InvalidInput(`点位“${r.site_name}”只能分给需要回避的测评员`);
      const pick = pool.reduce((a, b) => ((load.get(b.id) ?? 0) < (load.get(a.id) ?? 0) ? b : a));
      load.set(pick.id, (load.get(pick.id) ?? 0) + 1);
      const w = assign(db, actor, round, targetOf(r), pick, policy);
      if (w) warnings.push(w);
    }
    return warnings;
  });
}
