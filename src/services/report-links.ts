/**
 * 随手拍's public links and their posters (/reports/links): one link for the whole district and one per
 * 社区, each made the first time the office opens the page (like the survey links) and the same ever
 * after, so a printed poster keeps working. `base` is the public address (PUBLIC_BASE_URL, else
 * BASE_URL, else the request's), as the survey posters use it.
 */
import { randomBytes } from 'node:crypto';
import { atomically, type Db } from '../db/connection.ts';
import { listCommunities, listStreets } from '../db/repos/places.ts';
import { reportCountsByLink, reportLinkFor } from '../db/repos/reports.ts';
import { NotFound } from '../errors.ts';
import { nowIso } from '../util/time.ts';
import { canOrReject, type Actor } from './access.ts';

export interface ReportLinkItem {
  id: number;
  /** 全区, or the 社区's name */
  name: string;
  /** the 社区's 镇街 ('' for the district's link) */
  streetName: string;
  url: string;
  reports: number;
  waiting: number;
}

/** 128 random bits, URL-safe: a link nobody can guess. */
const newToken = () => randomBytes(16).toString('base64url');

/** GET /reports/links: the district's link first, then each current 社区's by 镇街 (made on first view). */
export function reportLinks(db: Db, actor: Actor, base: string): ReportLinkItem[] {
  canOrReject(db, actor, 'report.triage', null);
  const streets = new Map(listStreets(db).map((s) => [s.id, s.name]));
  const counts = new Map(reportCountsByLink(db).map((c) => [c.link_id, c]));
  return atomically(db, () => {
    const at = nowIso();
    const item = (communityId: number | null, name: string, streetName: string): ReportLinkItem => {
      const link = reportLinkFor(db, communityId, newToken, at);
      const n = counts.get(link.id);
      return {
        id: link.id,
        name,
        streetName,
        url: `${base}/r/${link.token}`,
        reports: n?.reports ?? 0,
        waiting: n?.waiting ?? 0,
      };
    };
    return [
      item(null, '全区', ''),
      ...listCommunities(db)
        .filter((c) => !c.retired_at)
        .map((c) => item(c.id, c.name, streets.get(c.street_id) ?? '')),
    ];
  });
}

/** GET /reports/links/posters[?link=<id>]: every link's poster, or the one asked for (404 when unknown). */
export function reportPosters(db: Db, actor: Actor, base: string, linkId: number | null): ReportLinkItem[] {
  const links = reportLinks(db, actor, base);
  if (linkId === null) return links;
  const one = links.filter((l) => l.id === linkId);
  if (!one.length) throw new NotFound('找不到该随手拍链接');
  return one;
}
