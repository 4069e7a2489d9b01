/** Whether the server can do its work: the database answers a query. */
import type { Db } from '../db/connection.ts';

export function databaseAnswers(db: Db): boolean {
  try {
    db.prepare('SELECT 1').get();
    return true;
  } catch {
    return false;
  }
}
