/**
 * Reading HTML form fields (always strings, or arrays of strings for repeated fields) into typed values.
 * A malformed number becomes NaN or null here and is refused with a field message by the service.
 */
export type FormBody = Record<string, string | string[] | undefined>;

export function body(req: { body?: unknown }): FormBody {
  return (req.body ?? {}) as FormBody;
}

export function text(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** '' → null; digits → number; anything else → NaN (the service says what is wrong). */
export function idOrNull(v: unknown): number | null {
  if (v === undefined || v === '') return null;
  return typeof v === 'string' && /^\d{1,12}$/.test(v) ? Number(v) : NaN;
}

/** '' → null; a decimal number → number; anything else → NaN. */
export function decimalOrNull(v: unknown): number | null {
  if (v === undefined || v === '') return null;
  return typeof v === 'string' && /^-?\d{1,4}(\.\d{1,10})?$/.test(v.trim()) ? Number(v) : NaN;
}

export function ids(v: unknown): number[] {
  const list = Array.isArray(v) ? v : typeof v === 'string' && v ? [v] : [];
  return list.map((x) => idOrNull(x)).filter((x): x is number => x !== null);
}
