/**
 * The demo's problems from outside rounds (#20), so the first start shows every source of the loop:
 * 督查 recorded by the office and by 包联 leaders (one fixed and given to an inspector for 复查, one fixed
 * and closed by the leader who recorded it), a 媒体 report, residents' 随手拍 reports with one of each
 * outcome (受理 with a published reply, 重复, 不受理, one still waiting), an imported 12345 batch matched to
 * units through aliases, and a year's working-day calendar entered by the office. Everything goes through
 * the same services the pages use.
 */
import ExcelJS from 'exceljs';
import type { Db } from '../db/connection.ts';
import type { UserRow } from '../db/repos/users.ts';
import { findUserByUsername } from '../db/repos/users.ts';
import { listCommunities, listSites, type SiteRow } from '../db/repos/places.ts';
import { listUnits } from '../db/repos/units.ts';
import { listReportLinks } from '../db/repos/reports.ts';
import type { CriteriaCache } from './criteria-registry.ts';
import { recordProblem } from './problem-record.ts';
import { reinspect, reportFix } from './problems.ts';
import { assignReinspector } from './problem-assign.ts';
import { reportLinks } from './report-links.ts';
import { submitReport } from './reports-public.ts';
import { acceptReport, markDuplicate, rejectReport, setReportReply } from './reports-triage.ts';
import { addUnitAlias } from './unit-aliases.ts';
import { importHotlineOrders } from './hotline.ts';
import { enterCalendarYear } from './calendar.ts';
import { sourceDeadlineRule } from './deadlines.ts';
import { demoPhoto } from './demo-sheets.ts';
import { seededRandom } from '../util/random.ts';
import { addDays } from '../util/time.ts';

/**
 * 2027's holidays and make-up working days as the demo enters them. Marked 演示: the State Council's
 * notice for 2027 is what an office enters for real.
 */
const DEMO_2027 = `2027-01-01 休 元旦（演示）
2027-02-05 休 春节（演示）
2027-02-06 休 春节（演示）
2027-02-07 休 春节（演示）
2027-02-08 休 春节（演示）
2027-02-09 休 春节（演示）
2027-02-10 休 春节（演示）
2027-02-11 休 春节（演示）
2027-02-12 休 春节（演示）
2027-02-20 班 春节调休（演示）
2027-04-05 休 清明节（演示）
2027-05-01 休 劳动节（演示）
2027-05-02 休 劳动节（演示）
2027-05-03 休 劳动节（演示）
2027-05-04 休 劳动节（演示）
2027-05-05 休 劳动节（演示）
2027-05-08 班 劳动节调休（演示）
2027-06-09 休 端午节（演示）
2027-09-15 休 中秋节（演示）
2027-10-01 休 国庆节（演示）
2027-10-02 休 国庆节（演示）
2027-10-03 休 国庆节（演示）
2027-10-04 休 国庆节（演示）
2027-10-05 休 国庆节（演示）
2027-10-06 休 国庆节（演示）
2027-10-07 休 国庆节（演示）
2027-09-26 班 国庆节调休（演示）
2027-10-09 班 国庆节调休（演示）`;

