/**
 * Text messages the customer sent that the server has not confirmed yet, kept in the browser
 * (localStorage, one list per identity) from the moment they are sent until they are stored. A
 * message refused because the session ended, or cut off by the network, thus outlives the chat's
 * remount after a new sign-in and a page reload, and is sent again with its own idempotency key:
 * the server stores a key once per conversation, so however often it is re-sent it shows once.
 * Image and voice messages are kept apart, in IndexedDB (media-outbox.ts): their bytes do not fit
 * here, and text stays in synchronous storage so it is written before its request leaves.
 *
 * Nothing waits for ever: an entry older than OUTBOX_MAX_AGE_MS is no longer sent by itself (a
 * question from days ago would land out of context), but it is not deleted either: the chat shows
 * it as expired, for the customer to send now or discard (use-chat.ts).
 *
 * Nothing is dropped to make room either. What the list cannot take (OUTBOX_MAX_ENTRIES already
 * waiting, localStorage over its quota, or no localStorage at all) is held in this page's memory,
 * as the media outbox holds what IndexedDB cannot take: it still goes out after a sign-in without
 * a reload, and `put` says why it was not kept, for the chat to tell the customer beside it.
 */
import type { NotKept } from "./media-outbox.ts";

export interface OutboxEntry {
  clientKey: string;
  text: string;
  /** When it was first sent (ms since the epoch); absent on entries kept before it was recorded. */
  at?: number;
}

type KeyValueStore = Pick<Storage, "getItem" | "setItem" | "removeItem">;

/**
 * Far more than anyone types while cut off for a day (older entries expire, they do not pile up),
 * and small beside localStorage's ~5 MB an origin: 200 of the longest texts the server takes (8000
 * characters) are 1.6 M characters. A message beyond it is not kept, and the chat says so; no
 * earlier one gives way for it.
 */
export const OUTBOX_MAX_ENTRIES = 200;

/**
 * How long an unsent message, text or media, may wait to go out by itself: a day covers a session
 * that ended overnight or a phone that was off, not a conversation that has moved on since.
 */
export const OUTBOX_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * Whether a message first sent at `at` is too old at `now` to go out unasked. One of unknown age
 * (kept before its time was recorded) counts as expired: it may be arbitrarily old.
 */
export function isExpired(at: number | undefined, now: number, maxAgeMs = OUTBOX_MAX_AGE_MS): boolean {
  return at === undefined || !Number.isFinite(at) || now - at > maxAgeMs;
}

const outboxKey = (userId: string) => `seekdesk.outbox.${userId}`;

function browserStorage(): KeyValueStore | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    // Storage disabled (some privacy modes throw on access): the outbox then lives as long as the page.
    return null;
  }
}

/** Page memory, per identity: what localStorage did not take. */
const memory = new Map<string, Map<string, OutboxEntry>>();

export class Outbox {
  constructor(
    private readonly userId: string,
    private readonly storage: KeyValueStore | null = browserStorage(),
  ) {}

  private held(): Map<string, OutboxEntry> {
    let m = memory.get(this.userId);
    if (!m) {
      m = new Map();
      memory.set(this.userId, m);
    }
    return m;
  }

  /** Every entry of this identity: those kept in localStorage, then those held only in this page. */
  list(): OutboxEntry[] {
    const kept = this.kept();
    const keys = new Set(kept.map((e) => e.clientKey));
    return [...kept, ...[...this.held().values()].filter((e) => !keys.has(e.clientKey))];
  }

  private kept(): OutboxEntry[] {
    try {
      const raw = this.storage?.getItem(outboxKey(this.userId));
      const parsed: unknown = raw ? JSON.parse(raw) : [];
      return Array.isArray(parsed)
        ? parsed.filter(
            (e): e is OutboxEntry =>
              typeof e?.clientKey === "string" && typeof e?.text === "string" && e.text.trim() !== "",
          )
        : [];
    } catch {
      return [];
    }
  }

  /**
   * Keeps the entry until `remove`: in localStorage while fewer than OUTBOX_MAX_ENTRIES others wait
   * there and it takes the write, else in page memory only. Returns null when kept, else why not.
   */
  put(entry: OutboxEntry): NotKept | null {
    const rest = this.kept().filter((e) => e.clientKey !== entry.clientKey);
    const verdict: NotKept | null = !this.storage
      ? "unavailable"
      : rest.length >= OUTBOX_MAX_ENTRIES
        ? "full"
        : this.write([...rest, entry])
          ? null
          : "unavailable";
    if (verdict) this.held().set(entry.clientKey, entry);
    else this.held().delete(entry.clientKey);
    return verdict;
  }

  remove(clientKey: string): void {
    this.held().delete(clientKey);
    const all = this.kept();
    const rest = all.filter((e) => e.clientKey !== clientKey);
    if (rest.length !== all.length) this.write(rest);
  }

  /** Forgets every entry: the conversation they were for was erased. */
  clear(): void {
    memory.delete(this.userId);
    this.write([]);
  }

  /** Whether the storage took the list: a full quota (QuotaExceededError) refuses it. */
  private write(entries: OutboxEntry[]): boolean {
    try {
      if (entries.length === 0) this.storage?.removeItem(outboxKey(this.userId));
      else this.storage?.setItem(outboxKey(this.userId), JSON.stringify(entries));
      return true;
    } catch {
      return false;
    }
  }
}
