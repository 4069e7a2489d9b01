/**
 * Problems (问题交办) raised from an approved sheet: one per deduction or failure, sent point-to-point to
 * the unit the standard names (the site's own, its 社区's or 镇街's, or a department), with a deadline
 * by the standard's rule counted from the approval (calendar days unless its version says working days
 * or hours; deadlines.ts, stored once), and the 反复出现 link to the same site and standard's problem in
 * the previous round. A later correction voids or adds problems; none is ever deleted.
 */
import { now } from '../util/clock.ts';
import type { Db } from '../db/connection.ts';
import { findInspectionById, listAnswers } from '../db/repos/inspections.ts';
import { findCommunityById, findSiteById, findStreetById, type SiteRow } from '../db/repos/places.ts';
import { listUnits } from '../db/repos/units.ts';
import { findRoundById } from '../db/repos/rounds.ts';
import { deductionKeys, previousRound } from '../db/repos/results.ts';
import {
  addProblemEvent,
  earlierProblem,
  insertProblem,
  liveProblem,
  updateProblem,
} from '../db/repos/problems.ts';
import type { IndexedStandard } from '../criteria/load.ts';
import { scoreStandard } from '../scoring/standard.ts';
import { computeDeadline, deadlineFields, standardDeadlineRule } from './deadlines.ts';
import type { CriteriaCache } from './criteria-registry.ts';

/** The unit that must fix a problem under this standard at this site (null: the office assigns one). */
export function responsibleUnitFor(db: Db, site: SiteRow, standard: IndexedStandard): number | null {
  const rule = standard.responsibleUnit;
  const street = findStreetById(db, site.street_id);
  if (rule.kind === 'community') {
    const community = site.community_id === null ? undefined : findCommunityById(db, site.community_id);
    return community?.unit_id ?? street?.unit_id ?? site.responsible_unit_id;
  }
  if (rule.kind === 'street') return street?.unit_id ?? site.responsible_unit_id;
  if (rule.kind === 'department') {
    const dept = listUnits(db).find(
      (u) => u.kind === 'department' && !u.retired_at && u.department === rule.department,
    );
    return dept?.id ?? site.responsible_unit_id;
  }
  // 'site', and 'district' (区级: the district answers as a whole; met at a site, the site's unit fixes
  // it). Typed so that a new kind without a line above stops the build.
  rule.kind satisfies 'site' | 'district';
  return site.responsible_unit_id;
}

/**
 * Makes the sheet's live problems match its answers: raises one for each answer that loses points,
 * voids the ones whose answer no longer does (or now loses a different amount, raising a new one).
 * Returns the number raised. Runs inside the caller's transaction, after the caller's own access check
 * (approving or correcting the sheet, importing results): `actorId` is whom the history names.
 */
export function syncProblems(
  db: Db,
  criteria: CriteriaCache,
  sheetId: number,
  actorId: number | null,
  at = now(),
): number {
  const sheet = findInspectionById(db, sheetId);
  if (!sheet) return 0;
  const round = findRoundById(db, sheet.round_id)!;
  const site = findSiteById(db, sheet.site_id)!;
  const version = criteria.get(round.criteria_version_id);
  const prev = previousRound(db, round);
  const repeated = prev ? deductionKeys(db, prev.id) : new Set<string>();
  let raised = 0;
  for (const a of listAnswers(db, sheet.id)) {
    const standard = version.byCode.get(a.standard_code);
    if (!standard) continue;
    const isRepeat = repeated.has(`${site.id}:${standard.code}`);
    const score = scoreStandard(
      standard,
      { result: a.result, cases: a.cases, fixedCases: a.fixed_cases },
      version.version.rules,
      isRepeat,
    );
    const live = liveProblem(db, sheet.id, standard.code);
    if (live && (score.lost === 0 || Math.abs(live.points_lost - score.lost) > 1e-9)) {
      updateProblem(db, live.id, { status: 'void', void_reason: '测评结果更正' });
      addProblemEvent(db, {
        problemId: live.id,
        userId: actorId,
        action: 'void',
        from: live.status,
        to: 'void',
        note: '测评结果更正后作废',
      });
    }
    if (score.lost === 0 || (live && Math.abs(live.points_lost - score.lost) <= 1e-9)) continue;
    const earlier = prev ? earlierProblem(db, prev.id, site.id, standard.code) : undefined;
    const id = insertProblem(db, {
      roundId: round.id,
      siteId: site.id,
      sheetId: sheet.id,
      standardCode: standard.code,
      description: a.note || standard.text,
      pointsLost: score.lost,
      unitId: responsibleUnitFor(db, site, standard),
      ...deadlineFields(computeDeadline(db, standardDeadlineRule(standard), at)),
      repeatCount: isRepeat ? (earlier?.repeat_count ?? 0) + 1 : 0,
      previousProblemId: isRepeat ? (earlier?.id ?? null) : null,
    });
    addProblemEvent(db, {
      problemId: id,
      userId: actorId,
      action: 'raise',
      from: null,
      to: 'open',
      note: isRepeat ? '反复出现' : '',
    });
    raised++;
  }
  return raised;
}
