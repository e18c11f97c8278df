/**
 * Photos and voice messages the customer sent that the server has not confirmed yet: the media
 * counterpart of the text outbox (outbox.ts). Their bytes do not fit localStorage (a few MB per
 * origin, strings only), so they are kept in IndexedDB, as ArrayBuffers rather than Blobs, which
 * every browser with IndexedDB can store. A message refused because the session ended, or cut off
 * by the network, is thus sent again after the next sign-in or page load, under its own
 * idempotency key, so however often it goes out the server stores it once.
 *
 * What IndexedDB cannot take (over the total cap, private modes without IndexedDB, a full disk)
 * is still held in this page's memory, so a sign-in without a reload sends it; the caller is told
 * why it was not kept, to say so beside the message.
 */
export type MediaKind = "image" | "audio";

export interface MediaEntry {
  clientKey: string;
  kind: MediaKind;
  blob: Blob;
  /** When it was first sent (ms since the epoch): the outbox goes out again in this order. */
  at: number;
}

/**
 * Why an entry is held only in page memory (lost on reload), if it is not kept in the browser:
 * "full" when its outbox is at its cap, "unavailable" when the storage refused it (none, or over
 * its quota). The text outbox (outbox.ts) answers the same.
 */
export type NotKept = "full" | "unavailable";

/**
 * The largest photo or voice message the chat sends, and so keeps: the server's default
 * `assistant.inputs.maxUploadBytes` (the widget has no way to learn an install's own value, so an
 * install that lowers it answers 413 instead, and one that raises it still gets at most this). A
 * phone photo is 2–8 MB, a minute of the chat's 16 kHz WAV about 2 MB. The chat refuses a larger
 * file before it uploads anything (use-chat.ts), so every file it sends fits here.
 */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
/**
 * For every identity of this browser together, so the origin's storage quota is never at stake:
 * two files at the upload limit, or a dozen phone photos. The chat's notice (i18n/chat.ts,
 * `notKept.full`) quotes it.
 */
export const MAX_TOTAL_BYTES = 50 * 1024 * 1024;

/** Whether a file of `size` bytes is over the upload limit, so not to be sent at all. */
export function tooLargeToSend(size: number): boolean {
  return size > MAX_UPLOAD_BYTES;
}

/** Whether an item of `size` bytes may be kept beside `held` bytes already kept. */
export function keepVerdict(size: number, held: number): NotKept | null {
  return held + size > MAX_TOTAL_BYTES ? "full" : null;
}

interface Row {
  clientKey: string;
  userId: string;
  kind: MediaKind;
  bytes: ArrayBuffer;
  mimeType: string;
  size: number;
  at: number;
}

const DB_NAME = "seekdesk.outbox";
const STORE = "media";

let opening: Promise<IDBDatabase | null> | null = null;

/** One connection per page; null where the browser has no usable IndexedDB. */
function openDb(): Promise<IDBDatabase | null> {
  opening ??= new Promise<IDBDatabase | null>((resolve) => {
    try {
      if (typeof indexedDB === "undefined") return resolve(null);
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => {
        const store = req.result.createObjectStore(STORE, { keyPath: "clientKey" });
        store.createIndex("userId", "userId");
        // Read with key cursors, so totalling the kept bytes never loads the bytes themselves.
        store.createIndex("size", "size");
      };
      req.onsuccess = () => {
        const db = req.result;
        // A newer page wants to upgrade the schema: let it, and open again on the next use.
        db.onversionchange = () => {
          db.close();
          opening = null;
        };
        resolve(db);
      };
      req.onerror = () => resolve(null);
      // Another tab holds an older version open: waiting could hang the send, so give up here.
      req.onblocked = () => resolve(null);
    } catch {
      resolve(null);
    }
  });
  return opening;
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error("aborted"));
  });
}

function result<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** Page memory, per identity: what IndexedDB did not take, and a copy of what it did. */
const memory = new Map<string, Map<string, MediaEntry>>();

export class MediaOutbox {
  constructor(
    private readonly userId: string,
    private readonly db: () => Promise<IDBDatabase | null> = openDb,
  ) {}

  private held(): Map<string, MediaEntry> {
    let m = memory.get(this.userId);
    if (!m) {
      m = new Map();
      memory.set(this.userId, m);
    }
    return m;
  }

  /**
   * Keeps the entry until `remove`: in IndexedDB when it fits the cap, else in page memory only.
   * Resolves null when kept, else why not.
   */
  async put(entry: MediaEntry): Promise<NotKept | null> {
    this.held().set(entry.clientKey, entry);
    const size = entry.blob.size;
    if (keepVerdict(size, 0)) return "full";
    try {
      const db = await this.db();
      if (!db) return "unavailable";
      const bytes = await entry.blob.arrayBuffer();
      // Removed while the bytes were read (the send already stored): nothing to keep.
      if (!this.held().has(entry.clientKey)) return null;
      const tx = db.transaction(STORE, "readwrite");
      const store = tx.objectStore(STORE);
      // Totalled and written in one transaction, so two tabs cannot both squeeze under the cap.
      let verdict: NotKept | null = null;
      const cursor = store.index("size").openKeyCursor();
      let held = 0;
      cursor.onsuccess = () => {
        const c = cursor.result;
        if (c) {
          if (c.primaryKey !== entry.clientKey) held += Number(c.key);
          c.continue();
          return;
        }
        verdict = keepVerdict(size, held);
        if (verdict) return;
        const row: Row = {
          clientKey: entry.clientKey,
          userId: this.userId,
          kind: entry.kind,
          bytes,
          mimeType: entry.blob.type,
          size,
          at: entry.at,
        };
        store.put(row);
      };
      await done(tx);
      return verdict;
    } catch {
      // Quota exceeded, or the store failed: the page still holds it.
      return "unavailable";
    }
  }

  /** Every entry of this identity, kept or held in this page, oldest first. */
  async list(): Promise<MediaEntry[]> {
    const all = new Map(this.held());
    try {
      const db = await this.db();
      if (db) {
        const tx = db.transaction(STORE, "readonly");
        const rows = await result(
          tx.objectStore(STORE).index("userId").getAll(IDBKeyRange.only(this.userId)) as IDBRequest<Row[]>,
        );
        for (const r of rows)
          if (!all.has(r.clientKey))
            all.set(r.clientKey, {
              clientKey: r.clientKey,
              kind: r.kind,
              blob: new Blob([r.bytes], { type: r.mimeType }),
              at: r.at,
            });
      }
    } catch {
      // An unreadable store: what this page holds still goes out.
    }
    return [...all.values()].sort((a, b) => a.at - b.at);
  }

  async remove(clientKey: string): Promise<void> {
    this.held().delete(clientKey);
    try {
      const db = await this.db();
      if (!db) return;
      const tx = db.transaction(STORE, "readwrite");
      tx.objectStore(STORE).delete(clientKey);
      await done(tx);
    } catch {
      // Left behind, it is sent again under its key next time: the server stores it once.
    }
  }

  /** Forgets every entry of this identity: the conversation they were for was erased. */
  async clear(): Promise<void> {
    memory.delete(this.userId);
    try {
      const db = await this.db();
      if (!db) return;
      const tx = db.transaction(STORE, "readwrite");
      const store = tx.objectStore(STORE);
      const keys = await result(store.index("userId").getAllKeys(IDBKeyRange.only(this.userId)));
      for (const k of keys) store.delete(k);
      await done(tx);
    } catch {
      // As in remove.
    }
  }
}
