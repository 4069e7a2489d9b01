/**
 * The demo's scoring work, done the way inspectors do it — through the sheet services: some sites
 * submitted with photos of their problems, one in progress, one returned by the office — so the office
 * has work to review on the first start. Photos are drawn here (plain shapes, no camera metadata).
 */
import sharp from 'sharp';
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/connection.ts';
import { findUserById, findUserByUsername, type UserRow } from '../db/repos/users.ts';
import { approveSheet } from './review.ts';
import { closeRound, publishRound } from './round-lifecycle.ts';
import { assignedSites, findRoundById, roundAssignments } from '../db/repos/rounds.ts';
import { saveChanges } from './sheets.ts';
import { submitSheet, returnSheet } from './sheet-submit.ts';
import { addEvidencePhoto } from './evidence-photos.ts';
import type { CriteriaCache } from './criteria-registry.ts';
import type { AnswerChangeInput } from '../protocol/sheet.ts';
import type { SheetCtx } from './sheet-access.ts';
import type { IndexedStandard } from '../criteria/load.ts';
import { seededRandom } from '../util/random.ts';
import { addDays } from '../util/time.ts';
import { listProblems } from '../db/repos/problems.ts';
import { unitSubtreeIds } from '../db/repos/units.ts';
import { reinspect, reportFix } from './problems.ts';
import { decideRequest, requestChange } from './problem-requests.ts';

export async function demoPhoto(rand: () => number, width = 1200, height = 900): Promise<Buffer> {
  const hue = Math.floor(rand() * 360);
  const shapes = Array.from({ length: 6 }, () => {
    const x = Math.floor(rand() * 1000);
    const y = Math.floor(rand() * 700);
    const w = 80 + Math.floor(rand() * 300);
    const h = 60 + Math.floor(rand() * 200);
    return `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="12" fill="hsl(${(hue + rand() * 90) % 360},45%,${35 + rand() * 30}%)"/>`;
  }).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 1200 900">
    <rect width="1200" height="900" fill="hsl(${hue},25%,70%)"/>${shapes}</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 80 }).toBuffer();
}

interface FillOptions {
  rand: () => number;
  failRate: number;
  naRate: number;
  maxCases: number;
  notes: string[];
  photo: () => Promise<Buffer>;
  /** photograph every failure, not only where the standard asks for a photo */
  photoEveryFailure: boolean;
  /**
   * 当场整改: every n-th failure (counted across the sheets sharing this counter) had one case put right
   * while the inspector stood there, so the version's on-the-spot factor is exercised. Counted, not
   * drawn, so the demo's other random choices stay what they were.
   */
  fixedEvery: { n: number; count: number };
}

/** An inspector answers these standards (a share failing, a few 不适用) and photographs the failures. */
async function fillSheet(
  ctx: SheetCtx,
  user: UserRow,
  roundId: number,
  siteId: number,
  standards: IndexedStandard[],
  o: FillOptions,
): Promise<void> {
  const changes: AnswerChangeInput[] = [];
  const photographed: string[] = [];
  for (const s of standards) {
    const roll = o.rand();
    if (roll < o.failRate) {
      const note = o.notes[Math.floor(o.rand() * o.notes.length)]!;
      const cases = 1 + Math.floor(o.rand() * o.maxCases);
      const fixedCases = ++o.fixedEvery.count % o.fixedEvery.n === 0 ? 1 : 0;
      changes.push({
        standard: s.code,
        result: 'fail',
        cases,
        fixedCases,
        note: fixedCases ? `${note}（已当场整改1处）` : note,
      });
      if (o.photoEveryFailure || s.photoRequired) photographed.push(s.code);
    } else if (roll > 1 - o.naRate) changes.push({ standard: s.code, result: 'na', cases: 0 });
    else changes.push({ standard: s.code, result: 'ok', cases: 0 });
  }
  saveChanges(ctx, user, roundId, siteId, { batchId: randomUUID(), baseRevision: 0, changes });
  for (const code of photographed)
    await addEvidencePhoto(ctx, user, roundId, siteId, {
      clientId: randomUUID(),
      standard: code,
      buffer: await o.photo(),
      originalName: `${code}.jpg`,
    });
}

interface Plan {
  inspector: string;
  sites: number;
  submit: boolean;
  completeShare: number;
}

const PLANS: Plan[] = [
  { inspector: 'inspector1', sites: 3, submit: true, completeShare: 1 },
  { inspector: 'inspector2', sites: 2, submit: true, completeShare: 1 },
  { inspector: 'inspector3', sites: 1, submit: false, completeShare: 0.4 },
];

