// Hand-written fixtures for the criteria-tasks tests: district-2026 with every field issue #18's first
// step adds (a 提交要求 on document and online standards, 区级, weighted methods), set in memory.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkCriteria } from '../../src/criteria/check.ts';
import { CRITERIA_DIR } from '../../src/criteria/load.ts';
import type { CriteriaVersion, Standard } from '../../src/criteria/schema.ts';

export const json = (file: string) =>
  JSON.parse(readFileSync(join(CRITERIA_DIR, file), 'utf8')) as CriteriaVersion;
export const base = json('district-2026.json');

/** Standards of a version with their JSON paths, in file order. */
export function standardsOf(v: CriteriaVersion): { s: Standard; path: string }[] {
  return v.items.flatMap((item, i) =>
    item.contents.flatMap((c, j) =>
      c.standards.map((s, k) => ({ s, path: `items[${i}].contents[${j}].standards[${k}]` })),
    ),
  );
}

/** district-2026 with every new field, set in memory on its document, online and field standards. */
export function withTasks(): CriteriaVersion {
  const v = structuredClone(base);
  v.code = 'district-2026-tasks';
  const all = standardsOf(v).map((x) => x.s);
  const [doc1, doc2] = all.filter((s) => s.method === 'document');
  const [online] = all.filter((s) => s.method === 'online');
  doc1!.task = {
    materials: ['policy', 'ledger'],
    period: '近一年',
    requirement: '上传年度工作计划、会议纪要、检查通报及总结',
    due: { daysFromStart: 20 },
  };
  doc1!.responsibleUnit = { kind: 'district' };
  doc2!.task = { materials: ['account', 'photos', 'tables', 'other'], due: { date: '2026-03-31' } };
  online!.task = { materials: ['tables'], period: '每季度', due: { daysFromStart: 1 } };
  v.rules.methods = { combine: 'weighted', weights: { field: 70, document: 30, survey: 0 } };
  return v;
}

export const ok = (v: unknown) => {
  const r = checkCriteria(v);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.version;
};
export const issuesOf = (v: unknown) => {
  const r = checkCriteria(v);
  return r.ok ? [] : r.issues;
};
