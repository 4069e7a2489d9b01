/** criteria_versions: every loaded 测评体系版本, kept whole so old rounds keep their rules. */
import type { Db } from '../connection.ts';
import { nowIso } from '../../util/time.ts';

export interface CriteriaVersionRow {
  id: number;
  code: string;
  family: string;
  name: string;
  version: string;
  content: string;
  sha256: string;
  source: string;
  loaded_at: string;
}

const COLUMNS = 'id, code, family, name, version, content, sha256, source, loaded_at';

export function findCriteriaVersionByCode(db: Db, code: string): CriteriaVersionRow | undefined {
  return db.prepare(`SELECT ${COLUMNS} FROM criteria_versions WHERE code = ?`).get(code) as
    CriteriaVersionRow | undefined;
}

export function findCriteriaVersionById(db: Db, id: number): CriteriaVersionRow | undefined {
  return db.prepare(`SELECT ${COLUMNS} FROM criteria_versions WHERE id = ?`).get(id) as
    CriteriaVersionRow | undefined;
}

export function listCriteriaVersions(db: Db): Omit<CriteriaVersionRow, 'content'>[] {
  return db
    .prepare(
      'SELECT id, code, family, name, version, sha256, source, loaded_at FROM criteria_versions ORDER BY id',
    )
    .all() as Omit<CriteriaVersionRow, 'content'>[];
}

export interface NewCriteriaVersion {
  code: string;
  family: string;
  name: string;
  version: string;
  content: string;
  sha256: string;
  source: string;
}

export function insertCriteriaVersion(db: Db, v: NewCriteriaVersion): number {
  return Number(
    db
      .prepare(
        `INSERT INTO criteria_versions (code, family, name, version, content, sha256, source, loaded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(v.code, v.family, v.name, v.version, v.content, v.sha256, v.source, nowIso()).lastInsertRowid,
  );
}