export async function seedDemoSources(
  db: Db,
  criteria: CriteriaCache,
  uploadDir: string,
  office: UserRow,
  today: string,
): Promise<void> {
  const rand = seededRandom(2020);
  const photos = async (name: string) => [{ buffer: await demoPhoto(rand, 800, 600), originalName: name }];
  const user = (username: string) => findUserByUsername(db, username)!;
  const ctx = { db, criteria, uploadDir };
  const unitId = (code: string) => listUnits(db).find((u) => u.code === code)!.id;
  const communityId = (name: string) => listCommunities(db).find((c) => c.name === name)!.id;
  const site = (name: string): SiteRow => listSites(db).find((s) => s.name === name)!;

  enterCalendarYear(db, office, '2027', DEMO_2027);

  // 督查: the office at a back lane (the unit fixes it; inspector1 is given the 复查)
  const lane = site('槐树巷');
  const walked = await recordProblem(
    ctx,
    office,
    { source: 'inspection', site_id: String(lane.id), description: '巷内电动车乱停放，堵塞消防通道' },
    await photos('dc-1.jpg'),
  );
  await reportFix(
    { db, uploadDir },
    user('xingfu'),
    walked.id,
    '已清理并划定停车区',
    await photos('fix-1.jpg'),
  );
  assignReinspector(db, office, walked.id, String(user('inspector1').id));

  // 媒体: a newspaper's report of a crossing, by address, its unit not yet decided (待分派)
  await recordProblem(
    ctx,
    office,
    {
      source: 'media',
      address: '滨河路与东湖路交叉口东北角',
      community_id: String(communityId('湖滨社区')),
      description: '《清河晚报》报道：路口占道经营，夜间油烟扰民',
      // 待分派: the office decides whose it is on the problem's page (交办)
      unit_id: 'none',
    },
    await photos('media-1.jpg'),
  );

  // 督查 by 包联 leaders: one at a compound of theirs, by its coordinates; one fixed and closed by them
  const xcb = user('leader-xcb');
  const compound = site('朝阳小区');
  await recordProblem(
    ctx,
    xcb,
    {
      source: 'inspection',
      site_id: String(compound.id),
      lat: String(compound.lat ?? ''),
      lng: String(compound.lng ?? ''),
      description: '小区宣传栏公益广告破损褪色，未及时更换',
    },
    await photos('dc-2.jpg'),
  );
  const czj = user('leader-czj');
  const czjSite = site('和平里小区');
  const closedByLeader = await recordProblem(
    ctx,
    czj,
    { source: 'inspection', site_id: String(czjSite.id), description: '楼道堆放杂物，存在消防隐患' },
    await photos('dc-3.jpg'),
  );
  // 和平社区居委会 is under 东湖街道, whose account acts for it
  await reportFix(
    { db, uploadDir },
    user('donghu'),
    closedByLeader.id,
    '已清空楼道杂物',
    await photos('fix-3.jpg'),
  );
  await reinspect(
    { db, uploadDir },
    czj,
    closedByLeader.id,
    'pass',
    '现场已清理干净',
    await photos('re-3.jpg'),
  );

  // 随手拍: four residents' reports through the district's link
  reportLinks(db, office, '');
  const district = listReportLinks(db).find((l) => l.community_id === null)!;
  const report = async (description: string, address: string, community: string, phone = '') =>
    submitReport(
      { db, uploadDir },
      district.token,
      { description, address, community: String(communityId(community)), phone, consent: phone !== '' },
      { deviceId: `demo-${Math.floor(rand() * 1e9)}`, addrHash: null },
      await photos('resident.jpg'),
    );
  const codes = [
    await report('小区门口垃圾堆放好几天了，没人清理，味道很大', '幸福家园小区南门', '幸福社区'),
    await report('幸福家园南门的垃圾还在，希望尽快处理', '幸福家园小区南门外', '幸福社区'),
    await report('建议在公园里多装几个健身器材', '东湖公园北侧', '和平社区'),
    await report('人行道地砖松动，老人容易绊倒', '文昌里 8 号楼前', '文昌社区', '13800138000'),
  ];
  const byCode = (code: string) =>
    db.prepare('SELECT id FROM citizen_reports WHERE code = ?').pluck().get(code) as number;
  const reportRule = sourceDeadlineRule(db, 'report');
  const accepted = acceptReport({ db, criteria }, office, byCode(codes[0]!), {
    unit: String(unitId('C-DH-1')),
    deadlineUnit: reportRule.unit,
    deadlineAmount: String(reportRule.amount),
    version: '',
    standard: '',
    description: '幸福家园小区南门垃圾堆放多日未清理',
  });
  setReportReply(db, office, byCode(codes[0]!), '已交办幸福社区，预计 3 个工作日内清理完毕，感谢您的反映。');
  markDuplicate(db, office, byCode(codes[1]!), String(accepted));
  rejectReport(db, office, byCode(codes[2]!), '属于建议类事项，已转交区住建局参考，不纳入问题整改。');

  // 12345: the hotline platform's own spelling of two units, and a batch of this week's orders
  addUnitAlias(db, office, unitId('D-CGJ'), '清河区城市管理局');
  addUnitAlias(db, office, unitId('S-DH'), '东湖街道');
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('工单');
  ws.addRow(['工单号', '诉求内容', '地址', '受理时间', '承办单位', '时限', '时限单位']);
  const at = (days: number, time: string) => `${addDays(today, -days)} ${time}`;
  ws.addRow([
    'GD20261101',
    '夜间施工噪音扰民，影响休息',
    '东湖路 88 号工地',
    at(6, '09:12'),
    '清河区城市管理局',
    3,
    '工作日',
  ]);
  ws.addRow([
    'GD20261102',
    '小区路灯损坏多日未修',
    '湖滨雅苑 3 栋旁',
    at(5, '14:40'),
    '东湖街道',
    5,
    '工作日',
  ]);
  ws.addRow([
    'GD20261103',
    '农贸市场周边流动摊贩占道',
    '东湖农贸市场西门',
    at(3, '10:05'),
    '区市场监管局',
    7,
    '自然日',
  ]);
  ws.addRow([
    'GD20261104',
    '井盖缺失，存在安全隐患',
    '和平西巷口',
    at(2, '16:30'),
    '清河区城市管理局',
    24,
    '小时',
  ]);
  ws.addRow([
    'GD20261105',
    '公交站台广告牌破损',
    '西城大道公交站',
    at(1, '08:50'),
    '区交通运输局',
    5,
    '工作日',
  ]);
  const buffer = Buffer.from(await wb.xlsx.writeBuffer());
  const imported = await importHotlineOrders(
    { db, criteria },
    office,
    { buffer, originalname: '12345工单（演示）.xlsx', size: buffer.length },
    '演示第1批',
  );
  if (!imported.ok) throw new Error(`演示 12345 工单导入失败：${imported.messages.join('；')}`);
}
