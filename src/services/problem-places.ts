/**
 * Where a problem is, in words, for every list, page and paper that shows one. A problem from a sheet
 * (来源 测评) is at a site; a problem from a document task (来源 材料) has no site and is its task's: a
 * 社区's or 镇街's materials, a department's or the district's; a problem from outside rounds (督查,
 * 随手拍, 12345, 媒体) is at a site, or at the address (and 社区 / 镇街) it was recorded with. One function so the board, the problem
 * page, the notice, the workbook and the home pages name a document problem the same way.
 */
import { isOutsideSource, type ProblemSource } from '../db/repos/problems.ts';
import type { TaskLevel } from '../db/repos/document-tasks.ts';
import { PROBLEM_SOURCE_NAMES, TASK_LEVEL_NAMES } from '../labels.ts';

/** The place columns the problem lists and the workbook read. */
export interface ProblemPlaceColumns {
  source: ProblemSource;
  site_name: string | null;
  site_type: string | null;
  street_name: string | null;
  community_name: string | null;
  task_level: TaskLevel | null;
  task_department: string | null;
  /** where a problem from outside rounds was recorded, when it has no site */
  address: string;
}

export interface ProblemPlace {
  /** 来源: 测评, 材料, 督查, 随手拍, 12345, 媒体 */
  sourceName: string;
  isDocument: boolean;
  /** a problem from outside rounds (督查, 随手拍, 12345, 媒体): no round, maybe no site */
  isOutside: boolean;
  /** the site's name, or the document task's place (a 社区, a 镇街, a department, 区级) */
  name: string;
  /** the site type's name, or the task's level (社区 / 镇街 / 部门 / 区级) */
  kind: string;
  /** 镇街 / 社区 (a site directly under its 镇街: 镇街直属); a department's or the district's task: its level */
  area: string;
}

export function problemPlace(p: ProblemPlaceColumns, siteTypes: Map<string, string>): ProblemPlace {
  const sourceName = PROBLEM_SOURCE_NAMES[p.source];
  if (isOutsideSource(p.source)) {
    const type = p.site_type ?? '';
    const area = [p.street_name, p.community_name].filter(Boolean).join(' / ');
    return {
      sourceName,
      isDocument: false,
      isOutside: true,
      name: p.site_name ?? (p.address || p.community_name || p.street_name || '未填写地点'),
      kind: p.site_name === null ? '' : (siteTypes.get(type) ?? type),
      area,
    };
  }
  if (p.source !== 'document') {
    const type = p.site_type ?? '';
    return {
      sourceName,
      isDocument: false,
      isOutside: false,
      name: p.site_name ?? '',
      kind: siteTypes.get(type) ?? type,
      area: `${p.street_name ?? ''} / ${p.community_name || '镇街直属'}`,
    };
  }
  const level = p.task_level ?? 'district';
  const name =
    level === 'community'
      ? (p.community_name ?? '')
      : level === 'street'
        ? (p.street_name ?? '')
        : level === 'department'
          ? (p.task_department ?? '')
          : TASK_LEVEL_NAMES.district;
  const area =
    level === 'community'
      ? `${p.street_name ?? ''} / ${p.community_name ?? ''}`
      : level === 'street'
        ? (p.street_name ?? '')
        : TASK_LEVEL_NAMES[level];
  return {
    sourceName,
    isDocument: true,
    isOutside: false,
    name,
    kind: `${TASK_LEVEL_NAMES[level]}材料`,
    area,
  };
}

/**
 * The document task's page for a problem from one: the office's review page, or the task page a unit
 * or a 包联 leader opens (null: the problem has no task).
 */
export function problemTaskHref(
  p: { round_id: number | null; task_id: number | null },
  role: string,
): string | null {
  if (p.task_id === null) return null;
  return role === 'office' ? `/rounds/${p.round_id}/tasks/${p.task_id}` : `/tasks/${p.task_id}`;
}
