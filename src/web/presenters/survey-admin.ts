/**
 * The office's survey pages in words: links, targets with progress, states, channels and flags named as
 * labels.ts names them, times in Asia/Shanghai. Formats only; every figure comes from survey-admin*.ts.
 */
import type { FieldErrors } from '../../errors.ts';
import {
  ROUND_STATUS_NAMES,
  SURVEY_ANSWER_STATE_NAMES,
  SURVEY_CHANNEL_NAMES,
  SURVEY_FLAG_NAMES,
} from '../../labels.ts';
import type { AnswerDetail, AnswersPage } from '../../services/survey-admin-answers.ts';
import type { SurveyAdminPage, SurveyPanel } from '../../services/survey-admin.ts';
import { formatShanghai } from '../../util/time.ts';

export interface SurveyPageRefusal {
  error: string;
  fields: FieldErrors;
  /** what was typed, by field name */
  form: Record<string, string>;
}

const questionnaireName = (p: { survey: SurveyAdminPage['survey'] }) =>
  `${p.survey.row.name}（第 ${p.survey.row.version} 版）`;

/** GET /rounds/:id/surveys. `base`: the public address printed in links. */
export function presentSurveyAdmin(
  p: SurveyAdminPage,
  base: string,
  refused: SurveyPageRefusal | null = null,
) {
  const typed = refused?.form ?? {};
  return {
    title: `问卷调查 · ${p.round.name}`,
    round: {
      id: p.round.id,
      name: p.round.name,
      status: p.round.status,
      statusName: ROUND_STATUS_NAMES[p.round.status],
    },
    questionnaire: questionnaireName(p),
    frozen: p.frozen,
    editable: p.editable,
    defaultTarget: p.survey.questionnaire.targetPerCommunity,
    totals: p.totals,
    inspectors: p.inspectors,
    streets: p.streets.map((s) => ({
      name: s.name,
      communities: s.communities.map((c) => ({
        id: c.id,
        name: c.name,
        link: `${base}/s/${c.token}`,
        target: c.target,
        targetTyped: typed[`t${c.id}`] ?? String(c.target),
        targetError: refused?.fields[`t${c.id}`] ?? null,
        valid: c.counts.valid,
        meter: Math.min(c.counts.valid, c.target),
        below: c.counts.valid < c.target,
        flagged: c.counts.flagged,
        voided: c.counts.voided,
        screened: c.counts.screened,
        interviewers: c.interviewers,
        choices: p.inspectors.filter((i) => !c.interviewers.some((x) => x.id === i.id)),
      })),
    })),
    error: refused?.error ?? null,
    fields: refused?.fields ?? {},
  };
}

/** The round page's 问卷调查 panel. */
export const presentSurveyPanel = (p: SurveyPanel) => p;

const STATE_FILTERS = Object.entries(SURVEY_ANSWER_STATE_NAMES).map(([value, name]) => ({ value, name }));
const CHANNEL_FILTERS = Object.entries(SURVEY_CHANNEL_NAMES).map(([value, name]) => ({ value, name }));

/** GET /rounds/:id/surveys/answers. */
export function presentAnswers(p: AnswersPage) {
  const query = (page: number) => {
    const q = new URLSearchParams();
    if (p.filter.communityId !== null) q.set('community', String(p.filter.communityId));
    if (p.filter.state) q.set('state', p.filter.state);
    if (p.filter.channel) q.set('channel', p.filter.channel);
    if (page > 1) q.set('page', String(page));
    const s = q.toString();
    return `/rounds/${p.round.id}/surveys/answers${s ? `?${s}` : ''}`;
  };
  return {
    title: `问卷答案 · ${p.round.name}`,
    round: { id: p.round.id, name: p.round.name },
    filter: {
      community: p.filter.communityId === null ? '' : String(p.filter.communityId),
      state: p.filter.state ?? '',
      channel: p.filter.channel ?? '',
    },
    communities: p.communities,
    states: STATE_FILTERS,
    channels: CHANNEL_FILTERS,
    total: p.total,
    page: p.page,
    pages: p.pages,
    prev: p.page > 1 ? query(p.page - 1) : null,
    next: p.page < p.pages ? query(p.page + 1) : null,
    lines: p.lines.map((l) => ({
      id: l.id,
      href: `/rounds/${p.round.id}/surveys/answers/${l.id}`,
      communityName: l.communityName,
      channelName: SURVEY_CHANNEL_NAMES[l.channel] + (l.interviewer ? `（${l.interviewer}）` : ''),
      submittedAt: formatShanghai(l.submittedAt),
      seconds: l.seconds,
      state: l.state,
      stateName: SURVEY_ANSWER_STATE_NAMES[l.state],
      flagNames: l.flags.map((f) => SURVEY_FLAG_NAMES[f] ?? f).join('、'),
    })),
  };
}

/** GET /rounds/:id/surveys/answers/:aid (and the same page with a refused void reason). */
export function presentAnswer(d: AnswerDetail, refused: SurveyPageRefusal | null = null) {
  const a = d.answer;
  return {
    title: `问卷答案 #${a.id} · ${d.round.name}`,
    round: { id: d.round.id, name: d.round.name },
    id: a.id,
    communityName: d.communityName,
    channelName: SURVEY_CHANNEL_NAMES[a.channel],
    interviewer: d.people.interviewer,
    state: d.state,
    stateName: SURVEY_ANSWER_STATE_NAMES[d.state],
    flagNames: d.flags.map((f) => SURVEY_FLAG_NAMES[f] ?? f),
    startedAt: formatShanghai(a.started_at),
    submittedAt: formatShanghai(a.submitted_at),
    seconds: a.seconds,
    cleared: a.cleared_at ? { at: formatShanghai(a.cleared_at), by: d.people.clearedBy ?? '' } : null,
    voided: a.voided_at
      ? { at: formatShanghai(a.voided_at), by: d.people.voidedBy ?? '', reason: a.void_reason ?? '' }
      : null,
    items: d.items,
    canClear: d.canClear,
    canVoid: d.canVoid,
    reasonTyped: refused?.form.reason ?? '',
    error: refused?.error ?? null,
    fields: refused?.fields ?? {},
  };
}
