/**
 * A picked photo is checked on the device before it is queued, with the server's own rules and words
 * (photos/intake-rules.ts): its size and, from its first bytes, its real format. A file the server would
 * refuse (HEIC from an iPhone, a GIF, anything over the limit) is refused at once with the advice, while
 * the inspector can still take the picture again, and never counts as the photo a 不符合 needs. Whether
 * the pixels decode in full is still proven by the server.
 */
import { PHOTO_LIMITS, REJECTIONS, SNIFF_BYTES, typeRefusal } from '../photos/intake-rules.ts';

/** null when the server is expected to accept the file, else the server's message. */
export async function photoRefusal(file: Blob): Promise<string | null> {
  if (file.size === 0) return REJECTIONS.empty;
  if (file.size > PHOTO_LIMITS.maxBytes) return REJECTIONS.tooLarge(file.size);
  const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
  const checked = typeRefusal(head);
  return 'refusal' in checked ? checked.refusal : null;
}
