/**
 * The scoring sheet as the page shows it: standards grouped by 测评项目 with their guidance and scoring
 * text, each answer and photo, progress and the live 得分率; plus the small JSON the tablet script
 * needs to compute the same 得分率 with the same code.
 */
import type { AnswerRow } from '../../db/repos/inspections.ts';
import type { PhotoRow } from '../../db/repos/photos.ts';
import type { IndexedStandard } from '../../criteria/load.ts';
import type { Rules, Scoring } from '../../criteria/schema.ts';
import {
  formatRate,
  scoreSite,
  scoreStandard,
  type AnswerInput,
  type Result,
} from '../../scoring/standard.ts';
import { describeFlag, type EvidenceFlag } from '../../photos/evidence.ts';
import { formatShanghai } from '../../util/time.ts';
import { RESULT_NAMES, SHEET_STATUS_NAMES } from '../../labels.ts';
import type { SheetState } from '../../protocol/sheet.ts';
import type { SheetData } from '../../services/sheet-pages.ts';
import { stateText } from './rounds.ts';

export function scoringText(points: number, scoring: Scoring): string {
  switch (scoring.mode) {
    case 'deduction':
      return `${points}分 · 每发现一处扣${scoring.perCase}分，扣完为止`;
    case 'grade': {
      const t = scoring.thresholds;
      return `${points}分 · 按问题数定等级：A 0处，B ${t.B}处，C ${t.C}处，C# ${t['C#']}处及以上`;
    }
    case 'passfail':
      return `${points}分 · 合格 / 不合格`;
  }
}

export interface PhotoView {
  id: number;
  thumbUrl: string;
  displayUrl: string;
  takenAt: string;
  flags: string[];
}

export function presentPhoto(p: PhotoRow): PhotoView {
  return {
    id: p.id,
    thumbUrl: `/photos/${p.id}/thumb`,
    displayUrl: `/photos/${p.id}/display`,
    takenAt: p.taken_at ? formatShanghai(p.taken_at) : '',
    flags: (JSON.parse(p.flags) as EvidenceFlag[]).map(describeFlag),
  };
}

/** The sheet as the tablet script loads it (protocol/sheet.ts), with My sites' card of it. */
export function presentSheetState(data: SheetData): SheetState {
  const { sheet, answers } = data;
  return {
    revision: sheet?.revision ?? 0,
    status: sheet?.status ?? 'none',
    returnedReason: sheet?.status === 'returned' ? sheet.returned_reason : null,
    answers: answers.map((a) => ({
      standard: a.standard_code,
      result: a.result,
      cases: a.cases,
      fixedCases: a.fixed_cases,
      note: a.note,
      corrected: !!a.corrected,
    })),
    photos: data.photos.map((p) => ({ ...presentPhoto(p), standard: p.standard_code })),
    blockers: data.blockers,
    // My sites' card of this sheet, so the list can follow a sync without a reload
    card: {
      state: !sheet || (sheet.status === 'draft' && !answers.length) ? 'none' : sheet.status,
      stateText: stateText({
        status: sheet?.status ?? 'none',
        answered: answers.length,
        total: data.standards.length,
      }),
    },
  };
}

export interface StandardView {
  code: string;
  text: string;
  guidance: string;
  scoringText: string;
  mode: Scoring['mode'];
  photoRequired: boolean;
  result: AnswerRow['result'] | null;
  cases: number;
  fixedCases: number;
  grade: string | null;
  note: string;
  corrected: boolean;
  scoreText: string;
  photos: PhotoView[];
}

export interface SheetView {
  items: { code: string; name: string; standards: StandardView[] }[];
  answered: number;
  total: number;
  rateText: string;
  /** the 得分率 may still change: the sheet is not approved yet, or a 不适用 waits for the round's average */
  provisional: boolean;
  status: keyof typeof SHEET_STATUS_NAMES;
  statusName: string;
  revision: number;
  returnedReason: string | null;
  onTheSpotFix: boolean;
  notApplicableRule: Rules['notApplicable'];
  /** the words of the three answers, for the radios and the office's correction */
  resultNames: Record<Result, string>;
  clientModel: string;
}

export function presentSheet(data: SheetData): SheetView {
  const { standards, answers, photos, sheet: row } = data;
  const rules = data.criteria.version.rules;
  const byCode = new Map(answers.map((a) => [a.standard_code, a]));
  const inputs = new Map<string, AnswerInput>(
    answers.map((a) => [a.standard_code, { result: a.result, cases: a.cases, fixedCases: a.fixed_cases }]),
  );
  const items: SheetView['items'] = [];
  for (const s of standards) {
    let item = items.find((i) => i.code === s.item.code);
    if (!item) items.push((item = { code: s.item.code, name: s.item.name, standards: [] }));
    const a = byCode.get(s.code);
    const input = inputs.get(s.code);
    const score = input ? scoreStandard(s, input, rules) : null;
    item.standards.push({
      code: s.code,
      text: s.text,
      guidance: s.guidance ?? '',
      scoringText: scoringText(s.points, s.scoring),
      mode: s.scoring.mode,
      photoRequired: s.photoRequired,
      result: a?.result ?? null,
      cases: a?.cases ?? 0,
      fixedCases: a?.fixed_cases ?? 0,
      grade: a?.grade ?? null,
      note: a?.note ?? '',
      corrected: !!a?.corrected,
      scoreText: !score ? '' : score.applicable ? `得 ${score.earned} / ${score.possible} 分` : '不计分',
      photos: photos.filter((p) => p.standard_code === s.code).map(presentPhoto),
    });
  }
  const site = scoreSite(standards, inputs, rules);
  const status = row?.status ?? 'none';
  return {
    items,
    answered: site.answered,
    total: standards.length,
    rateText: formatRate(site.rate),
    provisional:
      status !== 'approved' || (rules.notApplicable === 'average' && answers.some((a) => a.result === 'na')),
    status,
    statusName: SHEET_STATUS_NAMES[status],
    revision: row?.revision ?? 0,
    returnedReason: row?.status === 'returned' ? row.returned_reason : null,
    onTheSpotFix: rules.onTheSpotFix.enabled,
    notApplicableRule: rules.notApplicable,
    resultNames: RESULT_NAMES,
    clientModel: clientModel(standards, rules),
  };
}

/**
 * What the sheet's script needs to score as the inspector taps: the same for every sheet of a site type
 * in a criteria version (the standards list is one array per version and type), so made once.
 */
const clientModels = new WeakMap<IndexedStandard[], string>();
function clientModel(standards: IndexedStandard[], rules: Rules): string {
  let model = clientModels.get(standards);
  if (model === undefined) {
    model = safeJson({
      rules: {
        gradeShares: rules.gradeShares,
        onTheSpotFix: rules.onTheSpotFix,
        repeat: rules.repeat,
        notApplicable: rules.notApplicable,
      },
      standards: standards.map((s) => ({ code: s.code, points: s.points, scoring: s.scoring })),
    });
    clientModels.set(standards, model);
  }
  return model;
}

/** JSON that can sit inside a <script type="application/json"> element: no `<` can close it. */
function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}
