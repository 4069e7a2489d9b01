/**
 * Writes a criteria version as the workbook laid out in excel-layout.ts: the 版本信息 rows with their
 * help text, rates as percentages and fixed choices as dropdowns; the 点位类型 with their weights; and
 * one 测评标准 row per standard with a ✓ per site type, filterable, with dropdowns for coded columns
 * (提交要求 and 整改时限单位 only for a version that uses them).
 */
import ExcelJS from 'exceljs';
import { RATE_FORMAT, addListValidation, addTableSheet, toBuffer } from '../excel/index.ts';
import type { CriteriaVersion } from './schema.ts';
import {
  rate,
  REPEAT_VALUE,
  INFO,
  HELP,
  INFO_SPEC,
  SITE_SPEC,
  STANDARD_COLUMNS,
  standardSpec,
  getPath,
} from './excel-layout.ts';

export async function criteriaToWorkbook(version: CriteriaVersion): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const { repeat, siteTypeWeights } = version.rules;
  const repeatValue =
    repeat.mode === 'multiply' ? repeat.factor : repeat.mode === 'add' ? repeat.points : null;
  const infoRows = INFO.map((f) => {
    const v = f.path === REPEAT_VALUE ? repeatValue : getPath(version, f.path);
    return { field: f.label, value: v == null ? null : (f.parse.format?.(v) ?? v), help: HELP[f.label] };
  });
  const infoSheet = addTableSheet(wb, INFO_SPEC, infoRows);
  // 项目 from its list (a short range: exceljs expands a validation to every cell it covers when loading),
  // and each 内容 cell as its row's value: rates as percentages, fixed choices as a dropdown
  const labels = INFO.map((f) => f.label);
  addListValidation(wb, infoSheet, `A2:A${INFO.length + 11}`, labels, '项目');
  INFO.forEach((f, i) => {
    const ref = `B${i + 2}`;
    if (f.parse === rate) infoSheet.getCell(ref).numFmt = RATE_FORMAT;
    if (f.parse.allowed) addListValidation(wb, infoSheet, ref, f.parse.allowed, f.label);
  });
  addTableSheet(
    wb,
    SITE_SPEC,
    version.siteTypes.map((t) => ({ ...t, weight: siteTypeWeights[t.code] })),
  );
  const rows = version.items.flatMap((item) =>
    item.contents.flatMap((content) =>
      content.standards.map((s) => ({
        ...Object.fromEntries(STANDARD_COLUMNS.map((c) => [c.key, getPath(s, c.key)])),
        deadlineUnit: s.deadlineUnit ?? 'calendar',
        ...Object.fromEntries(s.siteTypes.map((t) => [`site:${t}`, true])),
        'item.code': item.code,
        'item.name': item.name,
        'content.code': content.code,
        'content.name': content.name,
      })),
    ),
  );
  const hasTask = version.items.some((i) => i.contents.some((c) => c.standards.some((s) => s.task)));
  const hasUnit = version.items.some((i) => i.contents.some((c) => c.standards.some((s) => s.deadlineUnit)));
  const spec = standardSpec(version.siteTypes, hasTask, hasUnit);
  addTableSheet(wb, spec, rows, { dropdowns: true, autoFilter: true });
  return toBuffer(wb);
}
