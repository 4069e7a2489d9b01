/**
 * Recording a 督查 (or 媒体) problem on a phone or tablet (/problems/new): the office or a 包联 leader
 * sends photos from the camera, where it is (a site, the browser's coordinates, an address and / or a
 * 社区), an optional standard, a description, and — the office only — the responsible unit and another
 * deadline rule. It enters the rectification loop at once: one transaction inserts the problem (via
 * raiseOutsideProblem: history, audit) and its photos (kind 'record'), stored before it through the same
 * door, hashes and caption band as inspectors' and units' photos; a refusal leaves no row and no file.
 *
 * A leader's form has no unit or deadline fields: any sent are ignored (the default unit and the
 * office's rule for 督查 apply); a leader asking for 媒体 is refused (400), not silently relabelled.
 */
import { z } from 'zod';
import { atomically } from '../db/connection.ts';
import { findProblem } from '../db/repos/problems.ts';
import { findCommunityById, findSiteById, findStreetById, type SiteRow } from '../db/repos/places.ts';
import { findUnitById } from '../db/repos/units.ts';
import { InvalidInput } from '../errors.ts';
import { fixPhotoFlags } from '../photos/evidence.ts';
import { storePhotoOffThread } from '../photos/off-thread.ts';
import type { StoredPhoto } from '../photos/store.ts';
import { now } from '../util/clock.ts';
import { formatShanghai, nowIso } from '../util/time.ts';
import { PROBLEM_SOURCE_NAMES } from '../labels.ts';
import { canOrReject, userOf, type Actor } from './access.ts';
import {
  computeDeadline,
  parseDeadlineRule,
  sourceDeadlineRule,
  type ComputedDeadline,
} from './deadlines.ts';
import { parseGps, raiseOutsideProblem } from './outside-problems.ts';
import { insertPhotos, type PreparedPhoto, type UploadedPhoto } from './problems.ts';
import { responsibleUnitFor } from './problem-raise.ts';
import { discardStoredPhoto } from './photo-files.ts';
import { MAX_RECORD_PHOTOS, recordingVersionId, type RecordCtx } from './problem-record-page.ts';
import { parseField, refusals } from './validate.ts';

export interface RecordProblemCtx extends RecordCtx {
  uploadDir: string;
}

/** The form's fields as posted (strings, or anything a tampered request sends). */
export type RecordForm = Record<string, unknown>;

export interface RecordedProblem {
  id: number;
  /** the responsible unit's name (null: 待分派, the office assigns one later) */
  unitName: string | null;
  deadline: ComputedDeadline;
  outsideDistrict: boolean;
}

/** A form's id field: '' or absent → null; digits → the number; anything else → NaN (refused). */
const idOf = (v: unknown): number | null =>
  v === undefined || v === null || v === ''
    ? null
    : typeof v === 'string' && /^\d{1,12}$/.test(v.trim())
      ? Number(v)
      : NaN;

const description = z
  .string({ error: '请填写问题描述' })
  .trim()
  .min(1, '请填写问题描述')
  .max(500, '问题描述不能超过500个字符');
const address = z.string({ error: '地址格式无效' }).trim().max(200, '地址不能超过200个字符');

