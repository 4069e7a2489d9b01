/**
 * Rounds (测评轮次): creating one frozen to a criteria version with its choice of sites, opening it.
 * Only the office (or the server acting for it) may; access.ts says so. (Assignments are in
 * assignments.ts, the rest of a round's life in round-lifecycle.ts, what the round pages show in
 * round-pages.ts.)
 */
import { atomically } from '../db/connection.ts';
import { z } from 'zod';
import type { Db } from '../db/connection.ts';
import { Conflict, InvalidInput, NotFound } from '../errors.ts';
import { appendAudit } from '../db/repos/audit.ts';
import { findCriteriaVersionById } from '../db/repos/criteria-versions.ts';
import { listActiveSites, type SiteRow } from '../db/repos/places.ts';
import {
  findRoundById,
  includeSites,
  insertRound,
  setRoundStatus,
  type RoundRow,
} from '../db/repos/rounds.ts';
import { CriteriaCache } from './criteria-registry.ts';
import {
  generateTasks,
  methodsText,
  ROUND_METHODS,
  taskStandards,
  type RoundMethod,
} from './document-tasks.ts';
import { auditUserId, canOrReject, type Actor } from './access.ts';
import { freezeQuestionnaire, surveyUnavailable } from './surveys.ts';
import { seededRandom, shuffled } from '../util/random.ts';

/** What the round services need: the database and the criteria versions. */
export interface RoundCtx {
  db: Db;
  criteria: CriteriaCache;
}

export const selectionSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('all') }),
  z.object({ mode: z.literal('types'), types: z.array(z.string()).min(1, '至少选择一个点位类型') }),
  z.object({
    mode: z.literal('sample'),
    perType: z
      .number({ error: '每类抽取数必须是整数' })
      .int('每类抽取数必须是整数')
      .min(1, '每类抽取数至少为1')
      .max(1000, '每类抽取数不能超过1000'),
    seed: z
      .number({ error: '随机种子必须是整数' })
      .int('随机种子必须是整数')
      .min(0, '随机种子不能为负数')
      .max(2 ** 31 - 1, '随机种子不能超过2147483647'),
  }),
]);
export type Selection = z.infer<typeof selectionSchema>;

const date = z.iso.date('日期格式应为 YYYY-MM-DD');

export interface CreateRoundInput {
  name: string;
  criteriaVersionId: number;
  startsOn: string;
  endsOn: string;
  selection: Selection;
  /** the methods the round counts; absent: field only */
  methods?: readonly string[];
}

/** The methods a new round may count. */
const OFFERED_METHODS: readonly RoundMethod[] = ['field', 'document', 'survey'];

/** Which active sites a selection takes, for the site types the version scores. */
export function selectSites(sites: SiteRow[], scoredTypes: Set<string>, selection: Selection): SiteRow[] {
  const eligible = sites.filter((s) => scoredTypes.has(s.site_type));
  if (selection.mode === 'all') return eligible;
  if (selection.mode === 'types') return eligible.filter((s) => selection.types.includes(s.site_type));
  const rand = seededRandom(selection.seed);
  const byType = new Map<string, SiteRow[]>();
  for (const s of eligible) byType.set(s.site_type, [...(byType.get(s.site_type) ?? []), s]);
  const picked: SiteRow[] = [];
  for (const type of [...byType.keys()].sort())
    picked.push(...shuffled(byType.get(type) ?? [], rand).slice(0, selection.perType));
  return picked.sort((a, b) => a.id - b.id);
}

