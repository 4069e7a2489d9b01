/**
 * A round's results from outside (a third-party evaluation firm, or paper sheets typed in): one row per
 * site and standard with 结果, 问题数, 等级 and 备注. Each site present must have every standard that
 * applies to it; the sheets are stored as approved, marked with the file they came from.
 */
import { integer, oneOf, text, type RowError } from '../excel/index.ts';
import {
  findInspection,
  insertImportedInspection,
  upsertAnswers,
  type AnswerWrite,
} from '../db/repos/inspections.ts';
import { findRoundById, roundAssignments } from '../db/repos/rounds.ts';
import { appendAudit } from '../db/repos/audit.ts';
import type { Grade } from '../criteria/schema.ts';
import { normalizeChange } from '../services/sheets.ts';
import { InvalidInput } from '../errors.ts';
import { syncProblems } from '../services/problem-raise.ts';
import type { ImportKind } from './kind.ts';
import { RESULT_WORDS, SHEET_STATUS_IMPORT_NAMES } from '../labels.ts';

interface Row {
  siteId: number;
  siteName?: string;
  standard: string;
  standardText?: string;
  result: 'ok' | 'fail' | 'na';
  cases?: number;
  grade?: Grade;
  note?: string;
}

type Plan = { siteId: number; answers: AnswerWrite[] }[];

export const resultsImport: ImportKind<Row, Plan> = {
  key: 'results',
  title: '测评结果',
  spec: () => ({
    name: '测评结果',
    sheetName: '测评结果',
    maxRows: 20000,
    columns: [
      {
        key: 'siteId',
        header: '点位编号',
        required: true,
        width: 10,
        parse: integer({ min: 1 }),
        note: '模板已填好，请勿修改',
      },
      { key: 'siteName', header: '点位名称', width: 20, parse: text({ max: 100 }) },
      { key: 'standard', header: '标准编码', required: true, width: 10, parse: text({ max: 40 }) },
      { key: 'standardText', header: '测评标准', width: 50, parse: text({ max: 400 }) },
      { key: 'result', header: '结果', required: true, width: 8, parse: oneOf(RESULT_WORDS) },
      {
        key: 'cases',
        header: '问题数',
        width: 8,
        parse: integer({ min: 0, max: 999 }),
        note: '不符合时填写发现的问题处数',
      },
      {
        key: 'grade',
        header: '等级',
        width: 6,
        parse: oneOf(['A', 'B', 'C', 'C#'] as const),
        note: '等级制标准可只填等级',
      },
      { key: 'note', header: '备注', width: 30, parse: text({ max: 500 }), note: '问题描述' },
    ],
  }),
  resolve(rows, { db, criteria, roundId }) {
    const round = findRoundById(db, roundId!);
    if (!round) throw new InvalidInput('找不到该测评轮次');
    if (round.status !== 'open') throw new InvalidInput('只有进行中的轮次可以导入测评结果');
    const version = criteria.get(round.criteria_version_id);
    const sites = new Map(
      roundAssignments(db, round.id)
        .filter((a) => !a.excluded_reason)
        .map((a) => [a.site_id, a]),
    );
    const errors: RowError[] = [];
    const bySite = new Map<number, { first: number; answers: Map<string, AnswerWrite> }>();
    for (const r of rows) {
      const site = sites.get(r.siteId);
      if (!site) {
        errors.push({ row: r._row, column: '点位编号', message: `点位 ${r.siteId} 不在本轮测评范围内` });
        continue;
      }
      if (r.siteName && r.siteName !== site.site_name)
        errors.push({
          row: r._row,
          column: '点位名称',
          message: `与点位编号不符（编号 ${r.siteId} 是“${site.site_name}”）`,
        });
      const standard = version.forSiteType(site.site_type).find((s) => s.code === r.standard);
      if (!standard) {
        errors.push({
          row: r._row,
          column: '标准编码',
          message: `标准 ${r.standard} 不适用于${site.site_name}的点位类型`,
        });
        continue;
      }
      let cases = r.cases ?? (r.result === 'fail' && standard.scoring.mode === 'passfail' ? 1 : 0);
      if (standard.scoring.mode === 'grade' && r.grade && r.cases === undefined && r.result === 'fail') {
        cases = r.grade === 'A' ? 0 : standard.scoring.thresholds[r.grade];
      }
      let write: AnswerWrite;
      try {
        write = normalizeChange(
          { standard: r.standard, result: r.result, cases, fixedCases: 0, note: r.note ?? '' },
          standard,
          version.version.rules,
        );
      } catch (err) {
        errors.push({
          row: r._row,
          column: '问题数',
          message: (err as Error).message.replace(/^标准 \S+：/, ''),
        });
        continue;
      }
      if (r.grade && standard.scoring.mode === 'grade' && write.grade !== r.grade)
        errors.push({
          row: r._row,
          column: '等级',
          message: `与问题数不符：${cases} 处问题对应等级 ${write.grade}`,
        });
      if (r.grade && standard.scoring.mode !== 'grade')
        errors.push({ row: r._row, column: '等级', message: '该标准不是等级制，请不要填写等级' });
      const entry = bySite.get(r.siteId) ?? { first: r._row, answers: new Map() };
      if (entry.answers.has(r.standard))
        errors.push({ row: r._row, column: '标准编码', message: `同一点位的标准 ${r.standard} 重复` });
      entry.answers.set(r.standard, write);
      bySite.set(r.siteId, entry);
    }
    const plan: Plan = [];
    for (const [siteId, entry] of bySite) {
      const site = sites.get(siteId)!;
      const missing = version
        .forSiteType(site.site_type)
        .filter((s) => !entry.answers.has(s.code))
        .map((s) => s.code);
      if (missing.length)
        errors.push({
          row: entry.first,
          column: '标准编码',
          message: `${site.site_name}缺少 ${missing.length} 条适用标准：${missing.slice(0, 8).join('、')}${missing.length > 8 ? '…' : ''}`,
        });
      const existing = findInspection(db, round.id, siteId);
      if (existing)
        errors.push({
          row: entry.first,
          column: '点位编号',
          message: `${site.site_name}已有测评表（${SHEET_STATUS_IMPORT_NAMES[existing.status]}），不能导入覆盖`,
        });
      plan.push({ siteId, answers: [...entry.answers.values()] });
    }
    return { errors, plan };
  },
  apply(plan, { db, criteria, roundId, actorId, fileName }) {
    for (const p of plan) {
      const inspection = insertImportedInspection(
        db,
        roundId!,
        p.siteId,
        `import:${fileName.slice(0, 100)}`,
        actorId,
      );
      upsertAnswers(db, inspection.id, p.answers, actorId);
      // imported results are final: their problems go out at once
      syncProblems(db, criteria, inspection.id, actorId);
      appendAudit(db, {
        userId: actorId,
        action: 'results.import',
        entity: 'inspection',
        entityId: inspection.id,
        roundId,
        siteId: p.siteId,
        detail: { file: fileName, answers: p.answers.length },
      });
    }
    return plan.length;
  },
  current({ db, criteria, roundId }) {
    const round = findRoundById(db, roundId!);
    if (!round) return [];
    const version = criteria.get(round.criteria_version_id);
    return roundAssignments(db, round.id)
      .filter((a) => !a.excluded_reason && !a.status)
      .flatMap((a) =>
        version
          .forSiteType(a.site_type)
          .map((s) => ({ siteId: a.site_id, siteName: a.site_name, standard: s.code, standardText: s.text })),
      );
  },
};
