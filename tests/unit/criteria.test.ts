// The criteria format: the shipped versions are valid and realistic, schema.json matches the zod
// schema, and broken copies are refused with the file, the JSON path and a plain Chinese reason.
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { checkCriteria, checkCriteriaText } from '../../src/criteria/check.ts';
import { CRITERIA_DIR, indexCriteria, loadShippedCriteria } from '../../src/criteria/load.ts';
import { criteriaJsonSchema } from '../../src/criteria/json-schema.ts';
import { runTs } from '../helpers/run.ts';

const mainFile = join(CRITERIA_DIR, 'district-2026.json');
const fresh = () => JSON.parse(readFileSync(mainFile, 'utf8'));

describe('shipped criteria', () => {
  const loaded = loadShippedCriteria();
  const main = loaded.find((l) => l.version.code === 'district-2026')!;
  const idx = indexCriteria(main.version);

  it('loads every shipped file, the main one and two more versions of the same family', () => {
    expect(loaded.map((l) => l.version.code).sort()).toEqual([
      'district-2025',
      'district-2026',
      'district-2026-2',
    ]);
    expect(new Set(loaded.map((l) => l.version.family)).size).toBe(1);
  });

  it('ships 2026.2: the same field standards as 2026.1 and ≥15 document/online tasks at every level', () => {
    const second = indexCriteria(loaded.find((l) => l.version.code === 'district-2026-2')!.version);
    const fieldOf = (i: typeof idx) => i.standards.filter((s) => s.method === 'field');
    // the field standards unchanged, so a round on either edition scores its sites alike
    expect(JSON.stringify(fieldOf(second))).toBe(JSON.stringify(fieldOf(idx)));
    const added = second.standards.filter((s) => !idx.byCode.has(s.code));
    expect(added.length).toBeGreaterThanOrEqual(15);
    for (const s of added) {
      expect(['document', 'online'], s.code).toContain(s.method);
      expect(s.task, s.code).toBeDefined();
    }
    // every level answers some: 社区, 镇街, a named department and the district itself
    const kinds = new Set(added.map((s) => s.responsibleUnit.kind));
    expect(kinds).toEqual(new Set(['community', 'street', 'department', 'district']));
    // and all three ways of judging a submission are used
    expect(new Set(added.map((s) => s.scoring.mode))).toEqual(new Set(['deduction', 'grade', 'passfail']));
    expect(second.version.rules.methods).toEqual({ combine: 'pooled' });
  });

  it('is a realistic version: ≥10 site types, ≥8 items, ≥80 field standards, all three scoring modes', () => {
    const field = idx.standards.filter((s) => s.method === 'field');
    expect(main.version.siteTypes.length).toBeGreaterThanOrEqual(10);
    expect(main.version.items.length).toBeGreaterThanOrEqual(8);
    expect(field.length).toBeGreaterThanOrEqual(80);
    expect(new Set(field.map((s) => s.scoring.mode))).toEqual(new Set(['deduction', 'grade', 'passfail']));
    for (const s of field) expect(s.siteTypes.length).toBeGreaterThan(0);
    for (const t of main.version.siteTypes) expect(idx.forSiteType(t.code).length).toBeGreaterThan(0);
  });

  it('keeps criteria/schema.json in sync with the zod schema', () => {
    expect(readFileSync(join(CRITERIA_DIR, 'schema.json'), 'utf8')).toBe(criteriaJsonSchema());
  });
});

/** One mistake each, the path it must be reported at, and words the message must contain. */
const mistakes: [string, (v: any) => void, string, RegExp][] = [
  [
    'points of 0',
    (v) => (v.items[0].contents[0].standards[0].points = 0),
    'items[0].contents[0].standards[0].points',
    /分值必须大于0/,
  ],
  [
    'negative points',
    (v) => (v.items[1].contents[0].standards[0].points = -2),
    'items[1].contents[0].standards[0].points',
    /分值必须大于0/,
  ],
  [
    'duplicate standard code',
    (v) => (v.items[0].contents[0].standards[1].code = v.items[0].contents[0].standards[0].code),
    'items[0].contents[0].standards[1].code',
    /重复/,
  ],
  [
    'unknown site type',
    (v) => v.items[0].contents[0].standards[0].siteTypes.push('spaceport'),
    'items[0].contents[0].standards[0].siteTypes',
    /未知的点位类型 "spaceport"/,
  ],
  [
    'a field standard that applies to nothing',
    (v) => (v.items[0].contents[0].standards[0].siteTypes = []),
    'items[0].contents[0].standards[0].siteTypes',
    /不适用于任何点位类型/,
  ],
  [
    'grade thresholds out of order',
    (v) => {
      const s = v.items
        .flatMap((i: any) => i.contents.flatMap((c: any) => c.standards))
        .find((s: any) => s.scoring.mode === 'grade');
      s.scoring.thresholds = { B: 3, C: 2, 'C#': 4 };
    },
    'scoring.thresholds',
    /依次增大/,
  ],
  [
    'missing required field',
    (v) => delete v.items[0].contents[0].standards[0].deadlineDays,
    'items[0].contents[0].standards[0].deadlineDays',
    /缺少必填字段/,
  ],
  [
    'unknown scoring mode',
    (v) => (v.items[0].contents[0].standards[0].scoring = { mode: 'vibes' }),
    'items[0].contents[0].standards[0].scoring.mode',
    /取值无效/,
  ],
  [
    'misspelt key',
    (v) => (v.items[0].contents[0].standards[0].pionts = 3),
    'items[0].contents[0].standards[0]',
    /不认识的字段：pionts/,
  ],
  [
    'weight for an undeclared site type',
    (v) => (v.rules.siteTypeWeights.moon = 2),
    'rules.siteTypeWeights.moon',
    /未在 siteTypes 中定义/,
  ],
  [
    'notApplicable rule misspelt',
    (v) => (v.rules.notApplicable = 'ignore'),
    'rules.notApplicable',
    /"exclude" \/ "average"/,
  ],
  [
    'duplicate site type',
    (v) => v.siteTypes.push({ ...v.siteTypes[0] }),
    `siteTypes[`,
    /点位类型编码 .* 重复/,
  ],
  [
    'points given as text',
    (v) => (v.items[0].contents[0].standards[0].points = '3'),
    'items[0].contents[0].standards[0].points',
    /类型错误：应为数字/,
  ],
  ['a black list with no rule', (v) => (v.rules.blackList = {}), 'rules.blackList', /至少要设/],
];

describe('criteria check refuses broken copies precisely', () => {
  it.each(mistakes)('%s', (_name, breakIt, path, message) => {
    const v = fresh();
    breakIt(v);
    const result = checkCriteria(v);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const hit = result.issues.find((i) => i.path.startsWith(path) || i.path.endsWith(path));
    expect(hit, JSON.stringify(result.issues)).toBeDefined();
    expect(hit!.message).toMatch(message);
  });

  it('reports invalid JSON as such', () => {
    const result = checkCriteriaText('{ "code": "x", ');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]!.message).toMatch(/不是有效的 JSON/);
  });
});

describe('npm run criteria:check', () => {
  it('passes on the shipped files', async () => {
    const r = await runTs('src/criteria/check-cli.ts', []);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('district-2026.json');
  });

  it('exits non-zero and names the file, path and problem for a broken copy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-crit-'));
    const v = fresh();
    v.items[2].contents[0].standards[0].points = 0;
    const file = join(dir, 'broken.json');
    writeFileSync(file, JSON.stringify(v));
    const r = await runTs('src/criteria/check-cli.ts', [file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`${file}: items[2].contents[0].standards[0].points: 分值必须大于0`);
  });
});
