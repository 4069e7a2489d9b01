/**
 * The device's offline queue in IndexedDB (plain API, no wrapper): what the inspector did that the
 * server has not confirmed yet (answer batches, photos as Blobs, submits), in the order it was done,
 * each with the idempotency key the server dedupes on; the office's versions that won a conflict
 * (kept until dismissed); and the sheet revision each site was last seen at. Everything is keyed by
 * user ('u12') so a shared tablet keeps inspectors apart and logout removes exactly one user's data.
 * An answer batch and a submit are stored as the protocol's own bodies (protocol/sheet.ts).
 */
import type { SaveBatch, SaveConflict, SubmitRequest } from '../protocol/sheet.ts';

interface EntryBase {
  seq?: number;
  user: string;
  round: number;
  site: number;
  siteName: string;
  createdAt: number;
  /** the server's reason when it refused the entry for good; kept until the inspector dismisses it */
  refused?: string;
}
export type Entry = EntryBase &
  (
    | ({ kind: 'changes' } & SaveBatch)
    | { kind: 'photo'; clientId: string; standard: string; blob: Blob; name: string }
    | ({ kind: 'submit' } & SubmitRequest)
  );

/** A conflict the server reported (protocol/sheet.ts); `by` is absent in records kept by an earlier
 * page (the office then). */
export type ConflictItem = Omit<SaveConflict, 'by'> & Partial<Pick<SaveConflict, 'by'>>;
export interface ConflictRecord {
  id?: number;
  user: string;
  round: number;
  site: number;
  siteName: string;
  returnedReason: string | null;
  items: ConflictItem[];
  createdAt: number;
}

const DB_NAME = 'cc-offline';
let opening: Promise<IDBDatabase> | null = null;

function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function open(): Promise<IDBDatabase> {
  opening ??= new Promise((resolve, reject) => {
    const r = indexedDB.open(DB_NAME, 1);
    r.onupgradeneeded = () => {
      const db = r.result;
      db.createObjectStore('queue', { keyPath: 'seq', autoIncrement: true }).createIndex('user', 'user');
      db.createObjectStore('conflicts', { keyPath: 'id', autoIncrement: true }).createIndex('user', 'user');
      db.createObjectStore('revisions', { keyPath: 'key' });
    };
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  return opening;
}

async function store(name: string, mode: IDBTransactionMode = 'readonly'): Promise<IDBObjectStore> {
  return (await open()).transaction(name, mode).objectStore(name);
}

/** Appends an entry; resolves with its sequence number once it is on the device. */
export async function addEntry(entry: Entry): Promise<number> {
  return (await req((await store('queue', 'readwrite')).add(entry))) as number;
}

export async function putEntry(entry: Entry): Promise<void> {
  await req((await store('queue', 'readwrite')).put(entry));
}

export async function removeEntry(seq: number): Promise<void> {
  await req((await store('queue', 'readwrite')).delete(seq));
}

/**
 * Removes a sent entry and, in the same transaction, adds what of it stays on the device (an answer
 * batch's refused answers): a page closed in between can no longer lose them.
 */
export async function replaceEntry(seq: number, kept: Entry | null): Promise<void> {
  const tx = (await open()).transaction('queue', 'readwrite');
  const queue = tx.objectStore('queue');
  queue.delete(seq);
  if (kept) queue.add(kept);
  await new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

/** This user's entries in the order they were made. */
export async function listEntries(user: string): Promise<Entry[]> {
  const all = (await req((await store('queue')).index('user').getAll(user))) as Entry[];
  return all.sort((a, b) => a.seq! - b.seq!);
}

export async function addConflict(record: ConflictRecord): Promise<void> {
  await req((await store('conflicts', 'readwrite')).add(record));
}

export async function listConflicts(user: string): Promise<ConflictRecord[]> {
  return (await req((await store('conflicts')).index('user').getAll(user))) as ConflictRecord[];
}

export async function putConflict(record: ConflictRecord): Promise<void> {
  await req((await store('conflicts', 'readwrite')).put(record));
}

export async function removeConflict(id: number): Promise<void> {
  await req((await store('conflicts', 'readwrite')).delete(id));
}

const revKey = (user: string, round: number, site: number) => `${user}:${round}:${site}`;

export async function getRevision(user: string, round: number, site: number): Promise<number> {
  const row = (await req((await store('revisions')).get(revKey(user, round, site)))) as
    { revision: number } | undefined;
  return row?.revision ?? 0;
}

/** Every sheet revision this user's device holds, by `round:site`, in one read. */
export async function listRevisions(user: string): Promise<Map<string, number>> {
  const rows = (await req(
    (await store('revisions')).getAll(IDBKeyRange.bound(`${user}:`, `${user}:\uffff`)),
  )) as { key: string; revision: number }[];
  return new Map(rows.map((r) => [r.key.slice(user.length + 1), r.revision]));
}

export async function setRevision(
  user: string,
  round: number,
  site: number,
  revision: number,
): Promise<void> {
  await req((await store('revisions', 'readwrite')).put({ key: revKey(user, round, site), revision }));
}

/** Logout: everything this user left on the device (queue, conflicts, revisions). */
export async function clearUser(user: string): Promise<void> {
  const db = await open();
  const tx = db.transaction(['queue', 'conflicts', 'revisions'], 'readwrite');
  for (const name of ['queue', 'conflicts'] as const) {
    const s = tx.objectStore(name);
    for (const key of await req(s.index('user').getAllKeys(user))) s.delete(key);
  }
  const revisions = tx.objectStore('revisions');
  revisions.delete(IDBKeyRange.bound(`${user}:`, `${user}:\uffff`));
  await new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
}
