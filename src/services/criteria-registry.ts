/**
 * Keeps the database's criteria versions in step with the files in criteria/ and hands out indexed
 * versions by id. A version, once stored, is never rewritten: rounds are frozen to the content they
 * started with, so a shipped file edited in place under the same code is refused with a message.
 */
import { atomically } from '../db/connection.ts';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { Db } from '../db/connection.ts';
import {
  findCriteriaVersionByCode,
  findCriteriaVersionById,
  insertCriteriaVersion,
} from '../db/repos/criteria-versions.ts';
import { upsertSiteType } from '../db/repos/places.ts';
import { CriteriaFileError, indexCriteria, type IndexedCriteria, type LoadedFile } from '../criteria/load.ts';
import { criteriaVersionSchema, type CriteriaVersion } from '../criteria/schema.ts';
import { appendAudit } from '../db/repos/audit.ts';
import { Conflict, NotFound } from '../errors.ts';
import { auditUserId, canOrReject, type Actor } from './access.ts';

export function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Stores versions not yet in the database; returns the codes it added. */
export function syncShippedCriteria(db: Db, files: LoadedFile[]): string[] {
  const added: string[] = [];
  atomically(db, () => {
    for (const f of files) {
      const v = f.version;
      const content = JSON.stringify(v);
      const hash = sha256(content);
      const existing = findCriteriaVersionByCode(db, v.code);
      if (existing) {
        if (existing.sha256 !== hash)
          throw new CriteriaFileError(
            `${f.file}: code: 版本 "${v.code}" 的内容与数据库中已载入的不同。已用于测评的版本不能原地修改，请以新的版本编码发布修改后的体系。`,
          );
        continue;
      }
      insertCriteriaVersion(db, {
        code: v.code,
        family: v.family,
        name: v.name,
        version: v.version,
        content,
        sha256: hash,
        source: `shipped:${basename(f.file)}`,
      });
      for (const t of v.siteTypes) upsertSiteType(db, t.code, t.name);
      added.push(v.code);
    }
  });
  return added;
}

/** Parsed, indexed versions by database id (they never change, so caching is safe). */
export class CriteriaCache {
  private readonly byId = new Map<number, IndexedCriteria>();
  constructor(private readonly db: Db) {}

  get(id: number): IndexedCriteria {
    const hit = this.byId.get(id);
    if (hit) return hit;
    const row = findCriteriaVersionById(this.db, id);
    if (!row) throw new NotFound('找不到该测评体系版本');
    const indexed = indexCriteria(criteriaVersionSchema.parse(JSON.parse(row.content)));
    this.byId.set(id, indexed);
    return indexed;
  }

  getByCode(code: string): { id: number; criteria: IndexedCriteria } {
    const row = findCriteriaVersionByCode(this.db, code);
    if (!row) throw new NotFound(`找不到测评体系版本 ${code}`);
    return { id: row.id, criteria: this.get(row.id) };
  }
}

/** Stores a version imported by the office (already checked like criteria:check); its code must be new. */
export function importCriteriaVersion(
  db: Db,
  actor: Actor,
  version: CriteriaVersion,
  fileName: string,
): number {
  canOrReject(db, actor, 'office.manage', null);
  const content = JSON.stringify(version);
  return atomically(db, () => {
    if (findCriteriaVersionByCode(db, version.code))
      throw new Conflict(
        `版本编码“${version.code}”已存在：已载入的版本不能覆盖，请在“版本信息”中换一个新的版本编码`,
      );
    const id = insertCriteriaVersion(db, {
      code: version.code,
      family: version.family,
      name: version.name,
      version: version.version,
      content,
      sha256: sha256(content),
      source: `import:${fileName.slice(0, 100)}`,
    });
    for (const t of version.siteTypes) upsertSiteType(db, t.code, t.name);
    appendAudit(db, {
      userId: auditUserId(actor),
      action: 'criteria.import',
      entity: 'criteria_version',
      entityId: id,
      detail: { code: version.code, name: version.name, file: fileName },
    });
    return id;
  });
}
