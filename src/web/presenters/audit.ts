/**
 * Audit entries as the office reads them: the action in Chinese, the object it was about, and its detail
 * as lines "字段：值" or "字段：旧值 → 新值" — ids turned into names, codes into their Chinese words, a
 * photo's hash into "照片 3f2a9c1e…（点位 X）". Old rows keep the shapes they were written with, so every
 * shape ever written is read here; a key this module does not know still shows under a Chinese label.
 */
import type { AuditListRow, AuditNames } from '../../db/repos/audit.ts';
import { formatShanghai } from '../../util/time.ts';
import {
  AUDIT_ACTION_NAMES,
  AUDIT_ENTITY_NAMES,
  AUDIT_VIA_NAMES,
  AVOIDANCE_POLICY_NAMES,
  PROBLEM_STATUS_NAMES,
  REMINDER_CHANNEL_NAMES,
  RESULT_NAMES,
  ROLE_NAMES,
  UNIT_KIND_NAMES,
} from '../../labels.ts';

/** An action no entry of AUDIT_ACTION_NAMES names (a newer kind of entry) still reads in Chinese. */
export function actionName(action: string): string {
  const known = AUDIT_ACTION_NAMES[action];
  if (known) return known;
  const entity = AUDIT_ENTITY_NAMES[action.split('.')[0] ?? ''];
  return entity ? `${entity}变更` : '其他操作';
}

const LABELS: Record<string, string> = {
  problem: '问题',
  standard: '测评标准',
  status: '状态',
  username: '用户名',
  displayName: '姓名',
  role: '角色',
  unitId: '单位',
  homeStreetId: '所在镇街',
  active: '账号',
  name: '名称',
  code: '编码',
  kind: '类型',
  department: '部门名称',
  parentId: '上级单位',
  streetId: '所属镇街',
  communityId: '所属社区',
  liaisons: '包联单位',
  communities: '包联社区',
  siteType: '点位类型',
  lat: '纬度',
  lng: '经度',
  address: '地址',
  responsibleUnitId: '责任单位',
  result: '结果',
  cases: '问题数',
  fixedCases: '当场整改数',
  grade: '等级',
  note: '说明',
  reason: '原因',
  opinion: '处理意见',
  requestReason: '申请理由',
  requestedUnitId: '申请改由',
  requestedDeadline: '申请延至',
  deadline: '整改时限',
  currentDeadline: '当前整改时限',
  photos: '照片',
  flaggedPhotos: '存疑照片',
  sha256: '照片',
  criteriaVersionId: '测评体系',
  selection: '点位范围',
  sites: '点位数',
  inspectorId: '测评员',
  warning: '提示',
  policy: '回避方式',
  file: '文件',
  rows: '行数',
  answers: '答案数',
  via: '方式',
  version: '版本',
  // 材料任务 (task.score / return / extend / template)
  earned: '得分',
  possible: '分值',
  problemId: '整改问题',
  dueOn: '提交期限',
  material: '材料类型',
  replacedName: '替换的模板',
  source: '来源',
  rule: '整改时限规则',
  metres: '辖区外判定距离（米）',
  phoneDays: '电话号码保留天数',
  // 提醒 (settings.reminders, delivery.resend)
  digestHour: '每日汇总时间（时）',
  quietStart: '免打扰开始（时）',
  quietEnd: '免打扰结束（时）',
  escalateDays: '逾期抄送包联领导天数',
  resendOf: '重发的消息编号',
  channel: '发送渠道',
};

/** A detail's coded values, by the key they are written under. */
const WORDS: Record<string, Record<string, string>> = {
  role: ROLE_NAMES,
  kind: UNIT_KIND_NAMES,
  result: RESULT_NAMES,
  status: PROBLEM_STATUS_NAMES,
  policy: AVOIDANCE_POLICY_NAMES,
  via: AUDIT_VIA_NAMES,
  channel: REMINDER_CHANNEL_NAMES,
};

/** site.update keeps the row before (column names) beside the form after (field names). */
const SITE_COLUMNS: Record<string, string> = {
  siteType: 'site_type',
  streetId: 'street_id',
  communityId: 'community_id',
  responsibleUnitId: 'responsible_unit_id',
};

interface Context {
  names: AuditNames;
  site: string;
}

function label(key: string): string {
  return LABELS[key] ?? '其他信息';
}

function isChange(v: unknown): v is { old: unknown; new: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'old' in v && 'new' in v;
}

function selection(v: Record<string, unknown>, ctx: Context): string {
  if (v.mode === 'all') return '全部点位';
  if (v.mode === 'types' && Array.isArray(v.types))
    return `按点位类型：${v.types.map((t) => ctx.names.siteTypes.get(String(t)) ?? String(t)).join('、')}`;
  if (v.mode === 'sample') return `每类随机抽取 ${String(v.perType)} 个（随机种子 ${String(v.seed)}）`;
  return '—';
}

