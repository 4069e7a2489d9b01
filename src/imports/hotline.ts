/**
 * 12345 工单 import: 工单号, 诉求内容, 地址, 受理时间, 承办单位, 时限 and 时限单位, one problem per new order (source
 * 'hotline', the 工单号 kept as its external_ref) with the deadline counted from 受理时间 by the order's
 * own 时限 (empty: the office's rule for 12345). 承办单位 is matched by a unit's name or alias. An order
 * imported before changes nothing and is counted (`stats.already`), so the same file imported twice
 * adds nothing; the same 工单号 twice in one file is refused by the table engine (unique column).
 */
import { integer, oneOf, text, type CellParser, type RowError } from '../excel/index.ts';
import { excelDateToYmd, instantToExcelDate } from '../excel/cells.ts';
import { TIME_FORMAT } from '../excel/formats.ts';
import { listUnits } from '../db/repos/units.ts';
import { listCommunities, listStreets } from '../db/repos/places.ts';
import { importedOrderNos, insertHotlineOrder } from '../db/repos/hotline.ts';
import type { DeadlineUnit } from '../db/repos/problems.ts';
import {
  computeDeadline,
  DEADLINE_MAX,
  sourceDeadlineRule,
  type DeadlineRule,
} from '../services/deadlines.ts';
import { raiseOutsideProblem } from '../services/outside-problems.ts';
import { unitByNameOrAlias } from '../services/unit-aliases.ts';
import { DEADLINE_RULE_NAMES, DEADLINE_RULE_WORDS, DEADLINE_UNIT_WORDS } from '../labels.ts';
import { now } from '../util/clock.ts';
import { nowIso } from '../util/time.ts';
import type { ImportKind } from './kind.ts';
import type { Db } from '../db/connection.ts';

interface Row {
  orderNo: string;
  content: string;
  address?: string;
  /** ISO-8601 UTC */
  receivedAt: string;
  handler: string;
  limitAmount?: number;
  limitUnit?: DeadlineUnit;
}

interface Order {
  row: Row;
  unitId: number;
  communityId: number | null;
  streetId: number | null;
  rule: DeadlineRule;
}

/** What one import found besides the rows it wrote: orders imported before, years nobody has entered. */
export interface HotlineImportStats {
  already: number;
  unknownYears: Set<number>;
}

const SHANGHAI_OFFSET_MS = 8 * 3600 * 1000;
const SERIAL_1970 = 25569;
const DAY_MS = 86_400_000;

/** Shanghai wall-clock fields → the instant, or null when they name no real time. */
function shanghaiInstant(y: number, mo: number, d: number, h: number, mi: number, s: number): string | null {
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(wall);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  if (h > 23 || mi > 59 || s > 59 || y < 2000 || y > 2099) return null;
  return new Date(wall - SHANGHAI_OFFSET_MS).toISOString();
}

const DATE_TIME =
  /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s*[\sT]\s*(\d{1,2})\s*[:：时]\s*(\d{1,2})\s*(?:[:：分]\s*(\d{1,2})\s*秒?)?)?$/;

/**
 * 受理时间 (Asia/Shanghai) as an instant: an Excel date-time cell, or text like 2026-09-30 10:00,
 * 2026/9/30 10:00:00 or 2026年9月30日 10时00分 (a date alone is midnight).
 */
