/**
 * One standard's card on the sheet: reading what is tapped into an answer, writing an answer into it,
 * and checking it with the server's own rules (scoring/answer-rules.ts) before it is saved, so a
 * 不符合 with 0 cases cannot be produced: the − button stops at the least the result allows, and a
 * number typed below it is said on the card and not saved. A card the server refused says so too.
 */
import type { Scoring } from '../criteria/schema.ts';
import type { ScoringRules } from '../scoring/standard.ts';
import { checkAnswer, minCases } from '../scoring/answer-rules.ts';
import type { AnswerChange } from '../protocol/sheet.ts';

export const field = <T extends Element>(card: HTMLElement, sel: string) => card.querySelector<T>(sel);

/** The card's answer as tapped; with `asServed`, as the server rendered it (before any tap). */
export function readCard(card: HTMLElement, asServed = false): AnswerChange | null {
  const code = card.dataset.code!;
  const radios = [...card.querySelectorAll<HTMLInputElement>(`input[name="r_${code}"]`)];
  const checked = radios.find((r) => (asServed ? r.defaultChecked : r.checked));
  if (!checked) return null;
  const value = (sel: string) => {
    const el = field<HTMLInputElement | HTMLTextAreaElement>(card, sel);
    return el ? (asServed ? el.defaultValue : el.value) : '';
  };
  const cases = Number(value(`[name="c_${code}"]`) || 0);
  const fixed = Number(value(`[name="f_${code}"]`) || 0);
  return {
    standard: code,
    result: checked.value as AnswerChange['result'],
    cases: checked.value === 'fail' ? (card.dataset.mode === 'passfail' ? 1 : cases) : 0,
    fixedCases: checked.value === 'fail' ? fixed : 0,
    note: value(`[name="n_${code}"]`),
  };
}

export function writeCard(card: HTMLElement, c: AnswerChange): void {
  const code = card.dataset.code!;
  const radio = field<HTMLInputElement>(card, `input[name="r_${code}"][value="${c.result}"]`);
  if (radio) radio.checked = true;
  const cases = field<HTMLInputElement>(card, `[name="c_${code}"]`);
  if (cases) cases.value = String(c.cases);
  const fixed = field<HTMLInputElement>(card, `[name="f_${code}"]`);
  if (fixed) fixed.value = String(c.fixedCases);
  const note = field<HTMLTextAreaElement>(card, `[name="n_${code}"]`);
  if (note) note.value = c.note;
  syncMin(card);
}

/** The case stepper's floor follows the result: 1 for a 不符合 (0 cases would be refused). */
export function syncMin(card: HTMLElement): void {
  const code = card.dataset.code!;
  const cases = field<HTMLInputElement>(card, `[name="c_${code}"]`);
  if (!cases) return;
  const result = field<HTMLInputElement>(card, `input[name="r_${code}"]:checked`)?.value ?? null;
  cases.min = String(minCases(result as AnswerChange['result'] | null, card.dataset.mode as Scoring['mode']));
}

/** The message shown on a card (invalid input, or what the server refused), or none. */
export function cardMessage(card: HTMLElement, text: string | null): void {
  let msg = field<HTMLElement>(card, '.std-error');
  if (!text) return void msg?.remove();
  if (!msg) {
    msg = document.createElement('p');
    msg.className = 'std-error';
    msg.setAttribute('role', 'alert');
    card.querySelector('.choices')?.after(msg);
  }
  msg.textContent = text;
}

/** The card's answer when the server's rules accept it; else null, with the reason on the card. */
export function validCard(
  card: HTMLElement,
  standard: { code: string; scoring: Scoring } | undefined,
  rules: ScoringRules,
): AnswerChange | null {
  const c = readCard(card);
  if (!c || !standard) return c;
  const checked = checkAnswer(c, standard, rules);
  if (!checked.ok) {
    cardMessage(card, `未保存：${checked.reason}`);
    return null;
  }
  cardMessage(card, null);
  return c;
}

export const sameAnswer = (a: AnswerChange | undefined, b: AnswerChange | undefined) =>
  !!a &&
  !!b &&
  a.result === b.result &&
  a.cases === b.cases &&
  a.fixedCases === b.fixedCases &&
  a.note.trim() === b.note.trim();

/** A tap on a stepper's − / ＋: within the result's floor and 999, 当场整改 never above the cases. */
export function step(card: HTMLElement, btn: HTMLButtonElement): void {
  const input = btn.parentElement!.querySelector<HTMLInputElement>('input')!;
  const code = card.dataset.code!;
  const fail = field<HTMLInputElement>(card, `input[name="r_${code}"][value="fail"]`);
  const next = Number(input.value || 0) + Number(btn.dataset.step);
  if (input.name === `c_${code}` && next > 0 && fail) fail.checked = true;
  syncMin(card);
  const min = Number(input.min || 0);
  input.value = String(Math.min(999, Math.max(min, next)));
  const fixed = field<HTMLInputElement>(card, `[name="f_${code}"]`);
  const cases = field<HTMLInputElement>(card, `[name="c_${code}"]`);
  if (fixed && cases && Number(fixed.value) > Number(cases.value)) fixed.value = cases.value;
}
