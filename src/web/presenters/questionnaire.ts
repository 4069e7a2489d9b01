/**
 * A questionnaire (调查问卷) in words: the rows of a criteria version's questionnaire list, and one
 * questionnaire as a resident reads it — intro, privacy notice, screening, questions — with, beside each
 * question, what counts and what it scores, then each survey standard's rule and the sample rules. The
 * wording follows src/scoring/survey.ts; each rule's worked example is computed by that same code.
 */
import type { Question, Questionnaire, ScreeningQuestion, SurveyRule } from '../../surveys/schema.ts';
import type { IndexedStandard } from '../../criteria/load.ts';
import type { QuestionnaireListing, QuestionnairePage } from '../../services/questionnaire-pages.ts';
import { pointsFromRate } from '../../scoring/survey.ts';
import {
  BELOW_MINIMUM_NAMES,
  QUESTION_KIND_NAMES,
  SURVEY_FLAG_NAMES,
  SURVEY_RULE_NAMES,
} from '../../labels.ts';
import { formatShanghai } from '../../util/time.ts';
import { percent } from './rules.ts';

const num = (n: number) => String(Math.round(n * 10000) / 10000);
const sourceName = (source: string) => (source.startsWith('shipped:') ? '随系统提供' : '导入');
const quoted = (labels: string[]) => labels.map((l) => `“${l}”`).join('、');

/** The rows of a version's 调查问卷 table. */
export function presentQuestionnaireList(versionId: number, listings: QuestionnaireListing[]) {
  return listings.map(({ row, population, rounds }, i) => ({
    href: `/criteria/${versionId}/questionnaires/${row.id}`,
    name: row.name,
    code: row.code,
    version: row.version,
    population,
    loadedAt: formatShanghai(row.loaded_at),
    source: sourceName(row.source),
    rounds: rounds.map((r) => r.name).join('、') || '尚无轮次使用',
    /** the newest load is the one a round opened from now freezes */
    next: i === 0,
  }));
}

function presentScreening(s: ScreeningQuestion) {
  const pass = new Set(s.pass);
  return {
    code: s.code,
    text: s.text,
    options: s.options.map((o) => ({ label: o.label, pass: pass.has(o.code) })),
  };
}

/** A question's answers to choose from: its options, or a scale's points with their labels. */
function choices(q: Question): { key: string; label: string }[] {
  if (q.options) return q.options.map((o) => ({ key: o.code, label: o.label }));
  if (!q.scale) return [];
  const out: { key: string; label: string }[] = [];
  for (let p = q.scale.min; p <= q.scale.max; p++) {
    const name = q.scale.labels?.[String(p)];
    out.push({ key: String(p), label: name ? `${p}（${name}）` : String(p) });
  }
  return out;
}

/** What one question counts, in a sentence. */
function countsText(q: Question, labels: Map<string, string>): string {
  if (q.knows) {
    const named = quoted(q.knows.map((k) => labels.get(k) ?? k));
    const how = q.kind === 'multiple' ? `选了${named}中任意一项` : `选${named}`;
    return `${q.rate ?? '比率'} = ${how}的答案 ÷ 答了本题的有效答案`;
  }
  if (q.values) return `${q.rate ?? '比率'} = 本题各答案分值的平均值 ÷ 100`;
  return q.kind === 'text' ? '不计分，供创城办参考' : '不计分';
}

function presentQuestion(q: Question, standards: Map<string, IndexedStandard>) {
  const list = choices(q);
  const labels = new Map(list.map((c) => [c.key, c.label]));
  const knows = new Set(q.knows ?? []);
  const standard = q.standard ? standards.get(q.standard) : undefined;
  return {
    code: q.code,
    text: q.text,
    kind: QUESTION_KIND_NAMES[q.kind],
    required: q.required ? '必答' : '选答',
    choices: list.map((c) => ({
      label: c.label,
      note: q.values
        ? `${num(q.values[c.key] ?? 0)} 分`
        : q.knows
          ? knows.has(c.key)
            ? '计入'
            : '不计入'
          : '',
      counts: q.values ? (q.values[c.key] ?? 0) > 0 : knows.has(c.key),
    })),
    counts: countsText(q, labels),
    rate: q.rate,
    standard: standard
      ? { code: standard.code, text: standard.text, points: num(standard.points) }
      : q.standard
        ? { code: q.standard, text: '', points: '' }
        : undefined,
  };
}