export function dateTime(): CellParser<string> {
  const shown = (raw: unknown) =>
    raw instanceof Date ? excelDateToYmd(raw) : String(raw as string).slice(0, 30);
  const refuse = (raw: unknown) => ({
    error: `应为日期和时间，格式如 2026-09-30 10:00（现为“${shown(raw)}”）`,
  });
  return Object.assign(
    (raw: string | number | boolean | Date) => {
      if (raw instanceof Date) {
        const y = raw.getUTCFullYear();
        if (y < 2000 || y > 2099) return refuse(raw);
        return new Date(raw.getTime() - SHANGHAI_OFFSET_MS).toISOString();
      }
      if (typeof raw === 'number') {
        const wall = Math.round(((raw - SERIAL_1970) * DAY_MS) / 60_000) * 60_000;
        const y = new Date(wall).getUTCFullYear();
        return y >= 2000 && y <= 2099 ? new Date(wall - SHANGHAI_OFFSET_MS).toISOString() : refuse(raw);
      }
      if (typeof raw !== 'string') return refuse(raw);
      const ascii = raw.replace(/[\uff10-\uff19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
      const m = DATE_TIME.exec(ascii.trim());
      const at = m
        ? shanghaiInstant(
            Number(m[1]),
            Number(m[2]),
            Number(m[3]),
            Number(m[4] ?? 0),
            Number(m[5] ?? 0),
            Number(m[6] ?? 0),
          )
        : null;
      return at ?? refuse(raw);
    },
    {
      hint: '日期和时间，如 2026-09-30 10:00',
      numFmt: TIME_FORMAT,
      format: (iso: string) => instantToExcelDate(new Date(iso)),
    },
  );
}

/** The 社区 or 镇街 each unit stands for (a 社区 居委会 or 镇街 办事处 answering an order), for the problem's place. */
function placesOfUnits(db: Db): (unitId: number) => { communityId: number | null; streetId: number | null } {
  const communities = listCommunities(db).filter((c) => c.retired_at === null);
  const streets = listStreets(db).filter((s) => s.retired_at === null);
  return (unitId) => {
    const community = communities.find((c) => c.unit_id === unitId);
    if (community) return { communityId: community.id, streetId: community.street_id };
    return { communityId: null, streetId: streets.find((s) => s.unit_id === unitId)?.id ?? null };
  };
}

/** The import kind for one upload: `batch` names it, `stats` is filled in as it runs. */
export function hotlineImport(batch: string, stats: HotlineImportStats): ImportKind<Row, Order[]> {
  return {
    key: 'hotline',
    title: '12345工单',
    spec: ({ db }) => ({
      name: '12345工单',
      sheetName: '12345工单',
      columns: [
        {
          key: 'orderNo',
          header: '工单号',
          aliases: ['工单编号'],
          required: true,
          unique: true,
          width: 20,
          parse: text({ max: 60 }),
          note: '热线平台的工单编号；已导入过的工单再次导入不会重复登记',
          example: 'GD20260930001',
        },
        {
          key: 'content',
          header: '诉求内容',
          required: true,
          width: 40,
          parse: text({ max: 2000 }),
          example: '小区门口垃圾堆放多日无人清理',
        },
        { key: 'address', header: '地址', width: 28, parse: text({ max: 200 }), example: '幸福路 12 号' },
        {
          key: 'receivedAt',
          header: '受理时间',
          required: true,
          width: 18,
          parse: dateTime(),
          note: '整改时限从受理时间起算',
          example: '2026-09-30 10:00',
        },
        {
          key: 'handler',
          header: '承办单位',
          required: true,
          width: 20,
          parse: text({ max: 100 }),
          note: '单位名称或在「单位别名」中登记的别名',
          choices: listUnits(db)
            .filter((u) => u.retired_at === null)
            .map((u) => u.name),
          example: '区城管局',
        },
        {
          key: 'limitAmount',
          header: '时限',
          width: 8,
          parse: integer({ min: 1, max: DEADLINE_MAX.hours }),
          note: '正整数；留空则按「来源与时限设置」中 12345 的规则',
          example: 3,
        },
        {
          key: 'limitUnit',
          header: '时限单位',
          width: 10,
          parse: oneOf(DEADLINE_RULE_WORDS, DEADLINE_UNIT_WORDS),
          note: '留空为工作日',
          example: '工作日',
        },
      ],
    }),
    resolve(rows, { db }) {
      const errors: RowError[] = [];
      const plan: Order[] = [];
      const before = importedOrderNos(
        db,
        rows.map((r) => r.orderNo),
      );
      const latest = now().toISOString();
      const placeOfUnit = placesOfUnits(db);
      const officeRule = sourceDeadlineRule(db, 'hotline');
      for (const r of rows) {
        if (before.has(r.orderNo)) {
          stats.already++;
          continue;
        }
        const err = (column: string, message: string) => errors.push({ row: r._row, column, message });
        if (r.receivedAt > latest) err('受理时间', '晚于现在，请核对');
        const match = unitByNameOrAlias(db, r.handler);
        if ('none' in match) err('承办单位', `“${r.handler}”未匹配到单位，请在「单位别名」中添加`);
        if ('retired' in match) err('承办单位', `“${r.handler}”对应的单位「${match.retired.name}」已停用`);
        let rule = officeRule;
        if (r.limitAmount !== undefined) {
          const unit = r.limitUnit ?? 'workdays';
          if (r.limitAmount > DEADLINE_MAX[unit])
            err(
              '时限',
              `按${DEADLINE_RULE_NAMES[unit]}不能超过 ${DEADLINE_MAX[unit]}（现为 ${r.limitAmount}）`,
            );
          rule = { unit, amount: r.limitAmount };
        } else if (r.limitUnit !== undefined) err('时限', '填写了时限单位，请同时填写时限');
        if ('unit' in match)
          plan.push({ row: r, unitId: match.unit.id, ...placeOfUnit(match.unit.id), rule });
      }
      return { errors, plan };
    },
    apply(plan, { db, actorId }) {
      // a concurrent import may have taken an order since the check: it is one imported before
      const taken = importedOrderNos(
        db,
        plan.map((o) => o.row.orderNo),
      );
      let written = 0;
      for (const o of plan) {
        if (taken.has(o.row.orderNo)) {
          stats.already++;
          continue;
        }
        const deadline = computeDeadline(db, o.rule, new Date(o.row.receivedAt));
        for (const y of deadline.unknownYears) stats.unknownYears.add(y);
        const problemId = raiseOutsideProblem(
          db,
          {
            source: 'hotline',
            communityId: o.communityId,
            streetId: o.streetId,
            address: o.row.address ?? '',
            description: o.row.content,
            unitId: o.unitId,
            deadline,
            recordedBy: actorId,
            externalRef: o.row.orderNo,
          },
          actorId,
        );
        insertHotlineOrder(db, {
          problemId,
          orderNo: o.row.orderNo,
          content: o.row.content,
          address: o.row.address ?? '',
          receivedAt: o.row.receivedAt,
          handler: o.row.handler,
          limitAmount: o.rule.amount,
          limitUnit: o.rule.unit,
          batch,
          importedAt: nowIso(),
          importedBy: actorId,
        });
        written++;
      }
      return written;
    },
  };
}
