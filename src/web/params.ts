/**
 * Parsing URL parameters and query strings at the edge: an id that is not a positive integer of
 * sane size is a 404 (it cannot name anything), never a crash or a SQL error.
 */
import { NotFound } from '../errors.ts';

export function idParam(value: unknown, what = '记录'): number {
  if (typeof value !== 'string' || !/^[1-9]\d{0,11}$/.test(value)) throw new NotFound(`找不到该${what}`);
  return Number(value);
}
