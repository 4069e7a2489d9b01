/**
 * 随手拍 for residents: what a public link (/r/<token>, the district's or a 社区's) shows, sending a report
 * with 1–3 photos, and the tracking page a resident reaches with the code they were given. A resident has
 * no account: the web layer hands over the device id (signed cookie) and the keyed hash of the sender's
 * address, and has already checked the signed form token.
 *
 * Privacy: a phone number is kept only with the resident's consent, for reportPhoneDays(db) days, and is
 * shown to the office only (never to units, never on the tracking page); the address hash is forgotten
 * after the abuse window like the survey pages'. `forgetReportPrivacy` runs at start and every six hours.
 */
import { atomically, type Db } from '../db/connection.ts';
import { findCommunityById, findStreetById, listCommunities, listStreets } from '../db/repos/places.ts';
import { findProblem } from '../db/repos/problems.ts';
import {
  countAddressReportsSince,
  countDeviceReportsSince,
  countReportsSince,
  findReportByCode,
  findReportLinkByToken,
  forgetExpiredPhones,
  insertReport,
  purgeReportAddressHashes,
  type ReportLinkRow,
} from '../db/repos/reports.ts';
import { AppError, InvalidInput, NotFound, type FieldErrors } from '../errors.ts';
import { REPORT_PROGRESS_NAMES } from '../labels.ts';
import { storePhotoOffThread } from '../photos/off-thread.ts';
import { now } from '../util/clock.ts';
import { formatShanghai, shanghaiDate, shanghaiMidnight } from '../util/time.ts';
import { discardStoredPhoto } from './photo-files.ts';
import { insertPhotos, type PreparedPhoto } from './problems.ts';
import { reportPhoneDays } from './outside-problems.ts';
import { checkPhone, newTrackingCode, normalizeTrackingCode } from './report-codes.ts';

/** What a resident may send. */
export const REPORT_LIMITS = {
  description: 500,
  address: 200,
  maxPhotos: 3,
  photoBytes: 10 * 1024 * 1024,
  /** reports one device may send in a day (Asia/Shanghai) */
  perDevicePerDay: 10,
  /**
   * reports from one network address in a day: a new device id costs a stranger nothing, an address
   * does (many phones may share a carrier's address: well above one person's use)
   */
  perAddressPerDay: 50,
  /** reports the whole district takes in a day: beyond it, strangers cannot fill the disk with photos */
  perDistrictPerDay: 2000,
  /** uploads read at the same time (each up to maxPhotos × photoBytes in memory) */
  concurrentUploads: 4,
};

export const UNKNOWN_REPORT_LINK = '找不到该随手拍页面，请核对二维码或链接';
export const UNKNOWN_CODE = '查询码不正确，请核对后重新输入（共10位字母和数字）';
export const DAILY_CAP = `感谢您的热心！同一部手机每天最多提交${REPORT_LIMITS.perDevicePerDay}条反映，请明天再来。`;
export const ADDRESS_CAP =
  '感谢您的热心！您所在的网络今天提交的反映已达上限，请明天再来，或拨打 12345 反映。';
export const DISTRICT_CAP = '今天收到的反映已达上限，请明天再来，或拨打 12345 反映。';

/**
 * Refuses (429) a sender over a day's limits, BEFORE the route reads any body: per device, per network
 * address (its keyed hash) and for the whole district.
 */
export function refuseOverDailyLimits(db: Db, visitor: ReportVisitor, at: Date = now()): void {
  const since = shanghaiMidnight(shanghaiDate(at));
  if (countDeviceReportsSince(db, visitor.deviceId, since) >= REPORT_LIMITS.perDevicePerDay)
    throw new AppError(429, DAILY_CAP);
  if (
    visitor.addrHash !== null &&
    countAddressReportsSince(db, visitor.addrHash, since) >= REPORT_LIMITS.perAddressPerDay
  )
    throw new AppError(429, ADDRESS_CAP);
  if (countReportsSince(db, since) >= REPORT_LIMITS.perDistrictPerDay) throw new AppError(429, DISTRICT_CAP);
}

