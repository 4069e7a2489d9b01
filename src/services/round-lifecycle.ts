/**
 * A round's life after it opens: sites excluded with a reason, closing (every included site approved
 * or excluded), publishing (results go to the units and are frozen) and 撤回发布 (withdrawing a
 * publication, with a reason). Every step is the office's (access.ts) and is audit-logged.
 */
import { atomically } from '../db/connection.ts';
import { z } from 'zod';
import { parseField } from './validate.ts';
import type { Db } from '../db/connection.ts';
import { appendAudit } from '../db/repos/audit.ts';
import {
  isSiteInRound,
  setRoundStatus,
  setSiteExcluded,
  unapprovedSites,
  type RoundRow,
} from '../db/repos/rounds.ts';
import { Conflict, NotFound } from '../errors.ts';
import { managedRound } from './rounds.ts';
import { auditUserId, type Actor } from './access.ts';

const reasonSchema = (what: string) =>
  z.string().trim().min(1, `请填写${what}`).max(500, `${what}不能超过500个字符`);

function reason(value: unknown, what: string): string {
  return parseField(reasonSchema(what), value, 'reason');
}

export function excludeSite(db: Db, actor: Actor, roundId: number, siteId: number, why: unknown): void {
  atomically(db, () => {
    const round = managedRound(db, actor, roundId);
    const text = reason(why, '排除原因');
    if (round.status !== 'draft' && round.status !== 'open') throw new Conflict('轮次已结束，不能再排除点位');
    if (!isSiteInRound(db, roundId, siteId)) throw new NotFound('该点位不在本轮测评范围内');
    setSiteExcluded(db, roundId, siteId, text);
    appendAudit(db, {
      userId: auditUserId(actor),
      action: 'round.exclude_site',
      entity: 'round',
      entityId: roundId,
      roundId,
      siteId,
      detail: { reason: text },
    });
  });
}

export function includeSiteAgain(db: Db, actor: Actor, roundId: number, siteId: number): void {
  atomically(db, () => {
    const round = managedRound(db, actor, roundId);
    if (round.status !== 'draft' && round.status !== 'open') throw new Conflict('轮次已结束，不能再调整点位');
    if (!isSiteInRound(db, roundId, siteId)) throw new NotFound('该点位不在本轮测评范围内');
    setSiteExcluded(db, roundId, siteId, null);
    appendAudit(db, {
      userId: auditUserId(actor),
      action: 'round.include_site',
      entity: 'round',
      entityId: roundId,
      roundId,
      siteId,
    });
  });
}

export class RoundNotReady extends Conflict {
  constructor(readonly pending: { site_id: number; name: string; status: string | null }[]) {
    super(`还有 ${pending.length} 个点位未审核通过或排除，不能结束本轮`);
  }
}

/**
 * Each step's refusals, checked before the office is asked to confirm (so a step that cannot happen is
 * refused at once, not after the confirmation) and again inside the step's transaction.
 */
export function checkClose(db: Db, actor: Actor, roundId: number): RoundRow {
  const round = managedRound(db, actor, roundId);
  if (round.status !== 'open') throw new Conflict('只有进行中的轮次可以结束');
  const pending = unapprovedSites(db, roundId);
  if (pending.length) throw new RoundNotReady(pending);
  return round;
}

export function checkPublish(db: Db, actor: Actor, roundId: number): RoundRow {
  const round = managedRound(db, actor, roundId);
  if (round.status !== 'closed') throw new Conflict('只有已结束的轮次可以发布');
  return round;
}

/** The round and the withdrawal's reason, once the reason and the round's state allow the step. */
export function checkWithdraw(
  db: Db,
  actor: Actor,
  roundId: number,
  why: unknown,
): { round: RoundRow; reason: string } {
  const round = managedRound(db, actor, roundId);
  const text = reason(why, '撤回原因');
  if (round.status !== 'published') throw new Conflict('只有已发布的轮次可以撤回发布');
  return { round, reason: text };
}

export function closeRound(db: Db, actor: Actor, roundId: number): void {
  atomically(db, () => {
    checkClose(db, actor, roundId);
    setRoundStatus(db, roundId, 'closed');
    appendAudit(db, {
      userId: auditUserId(actor),
      action: 'round.close',
      entity: 'round',
      entityId: roundId,
      roundId,
    });
  });
}

export function publishRound(db: Db, actor: Actor, roundId: number): void {
  atomically(db, () => {
    checkPublish(db, actor, roundId);
    setRoundStatus(db, roundId, 'published');
    appendAudit(db, {
      userId: auditUserId(actor),
      action: 'round.publish',
      entity: 'round',
      entityId: roundId,
      roundId,
    });
  });
}

export function withdrawPublication(db: Db, actor: Actor, roundId: number, why: unknown): void {
  atomically(db, () => {
    const text = checkWithdraw(db, actor, roundId, why).reason;
    setRoundStatus(db, roundId, 'closed');
    appendAudit(db, {
      userId: auditUserId(actor),
      action: 'round.withdraw',
      entity: 'round',
      entityId: roundId,
      roundId,
      detail: { reason: text },
    });
  });
}
