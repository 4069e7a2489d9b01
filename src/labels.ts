/**
 * Every word a user reads for a coded value — roles, unit kinds, round, sheet and problem statuses,
 * answer results, request kinds, a problem's history steps, audit actions, aggregation rules — written
 * once, so a page, a workbook, an import and the tablet script can never name the same thing two ways.
 * The words an import accepts are here too, built from the labels plus the older words a district's
 * files still carry. The module has no runtime imports (types only): esbuild bundles it into the tablet
 * script as it is.
 */
import type { Role } from './db/repos/users.ts';
import type { UnitKind } from './db/repos/units.ts';
import type { RoundStatus } from './db/repos/rounds.ts';
import type { InspectionStatus } from './db/repos/inspections.ts';
import type { ProblemStatus } from './db/repos/problems.ts';
import type { Result } from './scoring/standard.ts';
import type { Unranked } from './scoring/rank.ts';
import type { Material, MethodsRule, ResponsibleUnitRule, Rules, Standard } from './criteria/schema.ts';
import type { AvoidancePolicy } from './services/assignments.ts';
import type { RoundMethod, TaskState } from './services/document-tasks.ts';
import type { TaskLevel } from './db/repos/document-tasks.ts';
import type { DeadlineUnit, ProblemSource } from './db/repos/problems.ts';
import type { ReportStatus } from './db/repos/reports.ts';
import type {
  ContactRole,
  DeliveryChannel,
  DeliveryEvent,
  DeliveryStatus,
  RobotKind,
} from './db/repos/reminders.ts';
import type { SurveyChannel, SurveyFlag } from './db/repos/surveys.ts';
import type { Questionnaire, QuestionKind, SurveyRule } from './surveys/schema.ts';

export const ROLE_NAMES: Record<Role, string> = {
  office: '创城办',
  inspector: '测评员',
  unit: '责任单位',
  leader: '包联领导',
};

export const UNIT_KIND_NAMES: Record<UnitKind, string> = {
  street: '镇街',
  community: '社区',
  department: '部门',
  district: '区级',
  other: '其他',
};
/** The transfer form's <optgroup> headings, in this order: "其他" alone would read as a unit's name there. */
export const UNIT_KIND_GROUP_NAMES: Record<UnitKind, string> = {
  department: UNIT_KIND_NAMES.department,
  street: UNIT_KIND_NAMES.street,
  community: UNIT_KIND_NAMES.community,
  district: UNIT_KIND_NAMES.district,
  other: '其他单位',
};

export const ROUND_STATUS_NAMES: Record<RoundStatus, string> = {
  draft: '草稿',
  open: '进行中',
  closed: '已结束',
  published: '已发布',
};

/** A site's sheet in a round; `none` is a site with no sheet yet. */
export const SHEET_STATUS_NAMES: Record<InspectionStatus | 'none', string> = {
  none: '未开始',
  draft: '进行中',
  submitted: '已提交',
  returned: '已退回',
  approved: '已通过',
};
/** The results import's refusal says 填写中 for a draft sheet, as the round's review tabs do. */
export const SHEET_STATUS_IMPORT_NAMES: Record<InspectionStatus, string> = {
  draft: '填写中',
  submitted: '已提交',
  returned: '已退回',
  approved: '已通过',
};

/** The methods a round counts (材料审核 includes 网上申报: both are document tasks). */
export const ROUND_METHOD_NAMES: Record<RoundMethod, string> = {
  field: '实地考察',
  document: '材料审核',
  survey: '问卷调查',
};
/** Where a method's column says more than its name: 网上申报 is counted under 材料审核. */
export const ROUND_METHOD_LONG_NAMES: Record<RoundMethod, string> = {
  field: '实地考察',
  document: '材料审核（含网上申报）',
  survey: '问卷调查',
};

/** How a survey answer was collected. */
export const SURVEY_CHANNEL_NAMES: Record<SurveyChannel, string> = {
  public: '扫码自答',
  interviewer: '入户调查',
};