export interface ReportLinkView {
  link: ReportLinkRow;
  /** the 社区's name, or 全区 for the district's link */
  placeName: string;
  /** the district's link: the 社区 a resident may pick, by 镇街 */
  streets: { name: string; communities: { id: number; name: string }[] }[];
  phoneDays: number;
}

/** GET /r/<token>: the link and what its form offers; 404 for an unknown link. */
export function reportLinkView(db: Db, token: string): ReportLinkView {
  const link = token.length <= 64 ? findReportLinkByToken(db, token) : undefined;
  if (!link) throw new NotFound(UNKNOWN_REPORT_LINK);
  const streets: ReportLinkView['streets'] = [];
  let placeName = '全区';
  if (link.community_id !== null) {
    const c = findCommunityById(db, link.community_id);
    placeName = c ? `${findStreetById(db, c.street_id)?.name ?? ''} ${c.name}`.trim() : '';
  } else {
    const names = new Map(listStreets(db).map((s) => [s.id, s.name]));
    for (const c of listCommunities(db)) {
      if (c.retired_at) continue;
      const name = names.get(c.street_id) ?? '';
      let s = streets.at(-1);
      if (s?.name !== name) streets.push((s = { name, communities: [] }));
      s.communities.push({ id: c.id, name: c.name });
    }
  }
  return { link, placeName, streets, phoneDays: reportPhoneDays(db) };
}

/** What the form sent (strings as typed). */
export interface ReportInput {
  description: string;
  address: string;
  /** the district's link: the 社区 picked ('' none) */
  community: string;
  phone: string;
  /** the consent box was ticked */
  consent: boolean;
}

export interface ReportPhoto {
  buffer: Buffer;
  originalName: string;
}

export interface ReportVisitor {
  deviceId: string;
  addrHash: string | null;
}

interface CheckedReport {
  description: string;
  address: string;
  communityId: number | null;
  phone: string | null;
}

function checkReport(db: Db, view: ReportLinkView, input: ReportInput, photos: number): CheckedReport {
  const fields: FieldErrors = {};
  const description = input.description.trim();
  const address = input.address.trim();
  if (!description) fields.description = '请描述您发现的问题';
  else if ([...description].length > REPORT_LIMITS.description)
    fields.description = `问题描述不能超过${REPORT_LIMITS.description}字`;
  if (!address) fields.address = '请填写问题所在的位置';
  else if ([...address].length > REPORT_LIMITS.address)
    fields.address = `位置不能超过${REPORT_LIMITS.address}字`;
  let communityId = view.link.community_id;
  if (communityId === null && input.community.trim() !== '') {
    const id = /^\d{1,12}$/.test(input.community.trim()) ? Number(input.community.trim()) : NaN;
    const c = Number.isNaN(id) ? undefined : findCommunityById(db, id);
    if (!c || c.retired_at) fields.community = '请从列表中选择社区';
    else communityId = c.id;
  }
  let phone: string | null = null;
  if (input.phone.trim() !== '') {
    const checked = checkPhone(input.phone);
    if (checked === null) fields.phone = '请填写正确的手机号码或固定电话（如 13812345678、0571-87654321）';
    else if (!input.consent) fields.phone = '如需留下电话，请勾选同意保存电话号码；不需要回复可不填';
    else phone = checked;
  }
  if (photos < 1) fields.photos = '请至少拍摄或选择一张照片';
  if (Object.keys(fields).length) throw new InvalidInput(Object.values(fields)[0]!, fields);
  return { description, address, communityId, phone };
}

/**
 * POST /r/<token>: checks the report, keeps its photos (each decoded whole by the photo door), then
 * stores the report and its photos in one transaction; returns the tracking code. Nothing is stored on
 * any refusal: 400 with the field's message, 429 over the device's daily cap, 404 an unknown link.
 */