/** One value in words: names for ids, Chinese for codes, never JSON. */
export function formatValue(key: string, v: unknown, ctx: Context): string {
  if (v === null || v === undefined) return '（无）';
  if (v === '') return '（空）';
  const n = ctx.names;
  const name = (map: Map<number, string>) => map.get(Number(v)) ?? `（已删除，编号 ${String(v)}）`;
  switch (key) {
    case 'unitId':
    case 'parentId':
    case 'responsibleUnitId':
    case 'requestedUnitId':
      return name(n.units);
    case 'streetId':
    case 'homeStreetId':
      return name(n.streets);
    case 'communityId':
      return name(n.communities);
    case 'inspectorId':
      return name(n.users);
    case 'criteriaVersionId':
      return name(n.versions);
    case 'siteType':
      return n.siteTypes.get(String(v)) ?? String(v);
    case 'liaisons':
      return Array.isArray(v)
        ? v.map((id) => n.units.get(Number(id)) ?? String(id)).join('、') || '（无）'
        : '';
    case 'communities':
      return Array.isArray(v)
        ? v.map((id) => n.communities.get(Number(id)) ?? String(id)).join('、') || '（无）'
        : '';
    case 'active':
      return v ? '启用' : '停用';
    case 'problem':
      return `#${String(v)}`;
    case 'photos':
      return `${Array.isArray(v) ? v.length : Number(v)} 张`;
    case 'flaggedPhotos':
      return `${String(v)} 张（拍摄时间或地点与问题不符，请核实）`;
    case 'sha256':
      return `${String(v).slice(0, 8)}…${ctx.site ? `（点位 ${ctx.site}）` : ''}`;
    case 'selection':
      return typeof v === 'object' ? selection(v as Record<string, unknown>, ctx) : String(v);
  }
  const word = WORDS[key]?.[String(v)];
  if (word) return word;
  if (typeof v === 'boolean') return v ? '是' : '否';
  if (Array.isArray(v)) return v.map((x) => formatValue(key, x, ctx)).join('、') || '（无）';
  if (typeof v === 'object')
    return Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== null && x !== undefined)
      .map(([k, x]) => `${label(k)} ${formatValue(k, x, ctx)}`)
      .join('，');
  return String(v);
}

/** Lines "字段：旧 → 新" for the fields that differ between two snapshots (a new answer has no old). */
function compare(
  before: Record<string, unknown> | null,
  after: Record<string, unknown>,
  ctx: Context,
  column: (key: string) => string = (k) => k,
): string[] {
  const lines: string[] = [];
  for (const [key, v] of Object.entries(after)) {
    const old = before ? before[column(key)] : undefined;
    if (before && (old ?? null) === (v ?? null)) continue;
    lines.push(
      before
        ? `${label(key)}：${formatValue(key, old, ctx)} → ${formatValue(key, v, ctx)}`
        : `${label(key)}：${formatValue(key, v, ctx)}`,
    );
  }
  return lines;
}

export function describeDetail(detail: Record<string, unknown>, ctx: Context): string[] {
  const lines: string[] = [];
  for (const [key, v] of Object.entries(detail)) {
    if (v === null || v === undefined) continue;
    if ((key === 'new' || key === 'after') && typeof v === 'object') {
      const before = (key === 'new' ? detail.old : detail.before) as Record<string, unknown> | null;
      const column = key === 'after' ? (k: string) => SITE_COLUMNS[k] ?? k : undefined;
      const changed = compare(before ?? null, v as Record<string, unknown>, ctx, column);
      lines.push(...(changed.length ? changed : ['（内容未变）']));
      continue;
    }
    if (key === 'old' || key === 'before') continue;
    if (isChange(v))
      lines.push(`${label(key)}：${formatValue(key, v.old, ctx)} → ${formatValue(key, v.new, ctx)}`);
    else lines.push(`${label(key)}：${formatValue(key, v, ctx)}`);
  }
  return lines;
}

function parse(detail: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(detail);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function presentAudit(rows: AuditListRow[], names: AuditNames) {
  return rows.map((r) => {
    const detail = parse(r.detail);
    // a problem's entry links to the problem, so the detail need not repeat its number
    if (r.entity === 'problem') delete detail.problem;
    return {
      id: r.id,
      at: formatShanghai(r.at),
      who: r.user_name ?? '系统',
      action: actionName(r.action),
      round: r.round_name ?? '',
      site: r.site_name ?? '',
      target:
        r.entity === 'problem' && r.entity_id !== null
          ? { label: `问题 #${r.entity_id}`, href: `/problems/${r.entity_id}` }
          : null,
      lines: describeDetail(detail, { names, site: r.site_name ?? '' }),
    };
  });
}
