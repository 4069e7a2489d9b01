/**
 * The photo pipeline's public face: sniffing, EXIF, evidence flags, storage and the caption font.
 * Everything here works on buffers and folders — no Express, no database — so the routes and
 * services decide what to record, and this module decides what a photo is.
 */
export { sniffImageType, type PhotoMime, type SniffResult } from './sniff.ts';
export { readPhotoMeta, exifDateToIso, type PhotoMeta } from './exif.ts';
export {
  describeFlag,
  distanceMeters,
  evidenceFlags,
  formatDistance,
  type EvidenceFlag,
  type LatLng,
} from './evidence.ts';
export {
  displayKeyFor,
  PHOTO_LIMITS,
  PhotoRejected,
  PhotoTooLarge,
  photoPaths,
  storePhoto,
  sweepStrayFiles,
  WatermarkFontMissing,
  type StoredPhoto,
} from './store.ts';
export { findCjkFont, missingFontMessage } from './font.ts';