export async function submitReport(
  ctx: { db: Db; uploadDir: string },
  token: string,
  input: ReportInput,
  visitor: ReportVisitor,
  photos: ReportPhoto[],
): Promise<string> {
  const { db } = ctx;
  const view = reportLinkView(db, token);
  const at = now();
  refuseOverDailyLimits(db, visitor, at);
  if (photos.length > REPORT_LIMITS.maxPhotos)
    throw new InvalidInput(`最多上传${REPORT_LIMITS.maxPhotos}张照片`, { photos: '照片太多' });
  const checked = checkReport(db, view, input, photos.length);
  const stored: PreparedPhoto[] = [];
  try {
    for (const [i, ph] of photos.entries()) {
      try {
        const file = await storePhotoOffThread(ctx.uploadDir, ph.buffer, {
          lines: [`群众随手拍 · ${view.placeName}`],
          timeFirst: true,
        });
        stored.push({ original: ph.originalName, file, flags: [] });
      } catch (err) {
        if (err instanceof InvalidInput)
          throw new InvalidInput(`第${i + 1}张照片：${err.message}`, { photos: err.message });
        throw err;
      }
    }
    return atomically(db, () => {
      // again inside the transaction: two uploads of the same sender may have been read side by side
      refuseOverDailyLimits(db, visitor, at);
      const createdAt = at.toISOString();
      let code = newTrackingCode();
      while (findReportByCode(db, code)) code = newTrackingCode();
      const reportId = insertReport(db, {
        code,
        linkId: view.link.id,
        communityId: checked.communityId,
        address: checked.address,
        description: checked.description,
        phone: checked.phone,
        phoneUntil: checked.phone
          ? new Date(at.getTime() + reportPhoneDays(db) * 86_400_000).toISOString()
          : null,
        device: visitor.deviceId,
        addrHash: visitor.addrHash,
        createdAt,
      });
      insertPhotos(db, null, null, 'report', stored, reportId); // a resident's: no problem yet, no uploader
      return code;
    });
  } catch (err) {
    for (const { file } of stored) discardStoredPhoto(db, ctx.uploadDir, file);
    throw err;
  }
}

/** What the tracking page shows: never the phone, never units' notes — only the state, reason and reply. */
export interface ReportStatusView {
  code: string;
  /** 待受理 / 已受理·整改中 / 已整改待复查 / 已办结 / 重复问题 / 不予受理 */
  progress: string;
  /** for a duplicate: how the problem it repeats is going */
  duplicateOf: string | null;
  reason: string;
  reply: string;
  sentAt: string;
  description: string;
  address: string;
}

/** GET /r/status?code=… and /r/<token>/status/<code>: 404 for a code nobody was given. */
export function reportStatusView(db: Db, codeIn: string): ReportStatusView {
  const code = normalizeTrackingCode(codeIn);
  const r = code ? findReportByCode(db, code) : undefined;
  if (!r) throw new NotFound(UNKNOWN_CODE);
  const problem = r.problem_id === null ? undefined : findProblem(db, r.problem_id);
  const key = r.status === 'accepted' ? (problem?.status ?? 'open') : r.status;
  return {
    code: r.code,
    progress: REPORT_PROGRESS_NAMES[key] ?? '',
    duplicateOf: r.status === 'duplicate' && problem ? (REPORT_PROGRESS_NAMES[problem.status] ?? null) : null,
    reason: r.status === 'rejected' ? r.reason : '',
    reply: r.reply,
    sentAt: formatShanghai(r.created_at),
    description: r.description,
    address: r.address,
  };
}

/**
 * Forgets what is kept for a limited time: phone numbers past their period, and senders' address hashes
 * older than the abuse window (days). Returns how many of each.
 */
export function forgetReportPrivacy(
  db: Db,
  abuseDays: number,
  at: Date = now(),
): { phones: number; addresses: number } {
  return atomically(db, () => ({
    phones: forgetExpiredPhones(db, at.toISOString()),
    addresses: purgeReportAddressHashes(db, new Date(at.getTime() - abuseDays * 86_400_000).toISOString()),
  }));
}