/** What the form asks for, checked; every field's refusal at once. */
function readForm(ctx: RecordProblemCtx, actor: Actor, form: RecordForm, photos: number) {
  const { db } = ctx;
  const mayChoose = actor.role === 'office' || actor.role === 'system';
  const check = refusals();
  const refuse = (field: string, message: string) => () => {
    throw new InvalidInput(message, { [field]: message });
  };
  const source = check(() => {
    const s = form.source ?? 'inspection';
    if (s === 'inspection') return 'inspection' as const;
    if (s === 'media' && mayChoose) return 'media' as const;
    if (s === 'media') return refuse('source', '包联领导只能记录督查问题')();
    return refuse('source', '请选择问题来源：督查或媒体')();
  });
  const siteId = idOf(form.site_id);
  const site = check((): SiteRow | undefined => {
    if (siteId === null) return undefined;
    const found = Number.isNaN(siteId) ? undefined : findSiteById(db, siteId);
    if (!found || found.retired_at) return refuse('site_id', '找不到该点位，请从列表中选择')();
    return found;
  });
  const communityId = idOf(form.community_id);
  const community = check(() => {
    if (communityId === null) return undefined;
    const found = Number.isNaN(communityId) ? undefined : findCommunityById(db, communityId);
    if (!found || found.retired_at) return refuse('community_id', '找不到该社区，请从列表中选择')();
    return found;
  });
  const addr = check(() => parseField(address, form.address ?? '', 'address'));
  const gps = check(() => {
    try {
      return parseGps(form.lat, form.lng);
    } catch (err) {
      if (err instanceof InvalidInput) return refuse('gps', err.message)();
      throw err;
    }
  });
  const text = check(() => parseField(description, form.description, 'description'));
  const code = typeof form.standard === 'string' ? form.standard.trim() : '';
  const standard = check(() => {
    if (!code) return null;
    const versionId = recordingVersionId(db);
    const found = versionId === null ? undefined : ctx.criteria.get(versionId).byCode.get(code);
    if (!found || versionId === null) return refuse('standard', `找不到测评标准“${code.slice(0, 20)}”`)();
    return { versionId, standard: found };
  });
  const unitChoice = mayChoose ? (typeof form.unit_id === 'string' ? form.unit_id : '') : '';
  const chosenUnit = check(() => {
    if (unitChoice === '' || unitChoice === 'none') return null;
    const id = idOf(unitChoice);
    const unit = id === null || Number.isNaN(id) ? undefined : findUnitById(db, id);
    if (!unit || unit.retired_at) return refuse('unit_id', '找不到该责任单位，请从列表中选择')();
    return unit;
  });
  const ruleChoice = mayChoose && typeof form.deadline_unit === 'string' ? form.deadline_unit : '';
  const rule = check(() => {
    if (!source) return null;
    const amount = mayChoose && typeof form.deadline_amount === 'string' ? form.deadline_amount.trim() : '';
    // an amount without its unit would be silently dropped: ask for the unit instead
    if (ruleChoice === '' && amount === '') return sourceDeadlineRule(db, source);
    try {
      return parseDeadlineRule(ruleChoice, form.deadline_amount);
    } catch (err) {
      if (err instanceof InvalidInput) return refuse('deadline', err.message)();
      throw err;
    }
  });
  check(() => {
    const blank = (v: unknown) => v === undefined || (typeof v === 'string' && v.trim() === '');
    if (siteId === null && communityId === null && blank(form.address) && blank(form.lat) && blank(form.lng))
      refuse('where', '请选择点位、使用定位，或填写地址或社区')();
  });
  check(() => {
    if (photos > MAX_RECORD_PHOTOS) refuse('photos', `照片最多 ${MAX_RECORD_PHOTOS} 张`)();
    if (photos === 0 && source === 'inspection') refuse('photos', '督查问题请至少拍摄一张现场照片')();
  });
  check.done();
  // the unit: the office's choice, else the standard's rule at the site, the site's, its 社区's, its 镇街's
  const defaultUnit = (): number | null => {
    if (site && standard) return responsibleUnitFor(db, site, standard.standard);
    const c = site
      ? site.community_id === null
        ? undefined
        : findCommunityById(db, site.community_id)
      : community;
    const streetId = site?.street_id ?? c?.street_id;
    const street = streetId === undefined ? undefined : findStreetById(db, streetId);
    return site?.responsible_unit_id ?? c?.unit_id ?? street?.unit_id ?? null;
  };
  const unitId = chosenUnit ? chosenUnit.id : unitChoice === 'none' ? null : defaultUnit();
  if (unitId === null && !mayChoose)
    throw new InvalidInput('无法确定责任单位：请选择点位或所在社区', {
      where: '请选择点位或所在社区，以确定责任单位',
    });
  return {
    source: source!,
    site,
    community: site ? undefined : community,
    address: addr ?? '',
    gps,
    description: text!,
    standard: standard ? { versionId: standard.versionId, code: standard.standard.code } : null,
    unitId,
    rule: rule!,
  };
}

/** Where the photo was taken, for its caption band: the site, the address, the 社区 or the coordinates. */
function placeLine(f: ReturnType<typeof readForm>): string {
  if (f.site) return `点位 ${f.site.name}`;
  if (f.address) return `地点 ${f.address.slice(0, 40)}`;
  if (f.community) return `社区 ${f.community.name}`;
  return f.gps ? `定位 ${f.gps.lat.toFixed(5)}, ${f.gps.lng.toFixed(5)}` : '';
}

/**
 * Records the problem with its photos; returns what the result says (the unit, the deadline, whether
 * the coordinates are outside the district). 403 unless `problem.record`; 400 with each field's
 * message for bad input, a photo that is not one included, and then nothing is stored.
 */
export async function recordProblem(
  ctx: RecordProblemCtx,
  actor: Actor,
  form: RecordForm,
  photos: UploadedPhoto[],
): Promise<RecordedProblem> {
  const { db } = ctx;
  canOrReject(db, actor, 'problem.record', null);
  const user = userOf(actor);
  const f = readForm(ctx, actor, form, photos.length);
  const at = now();
  const deadline = computeDeadline(db, f.rule, at);
  const lines = [
    `${PROBLEM_SOURCE_NAMES[f.source]} ${formatShanghai(nowIso())}`,
    placeLine(f),
    user.display_name,
  ];
  const site = f.site;
  const stored: PreparedPhoto[] = [];
  try {
    for (const ph of photos) {
      let file: StoredPhoto;
      try {
        file = await storePhotoOffThread(ctx.uploadDir, ph.buffer, { lines });
      } catch (err) {
        if (err instanceof InvalidInput)
          throw new InvalidInput(`照片“${ph.originalName.slice(0, 60)}”：${err.message}`, {
            photos: err.message,
          });
        throw err;
      }
      // a 督查 photo is taken before the problem is recorded, so no lower bound on its time: only a
      // camera clock running ahead, and (at a site with coordinates) a photo taken far from it
      const flags = fixPhotoFlags(
        file.meta,
        { raisedAt: new Date(0).toISOString() },
        { lat: site?.lat ?? null, lng: site?.lng ?? null },
        at,
      );
      stored.push({ original: ph.originalName, file, flags });
    }
    const p = atomically(db, () => {
      const problemId = raiseOutsideProblem(
        db,
        {
          source: f.source,
          siteId: site?.id ?? null,
          communityId: f.community?.id ?? null,
          address: f.address || undefined,
          gps: f.gps,
          standard: f.standard,
          description: f.description,
          unitId: f.unitId,
          deadline,
          recordedBy: user.id,
        },
        user.id,
      );
      const raised = findProblem(db, problemId)!;
      insertPhotos(db, raised, user, 'record', stored);
      return raised;
    });
    return {
      id: p.id,
      unitName: p.unit_id === null ? null : (findUnitById(db, p.unit_id)?.name ?? null),
      deadline,
      outsideDistrict: p.outside_district === 1,
    };
  } catch (err) {
    for (const { file } of stored) discardStoredPhoto(db, ctx.uploadDir, file);
    throw err;
  }
}
