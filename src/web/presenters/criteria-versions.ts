/**
 * How a criteria version is named where one is chosen (新建轮次): two editions of one family share
 * most of their name, so each choice shows what tells them apart — version, code, effective date,
 * how many field standards and site types, when it was loaded — in full, as a list of radio cards
 * (a closed dropdown would cut the line off on a tablet).
 */
import type { Db } from '../../db/connection.ts';
import { listCriteriaVersions } from '../../db/repos/criteria-versions.ts';
import type { CriteriaCache } from '../../services/criteria-registry.ts';
import { formatShanghai } from '../../util/time.ts';

export interface VersionChoice {
  id: number;
  name: string;
  /** what tells it apart from the others, e.g. 版本 2026.1 · 编码 district-2026 · 实地考察标准 106 条 … */
  facts: string;
}

export function versionChoices(db: Db, criteria: CriteriaCache): VersionChoice[] {
  return listCriteriaVersions(db).map((row) => {
    const c = criteria.get(row.id);
    const field = c.standards.filter((s) => s.method === 'field').length;
    const parts = [
      `版本 ${row.version}`,
      `编码 ${row.code}`,
      ...(c.version.effectiveFrom ? [`${c.version.effectiveFrom} 起施行`] : []),
      `实地考察标准 ${field} 条`,
      `点位类型 ${c.version.siteTypes.length} 类`,
      `${formatShanghai(row.loaded_at).slice(0, 10)} 载入`,
    ];
    return { id: row.id, name: row.name, facts: parts.join(' · ') };
  });
}
