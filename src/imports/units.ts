/**
 * 责任单位 import: code, name, kind, department and parent code. A 镇街 or 社区 unit may also name the
 * 镇街 / 社区 it stands for, which is created when missing, so a district can be set up from one
 * spreadsheet: units (with their places) first, then sites, users and assignments. Optional columns give
 * the unit's contacts and group robot (#21), checked as the unit's contacts page checks them; a workbook
 * written before they existed imports as it always did.
 */
import { oneOf, text } from '../excel/index.ts';
import type { RowError } from '../excel/index.ts';
import { findUnitByCode, findUnitNamed, listUnits, type UnitKind } from '../db/repos/units.ts';
import { listCommunities, listStreets } from '../db/repos/places.ts';
import { createCommunity, createStreet } from '../services/places.ts';
import { createUnit } from '../services/units.ts';
import { lookup, type ImportKind } from './kind.ts';
import { placeChoices } from './places-lookup.ts';
import { listCriteriaVersions } from '../db/repos/criteria-versions.ts';
import type { CriteriaCache } from '../services/criteria-registry.ts';
import type { Db } from '../db/connection.ts';
import { findRobot, listContacts } from '../db/repos/reminders.ts';
import { checkContactsForm, writeUnitContacts, type CheckedContacts } from '../services/unit-contacts.ts';
import type { ContactField, RobotField } from '../services/unit-contacts-check.ts';
import { ROBOT_KIND_NAMES } from '../labels.ts';

const KINDS = {
  区级: 'district',
  镇街: 'street',
  社区: 'community',
  部门: 'department',
  其他: 'other',
} as const;

interface Row {
  code: string;
  name: string;
  kind: UnitKind;
  department?: string;
  parent?: string;
  place?: string;
  headName?: string;
  headMobile?: string;
  headEmail?: string;
  liaisonName?: string;
  liaisonMobile?: string;
  liaisonEmail?: string;
  robotKind?: string;
  webhook?: string;
  secret?: string;
}

/** The contact and robot columns: the page's field, the row's key and the header. */
const CONTACT_COLUMNS: [ContactField | RobotField, keyof Row, string][] = [
  ['head.name', 'headName', '负责人'],
  ['head.mobile', 'headMobile', '负责人手机'],
  ['head.email', 'headEmail', '负责人邮箱'],
  ['liaison.name', 'liaisonName', '联络员'],
  ['liaison.mobile', 'liaisonMobile', '联络员手机'],
  ['liaison.email', 'liaisonEmail', '联络员邮箱'],
  ['robot.kind', 'robotKind', '群机器人类型'],
  ['robot.webhook', 'webhook', '机器人地址'],
  ['robot.secret', 'secret', '加签密钥'],
];
const NOTES: Partial<Record<keyof Row, string>> = {
  headName: '可不填；填了手机或邮箱须填姓名',
  headMobile: '11 位中国大陆手机号',
  liaisonMobile: '11 位中国大陆手机号',
  robotKind: '企业微信 或 钉钉；不设群机器人则留空',
  webhook: `以 http:// 或 https:// 开头，至多 500 字符；通常为 https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…（企业微信）或 https://oapi.dingtalk.com/robot/send?access_token=…（钉钉）`,
  secret: '仅钉钉“加签”：SEC 开头的 67 位字符。导出时不含已保存的密钥',
};
const EXAMPLES: Partial<Record<keyof Row, string>> = {
  headName: '王主任',
  headMobile: '13800000000',
  headEmail: 'wang@example.gov.cn',
};

/** A row's contacts and robot, checked with the page's rules; each message goes to its column. */
function checkedContacts(r: Row & { _row: number }, errors: RowError[]): CheckedContacts | null {
  const form: Record<string, string> = {};
  for (const [field, key] of CONTACT_COLUMNS) form[field] = r[key] ?? '';
  if (Object.values(form).every((v) => v === '')) return null;
  const header = new Map(CONTACT_COLUMNS.map(([field, , h]) => [field, h]));
  return checkContactsForm(form, undefined, (field, message) =>
    errors.push({ row: r._row, column: header.get(field)!, message }),
  );
}

/** 部门 names the criteria versions send problems to, and those units already use. */
function departments(db: Db, criteria: CriteriaCache): string[] {
  const names = new Set<string>();
  for (const v of listCriteriaVersions(db))
    for (const s of criteria.get(v.id).standards)
      if (s.responsibleUnit.kind === 'department') names.add(s.responsibleUnit.department);
  for (const u of listUnits(db)) if (u.department) names.add(u.department);
  return [...names];
}

interface Plan {
  rows: Row[];
  /** code → the unit's contacts and robot, for the rows that give any */
  contacts: Map<string, CheckedContacts>;
}

