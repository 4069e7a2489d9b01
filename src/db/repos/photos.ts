/** photos: metadata rows of stored originals (the files live under UPLOAD_DIR, named by SHA-256). */
import type { Db } from '../connection.ts';
import { nowIso } from '../../util/time.ts';
import { findProblem, type ProblemRow } from './problems.ts';

/**
 * evidence: a sheet's; fix / reinspect / appeal: a problem's steps; record: a 督查 problem's, taken by the
 * office or a 包联 leader; report: a resident's 随手拍 (no uploader; report_id says which report).
 */
export type PhotoKind = 'evidence' | 'fix' | 'reinspect' | 'appeal' | 'record' | 'report';

export interface PhotoRow {
  id: number;
  client_id: string | null;
  sha256: string;
  display_key: string;
  kind: PhotoKind;
  inspection_id: number | null;
  standard_code: string | null;
  problem_id: number | null;
  original_name: string;
  mime: string;
  bytes: number;
  width: number;
  height: number;
  taken_at: string | null;
  gps_lat: number | null;
  gps_lng: number | null;
  flags: string;
  /** null only for a resident's photo (kind 'report') */
  uploaded_by: number | null;
  uploaded_at: string;
  deleted_at: string | null;
  /** the 随手拍 report a resident's photo came with */
  report_id: number | null;
  /** JSON array of the caption band's lines; null for rows from before versions were made afterwards */
  caption: string | null;
  /** 0: display version and thumbnail not made yet; 1: made; -1: making them failed */
  versions_ready: number;
}

const COLUMNS = `id, client_id, sha256, display_key, kind, inspection_id, standard_code, problem_id, original_name, mime,
  bytes, width, height, taken_at, gps_lat, gps_lng, flags, uploaded_by, uploaded_at, deleted_at, caption, versions_ready,
  report_id`;

export interface NewPhoto {
  clientId: string | null;
  sha256: string;
  displayKey: string;
  kind: PhotoKind;
  inspectionId: number | null;
  standardCode: string | null;
  problemId: number | null;
  originalName: string;
  mime: string;
  bytes: number;
  width: number;
  height: number;
  takenAt: string | null;
  gpsLat: number | null;
  gpsLng: number | null;
  flags: unknown[];
  /** null only for a resident's photo (kind 'report', with reportId) */
  uploadedBy: number | null;
  reportId?: number | null;
  /** the caption band's lines; with them the display version and thumbnail are made after the insert */
  caption: string[] | null;
}

