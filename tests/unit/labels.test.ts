// Every coded value a user can meet has its word in src/labels.ts — the codes read from the database's
// CHECK lists and the zod schemas, so a new role or status without a label fails here — and the imports
// still take the words district files have always used.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { openDatabase } from '../../src/db/connection.ts';
import { migrate } from '../../src/db/migrate.ts';
import { checkCriteria } from '../../src/criteria/check.ts';
import { criteriaFromWorkbook } from '../../src/criteria/excel-read.ts';
import { criteriaToWorkbook } from '../../src/criteria/excel-write.ts';
import { CRITERIA_DIR } from '../../src/criteria/load.ts';
import {
  responsibleUnitSchema,
  rulesSchema,
  scoringSchema,
  standardSchema,
} from '../../src/criteria/schema.ts';
import { resultsImport } from '../../src/imports/results.ts';
import type { CellParser } from '../../src/excel/types.ts';
import { actionName } from '../../src/web/presenters/audit.ts';
import {
  AGGREGATION_NAMES,
  AUDIT_ACTION_NAMES,
  METHOD_NAMES,
  NA_RULE_NAMES,
  PROBLEM_STATUS_NAMES,
  REPEAT_MODE_NAMES,
  REQUEST_NAMES,
  RESPONSIBLE_UNIT_NAMES,
  RESULT_NAMES,
  ROLE_NAMES,
  ROUND_STATUS_NAMES,
  SCORING_MODE_NAMES,
  SHEET_STATUS_IMPORT_NAMES,
  SHEET_STATUS_NAMES,
  UNIT_KIND_GROUP_NAMES,
  UNIT_KIND_NAMES,
} from '../../src/labels.ts';

/** The values a column's CHECK (col IN (…)) allows, from the migrated schema. */
function checkList(table: string, column: string): string[] {
  const db = openDatabase(':memory:');
  migrate(db);
  const sql = db
    .prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?")
    .pluck()
    .get(table);
  db.close();
  const m = new RegExp(`CHECK\\s*\\(\\s*${column}\\s+IN\\s*\\(([^)]*)\\)`).exec(String(sql));
  if (!m) throw new Error(`no CHECK list for ${table}.${column}`);
  return [...m[1]!.matchAll(/'([^']*)'/g)].map((x) => x[1]!).sort();
}

const keys = (names: object) => Object.keys(names).sort();
const labelled = (names: Record<string, string>) => Object.values(names).every((v) => v.trim() !== '');

describe('every code value has its label', () => {
  it.each([
    ['users', 'role', ROLE_NAMES],
    ['units', 'kind', UNIT_KIND_NAMES],
    ['units', 'kind', UNIT_KIND_GROUP_NAMES],
    ['rounds', 'status', ROUND_STATUS_NAMES],
    ['inspections', 'status', SHEET_STATUS_IMPORT_NAMES],
    ['answers', 'result', RESULT_NAMES],
    ['problems', 'status', PROBLEM_STATUS_NAMES],
    ['problems', 'request', REQUEST_NAMES],
  ] as const)('%s.%s', (table, column, names) => {
    expect(keys(names)).toEqual(checkList(table, column));
    expect(labelled(names)).toBe(true);
  });

  it('a sheet status, and a site with no sheet yet', () => {
    expect(keys(SHEET_STATUS_NAMES)).toEqual([...checkList('inspections', 'status'), 'none'].sort());
  });

  it('the criteria schema: rules, methods, scoring modes, responsible units', () => {
    const modes = (union: { options: readonly { shape: { mode: { value: unknown } } }[] }) =>
      union.options.map((o) => String(o.shape.mode.value)).sort();
    expect(keys(AGGREGATION_NAMES)).toEqual([...rulesSchema.shape.aggregation.options].sort());
    expect(keys(NA_RULE_NAMES)).toEqual([...rulesSchema.shape.notApplicable.options].sort());
    expect(keys(REPEAT_MODE_NAMES)).toEqual(modes(rulesSchema.shape.repeat));
    expect(keys(METHOD_NAMES)).toEqual([...standardSchema.shape.method.options].sort());
    expect(keys(SCORING_MODE_NAMES)).toEqual(modes(scoringSchema));
    expect(keys(RESPONSIBLE_UNIT_NAMES)).toEqual(
      responsibleUnitSchema.options.map((o) => String(o.shape.kind.value)).sort(),
    );
  });

  it('every audit action the code writes has its own name', () => {
    const written = new Set<string>();
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts'))
          for (const m of readFileSync(p, 'utf8').matchAll(/action: '([a-z_]+\.[a-z_]+)'/g))
            written.add(m[1]!);
      }
    };
    walk(join(import.meta.dirname, '../../src'));
    expect(written.size).toBeGreaterThan(20);
    for (const action of written) expect(AUDIT_ACTION_NAMES, action).toHaveProperty([action]);
  });

  it("old audit rows' names still read in Chinese", () => {
    expect(actionName('inspection.submit')).toBe('测评表变更');
    expect(actionName('problem.extend')).toBe('同意延期');
    expect(actionName('something.else')).toBe('其他操作');
  });
});

describe('imports still accept the words they always have', () => {
  it('the results workbook: 符合 / 不符合 / 不适用', () => {
    const column = resultsImport.spec({} as never).columns.find((c) => c.key === 'result')!;
    const parse = column.parse as CellParser;
    expect(['符合', '不符合', '不适用'].map((w) => parse(w, { row: 2 }))).toEqual(['ok', 'fail', 'na']);
    expect(parse('合格', { row: 2 })).toHaveProperty('error');
  });

  it('the criteria workbook: 汇总方式 and 不适用处理 in their old words', async () => {
    const file = join(CRITERIA_DIR, 'district-2026.json');
    const checked = checkCriteria(JSON.parse(readFileSync(file, 'utf8')));
    if (!checked.ok) throw new Error('district-2026.json is invalid');
    const exported = await criteriaToWorkbook(checked.version);
    const withInfo = async (values: Record<string, string>) => {
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(
        exported.buffer.slice(exported.byteOffset, exported.byteOffset + exported.byteLength) as ArrayBuffer,
      );
      const ws = wb.getWorksheet('版本信息')!;
      for (let r = 2; r <= ws.rowCount; r++) {
        const value = values[String(ws.getCell(r, 1).value)];
        if (value !== undefined) ws.getCell(r, 2).value = value;
      }
      const result = await criteriaFromWorkbook(Buffer.from(await wb.xlsx.writeBuffer()));
      if (!result.ok) throw new Error(result.errors.join('\n'));
      return result.version.rules;
    };
    expect(await withInfo({ 汇总方式: '汇总得分', 不适用处理: '排除' })).toMatchObject({
      aggregation: 'pooled',
      notApplicable: 'exclude',
    });
    expect(await withInfo({ 汇总方式: '得分率平均', 不适用处理: '取平均' })).toMatchObject({
      aggregation: 'mean',
      notApplicable: 'average',
    });
  }, 60_000);
});
