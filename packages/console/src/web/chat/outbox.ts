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
 */
export interface OutboxEntry {
  clientKey: string;
  text: string;
  /** When it was first sent (ms since the epoch); absent on entries kept before it was recorded. */
  at?: number;
}

type KeyValueStore = Pick<Storage, "getItem" | "setItem" | "removeItem">;

/** Enough for anyone typing while cut off; older entries give way so the list cannot grow without end. */
const MAX_ENTRIES = 20;

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

export class Outbox {
  constructor(
    private readonly userId: string,
    private readonly storage: KeyValueStore | null = browserStorage(),
  ) {}

  list(): OutboxEntry[] {
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

  put(entry: OutboxEntry): void {
    const rest = this.list().filter((e) => e.clientKey !== entry.clientKey);
    this.write([...rest, entry].slice(-MAX_ENTRIES));
  }

  remove(clientKey: string): void {
    const all = this.list();
    const rest = all.filter((e) => e.clientKey !== clientKey);
    if (rest.length !== all.length) this.write(rest);
  }

  /** Forgets every entry: the conversation they were for was erased. */
  clear(): void {
    this.write([]);
  }

  private write(entries: OutboxEntry[]): void {
    try {
      if (entries.length === 0) this.storage?.removeItem(outboxKey(this.userId));
      else this.storage?.setItem(outboxKey(this.userId), JSON.stringify(entries));
    } catch {
      // Quota exceeded: the message still shows as pending in the page.
    }
  }
}