/** Why a survey answer waits for the office before it counts. */
export const SURVEY_FLAG_NAMES: Record<SurveyFlag, string> = {
  fast: '答题用时过短',
  burst: '短时间内多份相同答案',
};

/** A survey answer's state as the office's list and the answers workbook show it. */
export const SURVEY_ANSWER_STATE_NAMES = {
  valid: '有效',
  flagged: '待核实',
  cleared: '已核实有效',
  voided: '已作废',
  screened: '甄别未通过',
} as const;
export type SurveyAnswerState = keyof typeof SURVEY_ANSWER_STATE_NAMES;

/** A questionnaire question's kind (题型). */
export const QUESTION_KIND_NAMES: Record<QuestionKind, string> = {
  single: '单选题',
  multiple: '多选题',
  scale: '量表题',
  text: '填空题',
};
/** How a survey standard's rate becomes points (the questionnaire's rule for the standard). */
export const SURVEY_RULE_NAMES: Record<SurveyRule['mode'], string> = {
  proportional: '按比例',
  target: '达标扣分',
};
/** A 社区 with fewer valid answers than the questionnaire's minimum (样本不足). */
export const BELOW_MINIMUM_NAMES: Record<Questionnaire['belowMinimum'], string> = {
  score: '按已有的有效答案计分',
  zero: '问卷调查标准得0分',
};

/** A document task's state; 逾期未交 is a pending or returned task past its deadline. */
export const TASK_STATE_NAMES: Record<TaskState, string> = {
  pending: '未提交',
  submitted: '已提交',
  returned: '退回补充',
  scored: '已评分',
  overdue: '逾期未交',
};

/** Who answers a document task. */
export const TASK_LEVEL_NAMES: Record<TaskLevel, string> = {
  community: '社区',
  street: '镇街',
  department: '部门',
  district: '区级',
};

/** A document task without a unit to answer it (a 社区 or 镇街 the office has not given one). */
export const NO_UNIT_NAME = '无责任单位';

/** 来源 of a problem. */
export const PROBLEM_SOURCE_NAMES: Record<ProblemSource, string> = {
  round: '测评',
  document: '材料',
  inspection: '督查',
  report: '随手拍',
  hotline: '12345',
  media: '媒体',
};

/** How a deadline is counted, as a unit after a number (3 个工作日). */
export const DEADLINE_UNIT_NAMES: Record<DeadlineUnit, string> = {
  calendar: '天',
  workdays: '个工作日',
  hours: '小时',
};

/** How a deadline is counted, as a choice in a form. */
export const DEADLINE_RULE_NAMES: Record<DeadlineUnit, string> = {
  calendar: '自然日',
  workdays: '工作日',
  hours: '小时',
};

/** Reminders (#21): what a reminder is about. */
export const REMINDER_EVENT_NAMES: Record<DeliveryEvent, string> = {
  digest: '每日汇总',
  due_soon: '即将到期',
  overdue: '已逾期',
  escalation: '逾期抄送包联领导',
  fix_returned: '整改被退回',
  request_decided: '申请已处理',
  survey_behind: '问卷进度落后',
  test: '测试消息',
};

export const REMINDER_CHANNEL_NAMES: Record<DeliveryChannel, string> = {
  wecom: '企业微信群机器人',
  dingtalk: '钉钉群机器人',
  email: '电子邮件',
};

export const DELIVERY_STATUS_NAMES: Record<DeliveryStatus, string> = {
  queued: '待发送',
  sending: '发送中',
  sent: '已发送',
  failed: '失败，将重试',
  unknown: '结果未知',
  dead: '失败，已放弃',
};

export const CONTACT_ROLE_NAMES: Record<ContactRole, string> = { head: '负责人', liaison: '联络员' };

export const ROBOT_KIND_NAMES: Record<RobotKind, string> = { wecom: '企业微信', dingtalk: '钉钉' };

