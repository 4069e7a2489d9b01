/**
 * The audit log as the office reads it (access.ts `office.manage`): a page of entries, newest first,
 * filtered by user, round and site, with the names its entries' ids stand for and the choices of the
 * filter form — everything the page shows, loaded once.
 */
import type { Db } from '../db/connection.ts';
import { auditNames, listAudit, type AuditListRow, type AuditNames } from '../db/repos/audit.ts';
import { listUsers, type UserRow } from '../db/repos/users.ts';
import { listRounds, type RoundRow } from '../db/repos/rounds.ts';
import { listSites, type SiteRow } from '../db/repos/places.ts';
import { canOrReject, type Actor } from './access.ts';

/** How many entries a page shows before linking to the earlier ones. */
export const AUDIT_PAGE_SIZE = 100;

export interface AuditQuery {
  userId: number | null;
  roundId: number | null;
  siteId: number | null;
  /** entries older than this id (the next page) */
  beforeId: number | null;
}

export interface AuditPage {
  entries: AuditListRow[];
  /** whether older entries follow the last one shown */
  more: boolean;
  names: AuditNames;
  users: UserRow[];
  rounds: RoundRow[];
  sites: SiteRow[];
}

export function auditPage(db: Db, actor: Actor, query: AuditQuery): AuditPage {
  canOrReject(db, actor, 'office.manage', null);
  const rows = listAudit(db, { ...query, limit: AUDIT_PAGE_SIZE + 1 });
  return {
    entries: rows.slice(0, AUDIT_PAGE_SIZE),
    more: rows.length > AUDIT_PAGE_SIZE,
    names: auditNames(db),
    users: listUsers(db),
    rounds: listRounds(db),
    sites: listSites(db),
  };
}