export const unitsImport: ImportKind<Row, Plan> = {
  key: 'units',
  title: '责任单位',
  spec: ({ db, criteria }) => ({
    name: '责任单位',
    sheetName: '责任单位',
    columns: [
      {
        key: 'code',
        header: '单位编码',
        required: true,
        unique: true,
        width: 14,
        parse: text({ max: 60 }),
        note: '唯一，如 D-CGJ',
        example: 'D-CGJ',
      },
      {
        key: 'name',
        header: '单位名称',
        required: true,
        unique: true,
        width: 22,
        parse: text({ max: 100 }),
        example: '区城管局',
      },
      { key: 'kind', header: '类别', required: true, width: 8, parse: oneOf(KINDS), example: '部门' },
      {
        key: 'department',
        header: '部门名称',
        width: 14,
        parse: text({ max: 40 }),
        note: '部门类必填，与测评体系中的责任部门一致，如 城管局',
        choices: departments(db, criteria),
        example: '城管局',
      },
      {
        key: 'parent',
        header: '上级单位编码',
        width: 14,
        parse: text({ max: 60 }),
        note: '已有单位从下拉列表选择，也可引用本表前面新增的单位',
        choices: placeChoices(db).unitCodes,
      },
      {
        key: 'place',
        header: '对应镇街/社区',
        width: 16,
        parse: text({ max: 100 }),
        note: '类别为镇街或社区时可填：不存在则一并新建（社区的上级须是镇街单位）',
      },
      ...CONTACT_COLUMNS.map(([, key, header]) => ({
        key,
        header,
        width: key === 'webhook' ? 40 : key === 'secret' ? 24 : key.endsWith('Email') ? 22 : 14,
        parse:
          key === 'robotKind'
            ? oneOf({ [ROBOT_KIND_NAMES.wecom]: 'wecom', [ROBOT_KIND_NAMES.dingtalk]: 'dingtalk' })
            : text(),
        note: NOTES[key],
        example: EXAMPLES[key],
      })),
    ],
  }),
  resolve(rows, { db }) {
    const errors: RowError[] = [];
    const codesInFile = new Map(rows.map((r) => [r.code, r]));
    const contacts = new Map<string, CheckedContacts>();
    for (const r of rows) {
      const checked = checkedContacts(r, errors);
      if (checked) contacts.set(r.code, checked);
      if (findUnitByCode(db, r.code))
        errors.push({ row: r._row, column: '单位编码', message: `单位编码“${r.code}”已存在` });
      // unit names are unique too (units are picked and looked up by name): the same rule as the units page
      const namesake = findUnitNamed(db, r.name, null);
      if (namesake)
        errors.push({
          row: r._row,
          column: '单位名称',
          message: `单位名称“${r.name}”已被单位 ${namesake.code} 使用`,
        });
      if (r.kind === 'department' && !r.department)
        errors.push({ row: r._row, column: '部门名称', message: '部门类单位须填写部门名称' });
      if (r.parent && !codesInFile.has(r.parent))
        lookup(errors, r._row, '上级单位编码', r.parent, (v) => findUnitByCode(db, v), '上级单位');
      if (r.parent === r.code)
        errors.push({ row: r._row, column: '上级单位编码', message: '上级单位不能是自己' });
      if (r.place && r.kind !== 'street' && r.kind !== 'community')
        errors.push({ row: r._row, column: '对应镇街/社区', message: '只有镇街或社区类单位可以填写' });
      if (r.place && r.kind === 'community') {
        const parent = r.parent ? (codesInFile.get(r.parent) ?? findUnitByCode(db, r.parent)) : undefined;
        if (!parent || parent.kind !== 'street')
          errors.push({
            row: r._row,
            column: '上级单位编码',
            message: '社区的上级须是镇街类单位，才能确定社区属于哪个镇街',
          });
      }
    }
    // parents must come before children in the file so the tree can be built top-down
    const seen = new Set<string>();
    for (const r of rows) {
      if (r.parent && codesInFile.has(r.parent) && !seen.has(r.parent))
        errors.push({ row: r._row, column: '上级单位编码', message: `上级单位“${r.parent}”须写在本行之前` });
      seen.add(r.code);
    }
    return { errors, plan: { rows, contacts } };
  },
  apply({ rows, contacts }, { db, actor }) {
    const streetOfUnit = new Map<string, number>();
    for (const r of rows) {
      const parentId = r.parent ? (findUnitByCode(db, r.parent)?.id ?? null) : null;
      const id = createUnit(db, actor, {
        code: r.code,
        name: r.name,
        kind: r.kind,
        department: r.department ?? null,
        parentId,
      });
      const checked = contacts.get(r.code);
      if (checked) writeUnitContacts(db, actor, id, checked);
      if (r.place && r.kind === 'street') {
        const existing = listStreets(db).find((s) => s.name === r.place);
        streetOfUnit.set(r.code, existing?.id ?? createStreet(db, actor, r.place, id));
      }
      if (r.place && r.kind === 'community' && r.parent) {
        const parentUnit = findUnitByCode(db, r.parent)!;
        const streetId =
          streetOfUnit.get(r.parent) ?? listStreets(db).find((s) => s.unit_id === parentUnit.id)?.id;
        if (streetId === undefined) throw new Error(`unit ${r.parent} has no street`);
        if (!listCommunities(db).some((c) => c.street_id === streetId && c.name === r.place))
          createCommunity(db, actor, streetId, r.place, id);
      }
    }
    return rows.length;
  },
  current({ db }) {
    const units = listUnits(db);
    const streets = listStreets(db);
    const communities = listCommunities(db);
    return units.map((u) => ({
      ...contactCells(db, u.id),
      code: u.code,
      name: u.name,
      kind: u.kind,
      department: u.department ?? '',
      parent: units.find((p) => p.id === u.parent_id)?.code ?? '',
      place:
        streets.find((s) => s.unit_id === u.id)?.name ??
        communities.find((c) => c.unit_id === u.id)?.name ??
        '',
    }));
  },
};

/** A unit's contacts and robot in the workbook's columns (never the secret). */
function contactCells(db: Db, unitId: number): Partial<Row> {
  const cells: Partial<Row> = {};
  for (const c of listContacts(db, unitId)) {
    cells[`${c.role}Name`] = c.name;
    cells[`${c.role}Mobile`] = c.mobile ?? '';
    cells[`${c.role}Email`] = c.email ?? '';
  }
  const robot = findRobot(db, unitId);
  if (robot) {
    cells.robotKind = robot.kind;
    cells.webhook = robot.webhook;
  }
  return cells;
}
