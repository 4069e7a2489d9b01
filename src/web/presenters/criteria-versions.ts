/**
 * How a criteria version is named where one is chosen (新建轮次): two editions of one family share
 * most of their name, so the choice shows what tells them apart — version, code, effective date,
 * how many field standards and site types, when it was loaded.
 */
import type { Db } from '../../db/connection.ts';
import { listCriteriaVersions } from '../../db/repos/criteria-versions.ts';
import type { CriteriaCache } from '../../services/criteria-registry.ts';
import { formatShanghai } from '../../util/time.ts';

export interface VersionChoice {
  id: number;
  /** the option's text */
  label: string;
}

export function versionChoices(db: Db, criteria: CriteriaCache): VersionChoice[] {
  return listCriteriaVersions(db).map((row) => {
    const c = criteria.get(row.id);
    const field = c.standards.filter((s) => s.method === 'field').length;
    const parts = [
      `${row.name}`,
      `版本 ${row.version}`,
      `编码 ${row.code}`,
      ...(c.version.effectiveFrom ? [`${c.version.effectiveFrom} 起施行`] : []),
      `实地考察标准 ${field} 条`,
      `点位类型 ${c.version.siteTypes.length} 类`,
      `${formatShanghai(row.loaded_at).slice(0, 10)} 载入`,
    ];
    return { id: row.id, label: parts.join(' · ') };
  });
}
