/**
 * Rounds and assigned sites as pages show them: Chinese names, formatted dates, grouped lists. What to
 * show comes from services/round-pages.ts; nothing here asks the database.
 */
import type { AssignedSiteRow, RoundRow } from '../../db/repos/rounds.ts';
import type { InspectionStatus } from '../../db/repos/inspections.ts';
import type { FieldErrors } from '../../errors.ts';
import type { Selection } from '../../services/rounds.ts';
import type { AssignmentsPage, ReviewPage, RoundPage, RoundSummary } from '../../services/round-pages.ts';
import {
  NO_UNIT_NAME,
  ROUND_METHOD_LONG_NAMES,
  ROUND_METHOD_NAMES,
  ROUND_STATUS_NAMES,
  SHEET_STATUS_NAMES,
  TASK_STATE_NAMES,
} from '../../labels.ts';
import type { LoadedVersion } from '../../services/criteria-pages.ts';
import {
  roundMethods,
  taskStandards,
  type RoundMethod,
  type TaskState,
} from '../../services/document-tasks.ts';
import type { RoundTaskFacts } from '../../services/round-pages.ts';
import { formatShanghai } from '../../util/time.ts';
import { aggregationText } from './rules.ts';

export interface RoundView {
  id: number;
  name: string;
  status: RoundRow['status'];
  statusName: string;
  dates: string;
  startsOn: string;
  endsOn: string;
  criteriaName: string;
  criteriaVersion: string;
  aggregation: string;
  /** 实地考察、材料审核 … */
  methods: string;
  /** the same, one name each (a narrow table keeps each name on one line) */
  methodNames: string[];
  hasField: boolean;
  hasDocument: boolean;
  sites: number;
  assigned: number;
}

/** `methods` defaults to the round's own (a caller holding an older summary without them). */
export function presentRound({
  round,
  methods = roundMethods(round),
  counts,
  criteria,
}: Omit<RoundSummary, 'methods'> & { methods?: RoundMethod[] }): RoundView {
  return {
    id: round.id,
    name: round.name,
    status: round.status,
    statusName: ROUND_STATUS_NAMES[round.status],
    dates: `${round.starts_on} 至 ${round.ends_on}`,
    startsOn: round.starts_on,
    endsOn: round.ends_on,
    criteriaName: criteria.name,
    criteriaVersion: criteria.version,
    aggregation: aggregationText(criteria.rules),
    methods: methods.map((m) => ROUND_METHOD_NAMES[m]).join('、'),
    methodNames: methods.map((m) => ROUND_METHOD_NAMES[m]),
    hasField: methods.includes('field'),
    hasDocument: methods.includes('document'),
    sites: counts.sites,
    assigned: counts.assigned,
  };
}

export interface SiteCard {
  id: number;
  name: string;
  typeName: string;
  href: string;
  state: 'none' | 'draft' | 'submitted' | 'returned' | 'approved';
  stateText: string;
  /** the sheet's revision when the page was made (the tablet refreshes a card it knows is behind) */
  revision: number;
}

export interface SiteGroup {
  street: string;
  communities: { community: string; sites: SiteCard[] }[];
}

export interface SiteProgress {
  status: SiteCard['state'];
  answered: number;
  total: number;
  revision?: number;
}

/** A site's sheet status in words; a draft with answers also says how far it is. */
export function stateText(p: SiteProgress): string {
  if (p.status === 'draft')
    return p.answered ? `${SHEET_STATUS_NAMES.draft} ${p.answered}/${p.total}` : SHEET_STATUS_NAMES.none;
  return SHEET_STATUS_NAMES[p.status];
}

/** 镇街 → 社区 → sites, keeping the query's order; sites directly under a 镇街 go under 「镇街直属」. */
export function groupAssignedSites(
  roundId: number,
  rows: AssignedSiteRow[],
  progress: (siteId: number, siteType: string) => SiteProgress,
): SiteGroup[] {
  const groups: SiteGroup[] = [];
  for (const row of rows) {
    let street = groups.find((g) => g.street === row.street_name);
    if (!street) groups.push((street = { street: row.street_name, communities: [] }));
    const cname = row.community_name ?? '镇街直属';
    let community = street.communities.find((c) => c.community === cname);
    if (!community) street.communities.push((community = { community: cname, sites: [] }));
    const p = progress(row.site_id, row.site_type);
    community.sites.push({
      id: row.site_id,
      name: row.site_name,
      typeName: row.site_type_name,
      href: `/rounds/${roundId}/sites/${row.site_id}`,
      state: p.status === 'draft' && !p.answered ? 'none' : p.status,
      stateText: stateText(p),
      revision: p.revision ?? 0,
    });
  }
  return groups;
}

/** How a round chose its sites, in words (the seed is shown so the draw can be repeated). */
export function selectionText(s: Selection, typeNames: ReadonlyMap<string, string>): string {
  if (s.mode === 'types') return `按点位类型：${s.types.map((t) => typeNames.get(t) ?? t).join('、')}`;
  if (s.mode === 'sample') return `随机抽样：每类 ${s.perType} 个（随机种子 ${s.seed}）`;
  return '全部在用点位';
}

