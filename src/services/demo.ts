/**
 * The demo district (清河区), filled into an empty database at first start so a new user sees every
 * capability at once. It goes only through the services, never around them, so it stays valid as the
 * product grows; each later capability adds its part here through its own services.
 */
import { randomInt } from 'node:crypto';
import type { Db } from '../db/connection.ts';
import { setSetting } from '../db/repos/settings.ts';
import type { Role } from '../db/repos/users.ts';
import { createUser } from './accounts.ts';
import { createCommunity, createStreet } from './places.ts';
import { createSite } from './sites.ts';
import { createUnit, linkLiaison } from './units.ts';
import { SYSTEM } from './access.ts';
import { createRound, openRound } from './rounds.ts';
import { spreadEvenly } from './assignments.ts';
import { findUserById } from '../db/repos/users.ts';
import { seedDemoProblems, seedDemoSheets, seedPublishedRound } from './demo-sheets.ts';
import { seedDemoTasks } from './demo-tasks.ts';
import { seedDemoSurveys } from './demo-surveys.ts';
import { seedDemoSources } from './demo-sources.ts';
import { seedDemoReminders } from './demo-reminders.ts';
import type { CriteriaCache } from './criteria-registry.ts';
import { addDays, shanghaiDate } from '../util/time.ts';
import { seededRandom } from '../util/random.ts';

export const DEMO_CRITERIA_CODE = 'district-2026';

export interface DemoAccount {
  username: string;
  password: string;
  role: Role;
  who: string;
}

const DEPARTMENTS: [code: string, name: string, department: string][] = [
  ['D-CGJ', '区城管局', '城管局'],
  ['D-SCJG', '区市场监管局', '市场监管局'],
  ['D-ZJJ', '区住建局', '住建局'],
  ['D-JTJ', '区交通运输局', '交通运输局'],
  ['D-WJJ', '区卫健局', '卫健局'],
  ['D-JYJ', '区教育局', '教育局'],
  ['D-WLJ', '区文旅局', '文旅局'],
  ['D-JJDD', '区公安分局交警大队', '公安交警大队'],
];
const LIAISON_UNITS: [code: string, name: string][] = [
  ['L-XCB', '区委宣传部'],
  ['L-CZJ', '区财政局'],
  ['L-FGW', '区发改委'],
  ['L-RSJ', '区人社局'],
];

/** 镇街 → its 社区, each with its residential compounds and a back lane. */
const STREETS: { code: string; name: string; office: string; communities: [string, string[], string][] }[] = [
  {
    code: 'DH',
    name: '东湖街道',
    office: '东湖街道办事处',
    communities: [
      ['幸福社区', ['幸福家园小区', '锦绣花园'], '槐树巷'],
      ['和平社区', ['和平里小区'], '和平西巷'],
      ['湖滨社区', ['湖滨雅苑', '东湖新村'], '湖滨后街'],
      ['光明社区', ['光明小区'], '光明巷'],
    ],
  },
  {
    code: 'XC',
    name: '西城街道',
    office: '西城街道办事处',
    communities: [
      ['朝阳社区', ['朝阳小区', '阳光城'], '朝阳胡同'],
      ['文昌社区', ['文昌苑'], '文昌里'],
      ['新华社区', ['新华家属院'], '新华巷'],
    ],
  },
  {
    code: 'NS',
    name: '南山镇',
    office: '南山镇人民政府',
    communities: [
      ['南山社区', ['南山花苑'], '南山老街'],
      ['桃园社区', ['桃园新居'], '桃园巷'],
      ['青石社区', ['青石小区'], '青石板巷'],
    ],
  },
  {
    code: 'BG',
    name: '北关街道',
    office: '北关街道办事处',
    communities: [
      ['北关社区', ['北关小区'], '北关后巷'],
      ['康宁社区', ['康宁家园', '康宁东苑'], '康宁巷'],
      ['永安社区', ['永安里'], '永安胡同'],
    ],
  },
];