export async function seedDemoSheets(
  db: Db,
  criteria: CriteriaCache,
  uploadDir: string,
  roundId: number,
  office: UserRow,
): Promise<void> {
  const ctx = { db, criteria, uploadDir };
  const rand = seededRandom(7);
  const notes = ['发现问题，已拍照', '存在乱堆放现象', '标识缺失', '设施破损', '卫生不达标', '宣传内容褪色'];
  let returned = false;
  const fixedEvery = { n: 3, count: 0 };
  const version = criteria.get(findRoundById(db, roundId)!.criteria_version_id);
  for (const plan of PLANS) {
    const user = findUserByUsername(db, plan.inspector)!;
    const sites = assignedSites(db, roundId, user.id).slice(0, plan.sites);
    for (const site of sites) {
      const standards = version.forSiteType(site.site_type);
      await fillSheet(
        ctx,
        user,
        roundId,
        site.site_id,
        standards.slice(0, Math.ceil(standards.length * plan.completeShare)),
        {
          rand,
          failRate: 0.2,
          naRate: 0.07,
          maxCases: 2,
          notes,
          photo: () => demoPhoto(rand),
          photoEveryFailure: true,
          fixedEvery,
        },
      );
      if (!plan.submit) continue;
      submitSheet(ctx, user, roundId, site.site_id);
      if (!returned) {
        returnSheet(ctx, office, roundId, site.site_id, '部分问题照片不够清晰，请补拍后重新提交');
        returned = true;
      }
    }
  }
}

/**
 * A whole round done: every site scored by its inspector (about one standard in ten failing, with a
 * photo where the standard asks for one), submitted, approved by the office, the round closed and
 * published. Communities differ on purpose so the rankings have a spread.
 */
export async function seedPublishedRound(
  db: Db,
  criteria: CriteriaCache,
  uploadDir: string,
  roundId: number,
  office: UserRow,
): Promise<void> {
  const ctx = { db, criteria, uploadDir };
  const rand = seededRandom(11);
  const version = criteria.get(findRoundById(db, roundId)!.criteria_version_id);
  const notes = [
    '墙面有小广告',
    '垃圾桶满溢',
    '公益广告褪色',
    '非机动车乱停放',
    '楼道堆放杂物',
    '无障碍通道被占用',
  ];
  const photo = await demoPhoto(rand, 640, 480);
  const fixedEvery = { n: 5, count: 0 };
  for (const row of roundAssignments(db, roundId)) {
    const user = findUserById(db, row.inspector_id!)!;
    // some 社区 do better than others: a per-community failure rate between 3 % and 20 %
    const failRate = 0.03 + (((row.community_id ?? row.street_id * 7) * 37) % 100) / 600;
    await fillSheet(ctx, user, roundId, row.site_id, version.forSiteType(row.site_type), {
      rand,
      failRate,
      naRate: 0.04,
      maxCases: 3,
      notes,
      photo: async () => photo,
      photoEveryFailure: false,
      fixedEvery,
    });
    submitSheet(ctx, user, roundId, row.site_id);
    approveSheet(ctx, office, roundId, row.site_id);
  }
  closeRound(db, office, roundId);
  publishRound(db, office, roundId);
}

/**
 * The rectification loop in every state, walked by the demo's people through the problem services:
 * reported fixed, closed after re-inspection, sent back once then fixed again, voided by an upheld
 * dispute, and with a transfer and an extension waiting for the office.
 */
export async function seedDemoProblems(
  db: Db,
  uploadDir: string,
  roundId: number,
  office: UserRow,
): Promise<void> {
  const ctx = { db, uploadDir };
  const rand = seededRandom(23);
  const photo = async () => [{ buffer: await demoPhoto(rand, 640, 480), originalName: 'after.jpg' }];
  const unitUser = (username: string) => findUserByUsername(db, username)!;
  const inspector = findUserByUsername(db, 'inspector3')!;
  const open = (username: string) =>
    listProblems(db, {
      roundId,
      status: 'open',
      unitIds: unitSubtreeIds(db, unitUser(username).unit_id!),
    }).filter((p) => !p.request);
  const cg = open('chengguan');
  const sc = open('shichang');
  const [a, b, c, d, e] = cg;
  if (a) await reportFix(ctx, unitUser('chengguan'), a.id, '已清理，恢复原貌', await photo());
  if (b) {
    await reportFix(ctx, unitUser('chengguan'), b.id, '已整改', await photo());
    await reinspect(ctx, office, b.id, 'pass', '整改到位', await photo());
  }
  if (c) {
    await reportFix(ctx, unitUser('chengguan'), c.id, '已初步处理', await photo());
    await reinspect(ctx, inspector, c.id, 'reject', '仍有残留，请彻底清理', await photo());
  }
  if (d) {
    await requestChange(
      ctx,
      unitUser('chengguan'),
      d.id,
      { kind: 'dispute', note: '该处已于测评前移交住建局管理，不属于本次扣分范围' },
      await photo(),
    );
    decideRequest(ctx, office, d.id, { approve: '1', note: '核实属实' });
  }
  if (e)
    await requestChange(
      ctx,
      unitUser('chengguan'),
      e.id,
      { kind: 'transfer', note: '该问题属于市场监管职责', unitId: String(unitUser('shichang').unit_id) },
      [],
    );
  const [f] = sc;
  if (f)
    await requestChange(
      ctx,
      unitUser('shichang'),
      f.id,
      { kind: 'extension', note: '需采购更换设备，申请延期', deadline: addDays(f.deadline, 10) },
      [],
    );
}
