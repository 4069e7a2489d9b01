/**
 * Whether a user may see a photo: the office always; an inspector for sites assigned to them in that
 * round; a unit for sites it answers for (or 包联) once the round is published. Photos are evidence
 * in disputes, so every photo request goes through here.
 */
import type { Db } from '../db/connection.ts';
import type { UserRow } from '../db/repos/users.ts';
import { photoPlace, type PhotoRow } from '../db/repos/photos.ts';
import { assignedInspectorId } from '../db/repos/rounds.ts';
import { liaisonCommunityIds, unitSubtreeIds } from '../db/repos/units.ts';

export function canSeePhoto(db: Db, user: UserRow, photo: PhotoRow): boolean {
  if (user.role === 'office') return true;
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