export function insertPhoto(db: Db, p: NewPhoto): number {
  return Number(
    db
      .prepare(
        `INSERT INTO photos (client_id, sha256, display_key, kind, inspection_id, standard_code, problem_id, original_name,
           mime, bytes, width, height, taken_at, gps_lat, gps_lng, flags, uploaded_by, uploaded_at, caption,
           versions_ready, report_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        p.clientId,
        p.sha256,
        p.displayKey,
        p.kind,
        p.inspectionId,
        p.standardCode,
        p.problemId,
        p.originalName,
        p.mime,
        p.bytes,
        p.width,
        p.height,
        p.takenAt,
        p.gpsLat,
        p.gpsLng,
        JSON.stringify(p.flags),
        p.uploadedBy,
        nowIso(),
        p.caption ? JSON.stringify(p.caption) : null,
        p.caption ? 0 : 1,
        p.reportId ?? null,
      ).lastInsertRowid,
  );
}

export function findPhoto(db: Db, id: number): PhotoRow | undefined {
  return db.prepare(`SELECT ${COLUMNS} FROM photos WHERE id = ?`).get(id) as PhotoRow | undefined;
}

export function findPhotoByClientId(db: Db, clientId: string): PhotoRow | undefined {
  return db.prepare(`SELECT ${COLUMNS} FROM photos WHERE client_id = ?`).get(clientId) as
    PhotoRow | undefined;
}

export function listInspectionPhotos(db: Db, inspectionId: number): PhotoRow[] {
  return db
    .prepare(`SELECT ${COLUMNS} FROM photos WHERE inspection_id = ? AND deleted_at IS NULL ORDER BY id`)
    .all(inspectionId) as PhotoRow[];
}

export function softDeletePhoto(db: Db, id: number): void {
  db.prepare('UPDATE photos SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL').run(nowIso(), id);
}

/** What the versions maker needs of a photo whose display version and thumbnail are not made yet. */
export interface WaitingVersions {
  sha256: string;
  display_key: string;
  caption: string | null;
}

/**
 * The oldest photos whose versions are waiting to be made (at most `limit`), other than those being made
 * (`sha:key`).
 */
export function waitingVersions(db: Db, busy: readonly string[] = [], limit = 1): WaitingVersions[] {
  return db
    .prepare(
      `SELECT sha256, display_key, caption FROM photos WHERE versions_ready = 0
         AND sha256 || ':' || display_key NOT IN (SELECT value FROM json_each(?))
       ORDER BY id LIMIT ?`,
    )
    .all(JSON.stringify(busy), limit) as WaitingVersions[];
}

/** Marks every row sharing these files: 1 made, -1 failed. */
export function markVersions(db: Db, sha256: string, displayKey: string, state: 1 | -1): void {
  db.prepare(
    'UPDATE photos SET versions_ready = ? WHERE sha256 = ? AND display_key = ? AND versions_ready <> 1',
  ).run(state, sha256, displayKey);
}

/** The caption of any row with these files (null when none has one). */
export function captionOf(db: Db, sha256: string, displayKey: string): string | null {
  return (
    (db
      .prepare(
        'SELECT caption FROM photos WHERE sha256 = ? AND display_key = ? AND caption IS NOT NULL LIMIT 1',
      )
      .pluck()
      .get(sha256, displayKey) as string | undefined) ?? null
  );
}

/** Whether any row (deleted or not: originals are evidence and stay) refers to this file. */
export function isKnownPhotoFile(db: Db, sha256: string, displayKey?: string): boolean {
  if (displayKey === undefined)
    return !!db.prepare('SELECT 1 FROM photos WHERE sha256 = ? LIMIT 1').get(sha256);
  return !!db
    .prepare('SELECT 1 FROM photos WHERE sha256 = ? AND display_key = ? LIMIT 1')
    .get(sha256, displayKey);
}

/** Where an evidence photo belongs: its round and site, and the units that answer for the site. */
export interface PhotoPlace {
  round_id: number;
  round_status: string;
  site_id: number;
  responsible_unit_id: number | null;
  community_id: number | null;
  community_unit_id: number | null;
  street_unit_id: number | null;
}

export function photoPlace(db: Db, inspectionId: number): PhotoPlace | undefined {
  return db
    .prepare(
      `SELECT i.round_id, r.status AS round_status, s.id AS site_id, s.responsible_unit_id, s.community_id,
              c.unit_id AS community_unit_id, st.unit_id AS street_unit_id
       FROM inspections i JOIN rounds r ON r.id = i.round_id JOIN sites s ON s.id = i.site_id
       JOIN streets st ON st.id = s.street_id LEFT JOIN communities c ON c.id = s.community_id
       WHERE i.id = ?`,
    )
    .get(inspectionId) as PhotoPlace | undefined;
}

/** The units and sites of the problems a photo documents (its own problem, or the problems raised from it). */
export function photoProblems(db: Db, photo: PhotoRow): ProblemRow[] {
  const ids = db
    .prepare(
      `SELECT id FROM problems
       WHERE id = ? OR (inspection_id = ? AND standard_code = ?)
          OR id = (SELECT problem_id FROM citizen_reports WHERE id = ?)`,
    )
    .pluck()
    .all(photo.problem_id, photo.inspection_id, photo.standard_code, photo.report_id ?? null) as number[];
  return ids.map((id) => findProblem(db, id)!);
}
