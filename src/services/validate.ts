/**
 * One value checked by a zod schema whose messages are already Chinese; a failure becomes the 400
 * InvalidInput naming the form field, so every service refuses bad input the same way.
 */
import type { z } from 'zod';
import { InvalidInput } from '../errors.ts';

export function parseField<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const message = r.error.issues[0]?.message ?? '取值无效';
    throw new InvalidInput(message, { [field]: message });
  }
  return r.data;
}