/** Sites that belong to a 镇街 directly: [type, name suffix, responsible department code]. */
const STREET_SITES: [string, string, string][] = [
  ['main_road', '大道', 'D-CGJ'],
  ['market', '农贸市场', 'D-SCJG'],
  ['school', '中心小学', 'D-JYJ'],
  ['bus_stop', '公交枢纽站', 'D-JTJ'],
  ['park', '公园', 'D-ZJJ'],
];

export async function seedDemo(
  db: Db,
  criteria: CriteriaCache,
  options: {
    uploadDir: string;
    password?: string | undefined;
    today?: string;
    port?: number;
    baseUrl?: string | undefined;
  },
): Promise<DemoAccount[]> {
  const rand = seededRandom(20261128);
  const jitter = () => (rand() - 0.5) * 0.03;
  const today = options.today ?? shanghaiDate();
  setSetting(db, 'district_name', '清河区');

  const dept = new Map<string, number>();
  for (const [code, name, department] of DEPARTMENTS)
    dept.set(code, createUnit(db, SYSTEM, { code, name, kind: 'department', department }));
  const liaisons = LIAISON_UNITS.map(([code, name]) => createUnit(db, SYSTEM, { code, name, kind: 'other' }));
  // 区级: the 创城办 answering the district's own 材料审核 / 网上申报 standards
  createUnit(db, SYSTEM, { code: 'Q-CCB', name: '区创城办（区级材料）', kind: 'district' });

  const streetIds: number[] = [];
  const unitByName = new Map<string, number>();
  let liaisonIndex = 0;
  for (const [si, street] of STREETS.entries()) {
    const streetUnit = createUnit(db, SYSTEM, {
      code: `S-${street.code}`,
      name: street.office,
      kind: 'street',
    });
    unitByName.set(street.office, streetUnit);
    const streetId = createStreet(db, SYSTEM, street.name, streetUnit);
    streetIds.push(streetId);
    const baseLat = 30.25 + si * 0.02;
    const baseLng = 120.13 + si * 0.025;
    for (const [ci, [communityName, compounds, lane]] of street.communities.entries()) {
      const unitName = `${communityName}居委会`;
      const communityUnit = createUnit(db, SYSTEM, {
        code: `C-${street.code}-${ci + 1}`,
        name: unitName,
        kind: 'community',
        parentId: streetUnit,
      });
      unitByName.set(unitName, communityUnit);
      const communityId = createCommunity(db, SYSTEM, streetId, communityName, communityUnit);
      linkLiaison(db, SYSTEM, communityId, liaisons[liaisonIndex++ % liaisons.length] as number);
      const place = (type: string, name: string, unitId: number, address: string) => {
        createSite(db, SYSTEM, {
          name,
          siteType: type,
          streetId,
          communityId,
          address,
          lat: +(baseLat + jitter()).toFixed(6),
          lng: +(baseLng + jitter()).toFixed(6),
          responsibleUnitId: unitId,
        });
      };
      const short = communityName.replace('社区', '');
      place(
        'community_office',
        `${communityName}党群服务中心`,
        communityUnit,
        `${street.name}${short}路${10 + ci}号`,
      );
      for (const [k, compound] of compounds.entries())
        place('residential', compound, communityUnit, `${street.name}${short}路${100 + k * 20}号`);
      place('back_lane', lane, communityUnit, `${street.name}${lane}`);
      if (ci % 2 === 0)
        place(
          'practice_station',
          `${communityName}新时代文明实践站`,
          communityUnit,
          `${communityName}党群服务中心二楼`,
        );
    }
    const prefix = street.name.replace(/街道|镇/, '');
    for (const [type, suffix, deptCode] of STREET_SITES) {
      createSite(db, SYSTEM, {
        name: `${prefix}${suffix}`,
        siteType: type,
        streetId,
        communityId: null,
        address: `清河区${street.name}${prefix}${suffix}`,
        lat: +(baseLat + jitter()).toFixed(6),
        lng: +(baseLng + jitter()).toFixed(6),
        responsibleUnitId: dept.get(deptCode) ?? null,
      });
    }
  }

  const accounts: DemoAccount[] = [];
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const pw = () =>
    options.password ?? Array.from({ length: 10 }, () => alphabet[randomInt(alphabet.length)]).join('');
  const add = async (
    username: string,
    role: 'office' | 'inspector' | 'unit' | 'leader',
    who: string,
    extra: { unit?: string; homeStreetId?: number } = {},
  ) => {
    const password = pw();
    const id = await createUser(db, SYSTEM, { username, password, role, displayName: who, ...extra });
    accounts.push({ username, password, role, who });
    return id;
  };
  const officeId = await add('office', 'office', '王主任');
  const inspectors = [
    await add('inspector1', 'inspector', '张伟', { homeStreetId: streetIds[0] as number }),
    await add('inspector2', 'inspector', '李娜', { homeStreetId: streetIds[1] as number }),
    await add('inspector3', 'inspector', '刘洋'),
    await add('inspector4', 'inspector', '陈静', { homeStreetId: streetIds[3] as number }),
  ];
  await add('chengguan', 'unit', '赵科长（区城管局）', { unit: 'D-CGJ' });
  await add('shichang', 'unit', '孙科长（区市场监管局）', { unit: 'D-SCJG' });
  await add('donghu', 'unit', '周主任（东湖街道）', { unit: 'S-DH' });
  await add('xingfu', 'unit', '吴书记（幸福社区）', { unit: 'C-DH-1' });
  await add('xuanchuan', 'unit', '郑干事（区委宣传部）', { unit: 'L-XCB' });
  await add('quji', 'unit', '钱科员（区创城办，区级材料）', { unit: 'Q-CCB' });
  // 包联领导: each leads a 包联 unit and sees the 社区 it 包联s
  await add('leader-xcb', 'leader', '林部长（区委宣传部）', { unit: 'L-XCB' });
  await add('leader-czj', 'leader', '何局长（区财政局）', { unit: 'L-CZJ' });

  const { id: versionId } = criteria.getByCode(DEMO_CRITERIA_CODE);
  const office = findUserById(db, officeId)!;
  const round = (name: string, startsOn: string, endsOn: string) => {
    const id = createRound({ db, criteria }, office, {
      name,
      criteriaVersionId: versionId,
      startsOn,
      endsOn,
      selection: { mode: 'all' },
    });
    openRound(db, office, id);
    spreadEvenly(db, office, id, { kind: 'unassigned' }, inspectors);
    return id;
  };
  // last month's round: scored, approved, closed and published (rankings, trends and problems build on it)
  const earlier = round('2026年11月实地测评', addDays(today, -35), addDays(today, -28));
  await seedPublishedRound(db, criteria, options.uploadDir, earlier, office);
  await seedDemoProblems(db, options.uploadDir, earlier, office);
  // this month's round, open: some sheets submitted, one in progress, one returned
  const current = round('2026年第四季度第1轮实地测评', addDays(today, -3), addDays(today, 11));
  await seedDemoSheets(db, criteria, options.uploadDir, current, office);
  // a 综合测评 round (实地考察 + 材料审核 + 问卷调查), opened 25 days ago: the units' 材料任务 in every
  // state, and residents' answers in every 社区
  const combined = await seedDemoTasks(db, criteria, options.uploadDir, office, today);
  seedDemoSurveys(db, combined, office, today);
  // problems from outside rounds: 督查 (office and leaders), 媒体, 随手拍, a 12345 batch; 2027's calendar
  await seedDemoSources(db, criteria, options.uploadDir, office, today);
  // units' contacts and robots at this server's demo sink, and yesterday's delivery log (#21)
  await seedDemoReminders(db, { port: options.port ?? 3000, baseUrl: options.baseUrl, today });
  setSetting(db, 'demo_seeded_at', new Date().toISOString());
  return accounts;
}
