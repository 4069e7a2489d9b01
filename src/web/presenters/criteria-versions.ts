/**
 * Criteria versions as pages show them: the 测评体系 list (counts of standards, site types and rounds),
 * one version as a readable tree with its site-type × standard matrix, every version's rules for
 * 计分规则说明, and a version where one is chosen (新建轮次): two editions of one family share most of
 * their name, so each choice shows what tells them apart — version, code, effective date, how many field
 * standards and site types, when it was loaded — in full, as a list of radio cards (a closed dropdown
 * would cut the line off on a tablet).
 */
import type { IndexedCriteria } from '../../criteria/load.ts';
import type { Standard } from '../../criteria/schema.ts';
import type { LoadedVersion } from '../../services/criteria-pages.ts';
import { DEADLINE_UNIT_NAMES, MATERIAL_NAMES, METHOD_NAMES, RESPONSIBLE_UNIT_NAMES } from '../../labels.ts';
import { formatShanghai } from '../../util/time.ts';
import { scoringText } from './sheet.ts';
import { ruleLines } from './rules.ts';

export interface VersionChoice {
  id: number;
  name: string;
  /** what tells it apart from the others, e.g. 版本 2026.1 · 编码 district-2026 · 实地考察标准 106 条 … */
  facts: string;
}

const fieldCount = (c: IndexedCriteria) => c.standards.filter((s) => s.method === 'field').length;

export function versionChoices(versions: LoadedVersion[]): VersionChoice[] {
  return versions.map(({ row, criteria: c }) => {
    const parts = [
      `版本 ${row.version}`,
      `编码 ${row.code}`,
      ...(c.version.effectiveFrom ? [`${c.version.effectiveFrom} 起施行`] : []),
      `实地考察标准 ${fieldCount(c)} 条`,
      `点位类型 ${c.version.siteTypes.length} 类`,
      `${formatShanghai(row.loaded_at).slice(0, 10)} 载入`,
    ];
    return { id: row.id, name: row.name, facts: parts.join(' · ') };
  });
}

/** The rows of the 测评体系 table. */
export function presentCriteriaList(versions: (LoadedVersion & { rounds: number })[]) {
  return versions.map(({ row, criteria: c, rounds }) => ({
    ...row,
    loadedAt: formatShanghai(row.loaded_at),
    standards: c.standards.length,
    field: fieldCount(c),
    siteTypes: c.version.siteTypes.length,
    rounds,
  }));
}

/** A document / online standard's 提交要求 as lines of label and text (none without a task). */
export function taskLines(s: Standard): { label: string; text: string }[] {
  const t = s.task;
  if (!t) return [];
  const due = 'date' in t.due ? t.due.date : `测评开始后 ${t.due.daysFromStart} 天`;
  return [
    { label: '提交材料', text: t.materials.map((m) => MATERIAL_NAMES[m]).join('、') },
    ...(t.period ? [{ label: '期间', text: t.period }] : []),
    ...(t.requirement ? [{ label: '要求', text: t.requirement }] : []),
    { label: '提交期限', text: due },
  ];
}

/** One version's page: its facts and rules, the item → content → standard tree, the matrix. */
export function presentCriteriaVersion(id: number, c: IndexedCriteria) {
  const v = c.version;
  return {
    title: v.name,
    id,
    v,
    items: v.items.map((item) => ({
      ...item,
      contents: item.contents.map((content) => ({
        ...content,
        standards: content.standards.map((s) => ({
          ...s,
          methodName: METHOD_NAMES[s.method],
          scoringText: scoringText(s.points, s.scoring),
          deadlineText: `${s.deadlineDays} ${DEADLINE_UNIT_NAMES[s.deadlineUnit ?? 'calendar']}`,
          responsible:
            s.responsibleUnit.kind === 'department'
              ? s.responsibleUnit.department
              : RESPONSIBLE_UNIT_NAMES[s.responsibleUnit.kind],
          types: new Set(s.siteTypes),
          task: taskLines(s),
        })),
      })),
    })),
    rules: ruleLines(v),
    matrixTypes: v.siteTypes,
    fieldStandards: c.standards.filter((s) => s.method === 'field'),
  };
}

/** 计分规则说明's last part: each version's own rules. */
export function presentVersionRules(versions: LoadedVersion[]) {
  return versions.map(({ row, criteria: c }) => ({
    id: row.id,
    name: `${row.name}（${row.version}）`,
    rules: ruleLines(c.version),
  }));
}
