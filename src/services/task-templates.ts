/**
 * Template files (模板) the office attaches to a kind of material (规范文件, 情况说明, 统计表格, 工作台账 …):
 * units see the current one of each kind their task asks for and download it. A new template for a kind
 * replaces the previous one, which is kept as removed (its row and file stay: the history). Checked and
 * kept like every document (document-files.ts); each step is in the audit log.
 */
import { z } from 'zod';
import { atomically, type Db } from '../db/connection.ts';
import { removeDocumentFile, findDocumentFile, type DocumentFileRow } from '../db/repos/document-tasks.ts';
import { templateFiles } from '../db/repos/task-review.ts';
import { appendAudit } from '../db/repos/audit.ts';
import type { Material } from '../criteria/schema.ts';
import { Conflict, InvalidInput, NotFound } from '../errors.ts';
import { MATERIAL_NAMES } from '../labels.ts';
import { canOrReject, userOf, type Actor } from './access.ts';
import { storeThenRecord, recordDocuments, type UploadedDocument } from './document-files.ts';
import { parseField } from './validate.ts';

export interface TemplatesCtx {
  db: Db;
  uploadDir: string;
}

/** The current template of each kind of material that has one (for a unit's task page). */
export function currentTemplates(db: Db): Map<Material, DocumentFileRow> {
  const current = new Map<Material, DocumentFileRow>();
  for (const f of templateFiles(db))
    if (f.removed_at === null && !current.has(f.template_material as Material))
      current.set(f.template_material as Material, f);
  return current;
}

export interface TemplatesPage {
  kinds: { material: Material; current: DocumentFileRow | null; earlier: DocumentFileRow[] }[];
}

export function templatesPage(db: Db, actor: Actor): TemplatesPage {
  canOrReject(db, actor, 'task.review', null);
  const files = templateFiles(db);
  const current = currentTemplates(db);
  return {
    kinds: (Object.keys(MATERIAL_NAMES) as Material[]).map((material) => ({
      material,
      current: current.get(material) ?? null,
      earlier: files.filter((f) => f.template_material === material && f.removed_at !== null),
    })),
  };
}

const materialField = z.enum(Object.keys(MATERIAL_NAMES) as [Material, ...Material[]], {
  error: '请选择材料类型',
});

/** Uploads the template of a kind of material, replacing the current one. Returns the new file's id. */
export async function uploadTemplate(
  ctx: TemplatesCtx,
  actor: Actor,
  input: { material: unknown },
  files: readonly UploadedDocument[],
): Promise<number> {
  canOrReject(ctx.db, actor, 'task.review', null);
  const user = userOf(actor);
  const material = parseField(materialField, input.material, 'material');
  if (files.length !== 1) throw new InvalidInput('请选择一个模板文件', { file: '请选择一个模板文件' });
  return storeThenRecord(ctx.db, ctx.uploadDir, files, (stored) =>
    atomically(ctx.db, () => {
      const previous = currentTemplates(ctx.db).get(material);
      const [id] = recordDocuments(ctx.db, { templateMaterial: material }, stored, user.id);
      if (previous) removeDocumentFile(ctx.db, previous.id, user.id, id!);
      appendAudit(ctx.db, {
        userId: user.id,
        action: 'task.template',
        entity: 'document_file',
        entityId: id!,
        detail: {
          material: MATERIAL_NAMES[material],
          name: stored[0]!.name,
          ...(previous ? { replacedName: previous.name } : {}),
        },
      });
      return id!;
    }),
  );
}

/** Takes a template out of use (kept as removed). */
export function removeTemplate(db: Db, actor: Actor, fileId: number): DocumentFileRow {
  canOrReject(db, actor, 'task.review', null);
  const user = userOf(actor);
  return atomically(db, () => {
    const file = findDocumentFile(db, fileId);
    if (!file || file.template_material === null) throw new NotFound('找不到该模板');
    if (file.removed_at !== null) throw new Conflict('该模板已删除');
    removeDocumentFile(db, file.id, user.id);
    appendAudit(db, {
      userId: user.id,
      action: 'task.template_remove',
      entity: 'document_file',
      entityId: file.id,
      detail: { material: MATERIAL_NAMES[file.template_material as Material], name: file.name },
    });
    return file;
  });
}