/** A 随手拍 report's state, as the office and the resident read it. */
export const REPORT_STATUS_NAMES: Record<ReportStatus, string> = {
  new: '待受理',
  accepted: '已受理',
  duplicate: '重复问题',
  rejected: '不予受理',
};

/** A 随手拍 report's progress as the resident reads it on the tracking page (accepted: by its problem's state). */
export const REPORT_PROGRESS_NAMES: Record<string, string> = {
  new: '待受理',
  open: '已受理·整改中',
  fixed: '已整改待复查',
  closed: '已办结',
  void: '已办结',
  duplicate: '重复问题',
  rejected: '不予受理',
};

/** 12345: a work order's 办理状态, as the outcome export writes it back to the hotline platform. */
export const HOTLINE_STATE_NAMES = {
  open: '办理中',
  fixed: '已整改待复查',
  closed: '已办结',
  overdue: '逾期',
  void: '作废',
} as const;

/** A document task's history steps. */
export const TASK_EVENT_NAMES: Record<string, string> = {
  upload: '上传文件',
  remove: '删除文件',
  replace: '替换文件',
  submit: '提交',
  score: '评分',
  return: '退回补充',
  extend: '延期',
};

export const PROBLEM_STATUS_NAMES: Record<ProblemStatus, string> = {
  open: '待整改',
  fixed: '已整改待复查',
  closed: '已销号',
  void: '已作废',
};

export type RequestKind = 'dispute' | 'transfer' | 'extension';
export const REQUEST_NAMES: Record<RequestKind, string> = {
  dispute: '申诉',
  transfer: '转办',
  extension: '延期',
};

export const RESULT_NAMES: Record<Result, string> = { ok: '符合', fail: '不符合', na: '不适用' };

/** A 社区's or 镇街's place in a ranking when it has none (its rank is null in the results). */
export const RANK_NAMES = { unranked: '未排名' } as const;
/** Why an entry is 未排名 (the rule's threshold is in the results header). */
export const UNRANKED_NAMES: Record<Unranked, string> = {
  'no-score': '尚无得分率',
  'too-few-points': '应得分不足',
};
/** The results workbook's 结果 column: the labels themselves. */
export const RESULT_WORDS = invert(RESULT_NAMES);

export const METHOD_NAMES: Record<Standard['method'], string> = {
  field: '实地考察',
  document: '材料审核',
  survey: '问卷调查',
  online: '网上申报',
};
/** Who must fix a problem found under a standard (责任单位类别); a department is shown by its name. */
export const RESPONSIBLE_UNIT_NAMES: Record<ResponsibleUnitRule['kind'], string> = {
  site: '点位责任单位',
  community: '所在社区',
  street: '所在镇街',
  department: '部门',
  district: '区级',
};
/** The criteria workbook's 责任单位类别 column: the labels themselves. */
export const RESPONSIBLE_UNIT_WORDS = invert(RESPONSIBLE_UNIT_NAMES);

/** The criteria workbook's 测评方法 column: the labels themselves. */
export const METHOD_WORDS = invert(METHOD_NAMES);

/** How sites combine into a 社区's and 镇街's 得分率, as the results page, round page and workbook say it. */
export const AGGREGATION_NAMES: Record<Rules['aggregation'], string> = {
  pooled: '汇总计算',
  mean: '平均计算',
};
/** The criteria workbook's 汇总方式 cell: the labels themselves… */
export const AGGREGATION_WORDS = invert(AGGREGATION_NAMES);
/** …and the words the workbook was written in before, still read from older files. */
export const AGGREGATION_OLD_WORDS: Readonly<Record<string, Rules['aggregation']>> = {
  汇总得分: 'pooled',
  得分率平均: 'mean',
};
/** The 不适用 rule in the criteria workbook's 不适用处理 cell. */
export const NA_RULE_NAMES: Record<Rules['notApplicable'], string> = { exclude: '排除', average: '取平均' };
export const NA_RULE_WORDS = invert(NA_RULE_NAMES);

