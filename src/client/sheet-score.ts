/**
 * What the sheet shows of its answers, recomputed after every edit with the server's own scoring code
 * (scoring/standard.ts, bundled in): each card's score and grade, the bar's progress and live 得分率,
 * the status badge once the first answer starts the sheet, and what still blocks a submit.
 */
import {
  formatRate,
  scoreSite,
  scoreStandard,
  type ScoredStandard,
  type ScoringRules,
} from '../scoring/standard.ts';
import type { AnswerChange } from '../protocol/sheet.ts';
import { field } from './sheet-cards.ts';
import { findBlockers, type BlockerPanel } from './sheet-blockers.ts';

export interface SheetModel {
  rules: ScoringRules;
  standards: ScoredStandard[];
}

export function showScores(
  form: HTMLFormElement,
  model: SheetModel,
  answers: Map<string, AnswerChange>,
  panel: BlockerPanel,
): void {
  const byCode = new Map(model.standards.map((s) => [s.code, s]));
  for (const card of form.querySelectorAll<HTMLElement>('.std')) {
    const c = answers.get(card.dataset.code!);
    card.dataset.result = c?.result ?? '';
    const s = byCode.get(card.dataset.code!);
    const out = field<HTMLElement>(card, '.std-score');
    if (out && s) {
      const score = c ? scoreStandard(s, c, model.rules) : null;
      out.textContent = !score
        ? ''
        : score.applicable
          ? `得 ${score.earned} / ${score.possible} 分`
          : '不计分';
      const grade = field<HTMLElement>(card, '.grade');
      if (grade) grade.textContent = score?.grade ?? '—';
    }
  }
  const site = scoreSite(model.standards, answers, model.rules);
  document.getElementById('progress')!.textContent = `已评 ${site.answered}/${model.standards.length}`;
  // the first answer starts the sheet (the server makes it a draft with the first save)
  const badge = document.getElementById('sheet-status');
  if (badge?.classList.contains('sheet-none') && answers.size) {
    badge.classList.replace('sheet-none', 'sheet-draft');
    badge.textContent = '进行中';
  }
  document.getElementById('live-rate')!.textContent = formatRate(site.rate);
  panel.update(findBlockers(form, answers));
}
