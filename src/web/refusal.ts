/**
 * A refused form is shown again, never a bare error page: this turns a service's refusal into what the
 * form's own template needs — the status, the message for the top of the form and the message for
 * each field — so a handler is parse → call → redirect, or re-render the same page with what was typed.
 * Anything that is not a refusal of the input is left to the error middleware.
 */
import { Conflict, InvalidInput, type FieldErrors } from '../errors.ts';

export interface Refusal {
  status: number;
  error: string;
  fields: FieldErrors;
}

/** The refusal to show on the form, or null when the error is not about what was typed. */
export function formRefusal(err: unknown): Refusal | null {
  if (err instanceof InvalidInput || err instanceof Conflict)
    return { status: err.status, error: err.message, fields: err.fields };
  return null;
}