/** A refused action on the round page (a withdrawal without its reason): the message and what was typed. */
export interface RoundPageRefusal {
  error: string;
  fields: FieldErrors;
  form: Record<string, string>;
}

/** The round page's view: the summary for everyone, the selection, the queue and the progress for the office. */
export function presentRoundPage({ summary, office }: RoundPage, refused: RoundPageRefusal | null = null) {
  return {
    title: summary.round.name,
    round: presentRound(summary),
    office: office && {
      selectionText: selectionText(office.selection, office.typeNames),
      waiting: office.waiting,
      byInspector: office.byInspector,
      byStreet: office.byStreet,
      tasks: office.tasks && presentTaskFacts(office.tasks),
      survey: office.survey,
    },
    error: refused?.error ?? null,
    fields: refused?.fields ?? {},
    form: refused?.form ?? {},
  };
}

/** The review list: each sheet with its type, status and submission time in words and its link. */
export function presentReview({ round, status, rows }: ReviewPage) {
  return {
    title: `审核 · ${round.name}`,
    round,
    status,
    rows: rows.map((s) => ({
      ...s,
      typeName: s.site_type_name,
      statusName: SHEET_STATUS_NAMES[s.status],
      submittedAt: formatShanghai(s.submitted_at),
      href: `/rounds/${round.id}/sites/${s.site_id}`,
    })),
  };
}

/** The 测评分工 page: each site's type and sheet status in words, each inspector with their home 镇街. */
export function presentAssignments(page: AssignmentsPage) {
  const streetName = new Map(page.streets.map((s) => [s.id, s.name]));
  return {
    ...page,
    title: `测评分工 · ${page.round.name}`,
    rows: page.rows.map((a) => ({
      ...a,
      typeName: a.site_type_name,
      statusName: SHEET_STATUS_NAMES[(a.status ?? 'none') as InspectionStatus | 'none'],
    })),
    inspectors: page.inspectors.map((i) => ({
      id: i.id,
      name: i.name,
      home: i.homeStreetId === null ? '' : (streetName.get(i.homeStreetId) ?? ''),
    })),
  };
}

/** The sheets in the way of closing a round, at most 20 of them named, then how many more there are. */
export function pendingSheetLines(pending: { name: string; status: string | null }[]): string[] {
  const shown = pending
    .slice(0, 20)
    .map((p) => `${p.name}（${SHEET_STATUS_NAMES[(p.status ?? 'none') as InspectionStatus | 'none']}）`);
  if (pending.length > shown.length)
    shown.push(`……另有 ${pending.length - shown.length} 个点位未列出，见本轮的“审核测评表”页`);
  return shown;
}

/** The order the 材料审核 panel lists the task states in: what needs doing first. */
const TASK_STATE_ORDER: readonly TaskState[] = ['pending', 'overdue', 'submitted', 'returned', 'scored'];

/** The round page's 材料审核 panel: tasks per state, each linking to the review queue filtered by it. */
export function presentTaskFacts(t: RoundTaskFacts) {
  return {
    standards: t.standards,
    total: t.total,
    failed: t.failed,
    noUnit: t.noUnit,
    noUnitName: NO_UNIT_NAME,
    states: TASK_STATE_ORDER.map((state) => ({
      state,
      name: TASK_STATE_NAMES[state],
      count: t.byState[state],
    })),
  };
}

/**
 * The new-round form's methods: each with its line, ticked as typed; 材料审核 names the versions that
 * have task standards (the others are refused by createRound, with its message by the field).
 */
export function methodChoices(
  versions: LoadedVersion[],
  form: Record<string, unknown>,
  surveyVersions: string[] = [],
) {
  const ticked = Array.isArray(form.methods)
    ? form.methods.map(String)
    : typeof form.methods === 'string'
      ? [form.methods]
      : [];
  const withTasks = versions.filter((v) => taskStandards(v.criteria).length > 0);
  return {
    items: [
      {
        value: 'field',
        name: ROUND_METHOD_LONG_NAMES.field,
        line: '测评员到点位实地检查，在平板上逐项打分、拍照',
        checked: ticked.includes('field'),
      },
      {
        value: 'document',
        name: ROUND_METHOD_LONG_NAMES.document,
        line: '各单位按测评体系上传材料，创城办审核评分',
        checked: ticked.includes('document'),
      },
      {
        value: 'survey',
        name: ROUND_METHOD_LONG_NAMES.survey,
        line: '居民扫社区海报上的二维码用手机作答，测评员可入户调查；按知晓率、满意度等为问卷调查标准评分',
        checked: ticked.includes('survey'),
      },
    ],
    surveyVersions,
    documentVersions: withTasks.map((v) => v.row.name),
    documentVersionIds: withTasks.map((v) => v.row.id),
  };
}