export function createRound(ctx: RoundCtx, actor: Actor, input: CreateRoundInput): number {
  const { db, criteria } = ctx;
  canOrReject(db, actor, 'office.manage', null);
  const actorId = auditUserId(actor);
  const fields: Record<string, string> = {};
  const name = z
    .string()
    .trim()
    .min(1, '轮次名称不能为空')
    .max(100, '轮次名称不能超过100个字符')
    .safeParse(input.name);
  if (!name.success) fields.name = name.error.issues[0]?.message ?? '';
  if (!date.safeParse(input.startsOn).success) fields.startsOn = '开始日期格式应为 YYYY-MM-DD';
  if (!date.safeParse(input.endsOn).success) fields.endsOn = '结束日期格式应为 YYYY-MM-DD';
  else if (input.endsOn < input.startsOn) fields.endsOn = '结束日期不能早于开始日期';
  const selection = selectionSchema.safeParse(input.selection);
  if (!selection.success) fields.selection = selection.error.issues[0]?.message ?? '点位范围无效';
  const known = !!findCriteriaVersionById(db, input.criteriaVersionId);
  if (!known) fields.criteriaVersionId = '测评体系版本不存在';
  const asked = input.methods ?? ['field'];
  const methods = ROUND_METHODS.filter((m) => asked.includes(m));
  if (!asked.length) fields.methods = '至少选择一种测评方法';
  else if (asked.some((m) => !(OFFERED_METHODS as readonly string[]).includes(m)))
    fields.methods = '只能选择实地考察、材料审核（含网上申报）、问卷调查';
  else if (
    known &&
    methods.includes('document') &&
    !taskStandards(criteria.get(input.criteriaVersionId)).length
  )
    fields.methods = '所选测评体系版本没有需要单位提交材料的标准（材料审核 / 网上申报），不能组织材料审核';
  else if (known && methods.includes('survey')) {
    const why = surveyUnavailable(db, input.criteriaVersionId, criteria.get(input.criteriaVersionId));
    if (why) fields.methods = why;
  }
  if (Object.keys(fields).length || !name.success || !selection.success)
    throw new InvalidInput('请检查填写的内容', fields);
  const version = criteria.get(input.criteriaVersionId);
  const scoredTypes = new Set([...version.siteTypes.keys()].filter((t) => version.forSiteType(t).length > 0));
  const withField = methods.includes('field');
  const sites = withField ? selectSites(listActiveSites(db), scoredTypes, selection.data) : [];
  if (withField && !sites.length)
    throw new InvalidInput('按所选范围没有可测评的点位', { selection: '没有可测评的点位' });
  return atomically(db, () => {
    const id = insertRound(db, {
      ...input,
      name: name.data,
      selection: selection.data,
      createdBy: actorId,
      methods: methodsText(methods),
    });
    includeSites(
      db,
      id,
      sites.map((s) => s.id),
    );
    appendAudit(db, {
      userId: actorId,
      action: 'round.create',
      entity: 'round',
      entityId: id,
      roundId: id,
      detail: {
        name: name.data,
        criteriaVersionId: input.criteriaVersionId,
        selection: selection.data,
        sites: sites.length,
        methods,
      },
    });
    return id;
  });
}

/** The round (404 when there is none), for a service that has asked access itself. */
export function requireRound(db: Db, id: number): RoundRow {
  const round = findRoundById(db, id);
  if (!round) throw new NotFound('找不到该测评轮次');
  return round;
}

/** A round the actor is to manage (create, open, close, assign …): 404 when there is none, else the office only. */
export function managedRound(db: Db, actor: Actor, id: number): RoundRow {
  const round = requireRound(db, id);
  canOrReject(db, actor, 'office.manage', null);
  return round;
}

export function openRound(db: Db, actor: Actor, roundId: number): void {
  atomically(db, () => {
    const round = managedRound(db, actor, roundId);
    if (round.status !== 'draft') throw new Conflict('只有草稿状态的轮次可以开启');
    setRoundStatus(db, roundId, 'open');
    // 材料审核 / 网上申报: the tasks go out when the round opens (the places as they are now)
    const tasks = generateTasks(db, round, new CriteriaCache(db).get(round.criteria_version_id));
    // 问卷调查: the round keeps the questionnaire version it opened with
    const questionnaireId = freezeQuestionnaire(db, round);
    appendAudit(db, {
      userId: auditUserId(actor),
      action: 'round.open',
      entity: 'round',
      entityId: roundId,
      roundId,
      ...(tasks || questionnaireId !== null
        ? {
            detail: { ...(tasks ? { tasks } : {}), ...(questionnaireId !== null ? { questionnaireId } : {}) },
          }
        : {}),
    });
  });
}
