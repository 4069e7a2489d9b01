/**
 * The one shape of a form handler (miniflux's): make the change and go on to the redirect, or — when the
 * service refused what was typed — show the same page again with the refusal (refusal.ts: the status,
 * the message on top and by each field). Anything that is not a refusal of the input (403, 404, a bug)
 * goes on to the error middleware untouched.
 */
import { formRefusal, type Refusal } from './refusal.ts';

/** True when the change was made; false when the page was shown again by `again`. */
export async function changedOrShownAgain(
  change: () => unknown,
  again: (refusal: Refusal) => void,
): Promise<boolean> {
  try {
    await change();
    return true;
  } catch (err) {
    const refusal = formRefusal(err);
    if (!refusal) throw err;
    again(refusal);
    return false;
  }
}