/** The 反复出现 rule in the criteria workbook's 反复出现规则 cell. */
export const REPEAT_MODE_NAMES: Record<Rules['repeat']['mode'], string> = {
  none: '无',
  multiply: '加倍',
  add: '加扣',
};
export const REPEAT_MODE_WORDS = invert(REPEAT_MODE_NAMES);

/** A standard's 计分方式 in the criteria workbook. */
export const SCORING_MODE_NAMES: Record<Standard['scoring']['mode'], string> = {
  deduction: '扣分',
  grade: '等级',
  passfail: '合格制',
};
export const SCORING_MODE_WORDS = invert(SCORING_MODE_NAMES);

/**
 * A problem from a document task (来源 材料) is fixed with corrected documents and closed by the office's
 * review of them: its history names those steps so (other steps as PROBLEM_EVENT_NAMES).
 */
export const DOCUMENT_PROBLEM_EVENT_NAMES: Record<string, string> = {
  fix: '提交整改材料',
  close: '整改材料审核通过，销号',
  reject: '整改材料审核不通过，退回',
};

/** A step in a problem's history (problem_events.action), as the problem page lists it. */
export const PROBLEM_EVENT_NAMES: Record<string, string> = {
  raise: '交办',
  fix: '报告整改',
  close: '复查通过，销号',
  reject: '复查不通过，退回',
  void: '作废',
  request_dispute: '提出申诉',
  request_transfer: '申请转办',
  request_extension: '申请延期',
  refuse_dispute: '申诉不成立',
  refuse_transfer: '不同意转办',
  refuse_extension: '不同意延期',
  uphold_dispute: '申诉成立，作废并取消扣分',
  transfer: '转办',
  extend: '同意延期',
  assign: '安排复查',
  assign_unit: '交办',
  reassign_unit: '改派',
};

/** The office's answer to a unit's request, as the unit's home page tells it. */
export const DECISION_NAMES: Record<string, { kind: string; answer: string; granted: boolean }> = {
  refuse_dispute: { kind: REQUEST_NAMES.dispute, answer: '申诉不成立', granted: false },
  uphold_dispute: { kind: REQUEST_NAMES.dispute, answer: '申诉成立，问题作废并取消扣分', granted: true },
  refuse_transfer: { kind: REQUEST_NAMES.transfer, answer: '不同意转办', granted: false },
  transfer: { kind: REQUEST_NAMES.transfer, answer: '同意转办，已改由其他单位整改', granted: true },
  refuse_extension: { kind: REQUEST_NAMES.extension, answer: '不同意延期', granted: false },
  extend: { kind: REQUEST_NAMES.extension, answer: '同意延期', granted: true },
};

