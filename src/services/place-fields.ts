/**
 * The checks places and units share: a name's length, a name taken (a UNIQUE violation as a 409 on
 * its field), and a unit picked by id. Kept apart so places.ts, sites.ts and units.ts word them the
 * same way.
 */
import { z } from 'zod';
import type { Db } from '../db/connection.ts';
import { Conflict, InvalidInput } from '../errors.ts';
import { findUnitById } from '../db/repos/units.ts';

/** A place's or unit's name, as every form and import checks it. */
export const name = z.string().trim().min(1, '名称不能为空').max(100, '名称不能超过100个字符');

/** Runs a write; a UNIQUE violation becomes a 409 on the named field (a name taken) instead of a 500. */
export function unique<T>(field: string, message: string, write: () => T): T {
  try {
    return write();
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE')
      throw new Conflict(message, { [field]: message });
    throw err;
  }
}

/** A unit picked in a form (a hidden id): null when none, refused when it does not exist. */
export function optionalUnit(db: Db, id: number | null | undefined, field: string): number | null {
  if (id === null || id === undefined) return null;
  if (!findUnitById(db, id)) throw new InvalidInput('所选单位不存在', { [field]: '所选单位不存在' });
  return id;
}
