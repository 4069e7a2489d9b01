/**
 * Kept ranks (#22, migration 018): each round's 社区 and 镇街 ranks under the key its results were cached
 * under (services/results.ts), so the next round's 较上轮 reads them instead of computing this round again.
 * A row is used only when its key is exactly today's; a key that moved on means the ranks are recomputed
 * and the row replaced. Emptied at every start, so ranks computed by an older version of the code are
 * never read.
 */
import { cannotWrite, type Db } from '../connection.ts';

export interface KeptRanks {
  communityRanks: Map<number, number>;
  streetRanks: Map<number, number>;
}

const flat = (ranks: Map<number, number>): number[] => [...ranks].flat();

function pairs(list: unknown): Map<number, number> | null {
  if (!Array.isArray(list) || list.length % 2 !== 0) return null;
  const map = new Map<number, number>();
  for (let i = 0; i < list.length; i += 2) {
    const id: unknown = list[i];
    const rank: unknown = list[i + 1];
    if (!Number.isSafeInteger(id) || !Number.isSafeInteger(rank)) return null;
    map.set(id as number, rank as number);
  }
  return map;
}

/** The round's kept ranks when they were kept under `key`; undefined otherwise (or when unreadable). */
export function keptRanks(db: Db, roundId: number, key: string): KeptRanks | undefined {
  const text = db
    .prepare('SELECT ranks FROM round_ranks WHERE round_id = ? AND key = ?')
    .pluck()
    .get(roundId, key) as string | undefined;
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as { communities?: unknown; streets?: unknown };
    const communityRanks = pairs(parsed.communities);
    const streetRanks = pairs(parsed.streets);
    return communityRanks && streetRanks ? { communityRanks, streetRanks } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Keeps the round's ranks under `key`, replacing what was kept. A database another process is writing to
 * (busy past the timeout) or opened read-only keeps nothing: the ranks are computed again next time.
 */
export function keepRanks(db: Db, roundId: number, key: string, ranks: KeptRanks): void {
  const text = JSON.stringify({ communities: flat(ranks.communityRanks), streets: flat(ranks.streetRanks) });
  try {
    db.prepare('INSERT OR REPLACE INTO round_ranks (round_id, key, ranks) VALUES (?, ?, ?)').run(
      roundId,
      key,
      text,
    );
  } catch (err) {
    if (!cannotWrite(err)) throw err;
  }
}

/** Forgets every kept rank (at start-up: the code that computed them may have been older). */
export function forgetKeptRanks(db: Db): void {
  db.exec('DELETE FROM round_ranks');
}