/** Every audit action ever written (old rows keep theirs), as the audit page names it. */
export const AUDIT_ACTION_NAMES: Record<string, string> = {
  'user.create': '新增用户',
  'user.update': '修改用户',
  'user.password': '重置密码',
  'user.login': '登录',
  'unit.create': '新增单位',
  'unit.update': '修改单位',
  'unit.retire': '停用单位',
  'unit.restore': '恢复单位',
  'unit.liaisons': '设置包联社区',
  'unit.contacts': '修改单位联系人与群机器人',
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
  'task.upload': '上传材料',
  'task.remove': '删除材料',
  'task.replace': '替换材料',
  'task.submit': '提交材料',
  'task.score': '材料评分',
  'task.return': '退回补充材料',
  'task.extend': '材料延期',
  'task.template': '上传材料模板',
  'task.template_remove': '删除材料模板',
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
  'problem.raise': '登记问题（督查、随手拍、12345、媒体）',
  'deadline_rule.set': '设置整改时限规则',
  'settings.outside_district': '修改辖区外判定距离',
  'settings.report_phone_days': '修改随手拍电话保留天数',
  'settings.reminders': '修改提醒设置（汇总时间、免打扰时段、抄送天数）',
  'delivery.resend': '重新发送提醒',
  'unit_alias.add': '添加单位别名',
  'unit_alias.remove': '删除单位别名',
  'problem.fix': '报告整改',
  'problem.close': '复查通过，销号',
  'problem.reject': '复查不通过，退回',
  'problem.request_dispute': '提出申诉',
  'problem.request_transfer': '申请转办',
  'problem.request_extension': '申请延期',
  'problem.refuse_dispute': '驳回申诉',
  'problem.refuse_transfer': '驳回转办申请',
  'problem.refuse_extension': '驳回延期申请',
  'problem.uphold_dispute': '申诉成立，问题作废',
  'problem.transfer': '同意转办',
  'problem.extend': '同意延期',
  'problem.assign': '安排复查人',
  'problem.unit': '交办 / 改派责任单位',
  'survey.target': '修改问卷样本目标',
  'survey.interviewer_add': '分配入户调查员',
  'survey.interviewer_remove': '取消入户调查员',
  'survey.clear': '核实问卷答案有效',
  'survey.void': '作废问卷答案',
  'calendar.enter': '录入节假日与调休安排',
  'report.accept': '受理随手拍（转为整改问题）',
  'report.duplicate': '随手拍标为重复问题',
  'report.reject': '随手拍不予受理',
  'report.reply': '发布随手拍答复',
  'unit.test_message': '向单位发送测试提醒',
};

/** An audit entry's object (the part of its action before the dot; `inspection` is an old rows' word). */
export const AUDIT_ENTITY_NAMES: Record<string, string> = {
  user: '用户',
  unit: '单位',
  street: '镇街',
  community: '社区',
  site: '点位',
  round: '轮次',
  assignment: '测评分工',
  sheet: '测评表',
  inspection: '测评表',
  answer: '答案',
  photo: '照片',
  problem: '问题',
  criteria: '测评体系',
  settings: '设置',
  import: '导入',
  results: '测评结果',
  survey: '问卷调查',
  calendar: '工作日日历',
  report: '随手拍',
  delivery: '提醒消息',
};

/** Avoidance settings (回避方式) as the audit page shows them. */
export const AVOIDANCE_POLICY_NAMES: Record<AvoidancePolicy, string> = { warn: '提醒', refuse: '不允许分配' };
/** How an audited change came in, when not by a form. */
export const AUDIT_VIA_NAMES: Record<string, string> = { import: 'Excel 导入' };

/** label → code, for an import cell that accepts the labels themselves. */
function invert<K extends string>(names: Record<K, string>): Readonly<Record<string, K>> {
  const words: Record<string, K> = {};
  for (const code of Object.keys(names) as K[]) words[names[code]] = code;
  return words;
}

/** What a 材料审核 / 网上申报 standard asks units to upload (its task's materials). */
export const MATERIAL_NAMES: Record<Material, string> = {
  policy: '规范文件',
  account: '情况说明',
  photos: '实景图片',
  tables: '统计表格',
  ledger: '工作台账',
  other: '其他',
};
/** The criteria workbook's 提交材料 cell: the labels themselves, joined by 、. */
export const MATERIAL_WORDS = invert(MATERIAL_NAMES);

/** How a version combines its methods into a total (rules.methods.combine). */
export const COMBINE_NAMES: Record<MethodsRule['combine'], string> = {
  pooled: '按总分汇总',
  weighted: '按方法加权',
};
/** The criteria workbook's 方法合成 cell: the labels themselves. */
export const COMBINE_WORDS = invert(COMBINE_NAMES);
/** The 12345 import's 时限单位 cell: 自然日 / 工作日 / 小时, and 天 / 个工作日 as typed after a number. */
export const DEADLINE_RULE_WORDS = invert(DEADLINE_RULE_NAMES);
export const DEADLINE_UNIT_WORDS = invert(DEADLINE_UNIT_NAMES);
