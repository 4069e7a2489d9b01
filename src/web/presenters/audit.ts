/** Audit entries as the office reads them: Chinese action names and a one-line summary of the detail. */
import type { AuditListRow } from '../../db/repos/audit.ts';
import { formatShanghai } from '../../util/time.ts';

const ACTIONS: Record<string, string> = {
  'user.create': '新增用户',
  'user.update': '修改用户',
  'user.password': '重置密码',
  'user.login': '登录',
  'unit.create': '新增单位',
  'unit.update': '修改单位',
  'unit.retire': '停用单位',
  'unit.restore': '恢复单位',
  'street.create': '新增镇街',
  'street.update': '修改镇街',
  'street.retire': '停用镇街',
  'street.restore': '恢复镇街',
  'community.create': '新增社区',
  'community.update': '修改社区',
  'community.retire': '停用社区',
  'community.restore': '恢复社区',
  'site.create': '新增点位',
  'site.update': '修改点位',
  'site.retire': '停用点位',
  'site.restore': '恢复点位',
  'liaison.add': '设置包联',
  'round.create': '新建轮次',
  'round.open': '开启轮次',
  'round.close': '结束轮次',
  'round.publish': '发布结果',
  'round.withdraw': '撤回发布',
  'round.exclude_site': '排除点位',
  'round.include_site': '恢复点位',
  'assignment.set': '测评分工',
  'sheet.submit': '提交测评表',
  'sheet.return': '退回测评表',
  'sheet.approve': '审核通过',
  'answer.change': '修改答案',
  'answer.correct': '更正答案',
  'photo.add': '补充照片',
  'photo.delete': '删除照片',
  'import.apply': 'Excel 导入',
  'results.import': '导入测评结果',
  'criteria.import': '导入测评体系',
  'settings.avoidance': '修改回避设置',
};

export function actionName(action: string): string {
  return ACTIONS[action] ?? action;
}

function summarize(detail: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(detail)) {
    if (v === null || v === undefined) continue;
    parts.push(`${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  }
  return parts.join('；');
}

export function presentAudit(rows: AuditListRow[]) {
  return rows.map((r) => ({
    id: r.id,
    at: formatShanghai(r.at),
    who: r.user_name ?? '系统',
    action: actionName(r.action),
    round: r.round_name ?? '',
    site: r.site_name ?? '',
    detail: summarize(JSON.parse(r.detail) as Record<string, unknown>),
  }));
}
