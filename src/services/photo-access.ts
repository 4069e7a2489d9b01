/**
 * Whether a user may see a photo: the office always; an inspector for sites assigned to them in that
 * round; a unit for sites it answers for (or 包联) once the round is published, and for the problems sent
 * to it (before and after photos) at once. Photos are evidence
 * in disputes, so every photo request goes through here.
 */
import type { Db } from '../db/connection.ts';
import type { UserRow } from '../db/repos/users.ts';
import { photoPlace, photoProblems, type PhotoRow } from '../db/repos/photos.ts';
import { assignedInspectorId } from '../db/repos/rounds.ts';
import { liaisonCommunityIds, unitSubtreeIds } from '../db/repos/units.ts';

export function canSeePhoto(db: Db, user: UserRow, photo: PhotoRow): boolean {
  if (user.role === 'office') return true;
  // photos of a problem (before and after): its unit, and inspectors who work at its site
  const problems = photoProblems(db, photo);
  if (user.role === 'unit' && user.unit_id !== null && problems.length) {
    const mine = new Set(unitSubtreeIds(db, user.unit_id));
    if (problems.some((p) => p.unit_id !== null && mine.has(p.unit_id))) return true;
  }
  if (
    user.role === 'inspector' &&
    problems.some((p) => assignedInspectorId(db, p.round_id, p.site_id) === user.id)
  )
    return true;
  const place = photo.inspection_id === null ? undefined : photoPlace(db, photo.inspection_id);
  if (!place) return false;
  if (user.role === 'inspector') {
    return assignedInspectorId(db, place.round_id, place.site_id) === user.id;
  }
  if (place.round_status !== 'published' || user.unit_id === null) return false;
  const mine = new Set(unitSubtreeIds(db, user.unit_id));
  if (
    [place.responsible_unit_id, place.community_unit_id, place.street_unit_id].some(
      (u) => u !== null && mine.has(u),
    )
  )
    return true;
  return place.community_id !== null && liaisonCommunityIds(db, [...mine]).includes(place.community_id);
}
