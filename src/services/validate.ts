/**
 * One value checked by a zod schema whose messages are already Chinese; a failure becomes the 400
 * InvalidInput naming the form field, so every service refuses bad input the same way.
 */
import type { z } from 'zod';
import { InvalidInput } from '../errors.ts';

/**
 * The first issue's message if the schema gave it in Chinese; zod's own messages are English (a value
 * of the wrong type, e.g. a field sent twice or a list where text belongs), so those become `fallback`.
 */
export function issueMessage(error: z.ZodError, fallback = '填写的内容格式无效'): string {
  const own = error.issues[0]?.message ?? '';
  return /[\u4e00-\u9fff]/.test(own) ? own : fallback;
}

export function parseField<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const message = issueMessage(r.error);
    throw new InvalidInput(message, { [field]: message });
  }
  return r.data;
}

/** Runs several field checks and refuses once with every field's message, so a form is fixed in one go. */
export function refusals() {
  const fields: Record<string, string> = {};
  let first = '';
  const check = <T>(run: () => T): T => {
    try {
      return run();
    } catch (err) {
      if (!(err instanceof InvalidInput)) throw err;
      Object.assign(fields, err.fields);
      first ||= err.message;
      return undefined as T;
    }
  };
  check.done = () => {
    if (first) throw new InvalidInput(first, fields);
  };
  return check;
}