/** A rule in words, and a worked example computed by the scoring code itself. */
function ruleText(points: number, rule: SurveyRule, rateName: string): { text: string; example: string } {
  const p = num(points);
  if (rule.mode === 'proportional') {
    const r = 0.9;
    return {
      text: `得分 = ${p} 分 × ${rateName}`,
      example: `${rateName} ${percent(r)}，得 ${p} × ${percent(r)} = ${num(pointsFromRate(points, rule, r))} 分`,
    };
  }
  const t = percent(rule.target);
  const below = rule.target >= 0.05 ? 5 : 1;
  const r = Math.round((rule.target - below / 100) * 1e9) / 1e9;
  return {
    text:
      `${rateName}达到 ${t} 及以上得满分 ${p} 分；低于 ${t} 时每低 1 个百分点扣 ${num(rule.perPoint)} 分` +
      '（不足 1 个百分点按比例扣），最低 0 分',
    example: `${rateName} ${percent(r)}，比 ${t} 低 ${below} 个百分点，得 ${p} − ${num(rule.perPoint)} × ${below} = ${num(pointsFromRate(points, rule, r))} 分`,
  };
}

function presentStandard(s: IndexedStandard, q: Questionnaire) {
  const questions = q.questions.filter((x) => x.standard === s.code);
  // as services/questionnaires.ts#scoredStandards: a standard with questions and no rule is 按比例
  const rule = q.standards[s.code] ?? { mode: 'proportional' };
  const rateNames = [...new Set(questions.map((x) => x.rate).filter((x): x is string => !!x))];
  const rateName = rateNames.join('、') || '比率';
  const base = {
    code: s.code,
    text: s.text,
    points: num(s.points),
    item: `${s.item.name} › ${s.content.name}`,
  };
  if (questions.length === 0)
    return {
      ...base,
      questions: '',
      mode: '',
      rule: '本问卷没有计入该标准的题目：该标准得 0 分',
      example: '',
    };
  const { text, example } = ruleText(s.points, rule, rateName);
  return {
    ...base,
    questions:
      questions.length === 1
        ? `${questions[0]!.code}（${rateName} = 该题的比率）`
        : `${questions.map((x) => x.code).join('、')}（${rateName} = 这些题比率的平均值）`,
    mode: SURVEY_RULE_NAMES[rule.mode],
    rule: text,
    example,
  };
}

/** The sample rules of a questionnaire version, as label and text. */
function sampleLines(q: Questionnaire): { label: string; text: string }[] {
  return [
    {
      label: '最短答题时间',
      text: `${q.minSeconds} 秒：用时更短的答案标为“${SURVEY_FLAG_NAMES.fast}”，经创城办核实后才计为有效答案`,
    },
    {
      label: '最少有效样本',
      text:
        `每个社区 ${q.minValid} 份有效答案；不足时该社区的比率标为“样本不足”，${BELOW_MINIMUM_NAMES[q.belowMinimum]}` +
        '（不会因为没有收集答案而“不计分”）',
    },
    { label: '目标样本', text: `每个社区 ${q.targetPerCommunity} 份（创城办可按轮次逐个社区调整）` },
    { label: '镇街与全区', text: '镇街和全区的比率由其下各社区的有效答案合并计算，不是各社区比率的平均值' },
  ];
}

/** The questionnaire page. */
export function presentQuestionnaire(page: QuestionnairePage) {
  const q = page.survey.questionnaire;
  const row = page.survey.row;
  const standards = new Map(page.surveyStandards.map((s) => [s.code, s]));
  return {
    title: q.name,
    versionId: page.versionId,
    versionName: `${page.criteria.version.name}（${page.criteria.version.version}）`,
    manages: page.manages,
    q,
    facts: [
      { label: '问卷编码', text: row.code },
      { label: '问卷版本', text: row.version },
      { label: '调查对象', text: q.population },
      { label: '载入', text: `${formatShanghai(row.loaded_at)}（${sourceName(row.source)}）` },
    ],
    rounds: page.rounds,
    screening: q.screening.map(presentScreening),
    questions: q.questions.map((x) => presentQuestion(x, standards)),
    standards: page.surveyStandards.map((s) => presentStandard(s, q)),
    sample: sampleLines(q),
  };
}
