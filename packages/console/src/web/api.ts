/** A thin fetch wrapper: JSON in and out, OpenAI-style errors turned into ApiError with the server's message. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
  ) {
    super(message);
  }
}

export interface ApiOptions {
  method?: string;
  body?: unknown;
  /** Base URL for the widget on another origin; empty for the console on its own origin. */
  baseUrl?: string;
  apiKey?: string;
  /** The widget's visitor id, sent as x-seekdesk-visitor alongside a (widget-scoped) key. */
  visitorId?: string;
  /** Sent as well, after the caller's identifying headers (e.g. `idempotency-key`). */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Headers identifying the widget's caller: its key and, with a key, its visitor id. */
function keyHeaders(apiKey: string | undefined, visitorId: string | undefined): Record<string, string> {
  if (!apiKey) return {};
  const headers: Record<string, string> = { authorization: `Bearer ${apiKey}` };
  if (visitorId) headers["x-seekdesk-visitor"] = visitorId;
  return headers;
}

/**
 * Fired on `window` when the console's own session is refused (a same-origin call answered 401,
 * other than the sign-in routes themselves): the page asks the server who it is, and every page
 * shows itself signed out if the session is gone, not only the one that made the call.
 */
export const SESSION_REFUSED_EVENT = "seekdesk:session-refused";

export async function api<T>(path: string, opts: ApiOptions = {}): Promise<T> {
  const headers: Record<string, string> = { ...keyHeaders(opts.apiKey, opts.visitorId), ...opts.headers };
  let body: BodyInit | undefined;
  if (opts.body instanceof FormData) body = opts.body;
  else if (opts.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(opts.body);
  }
  const res = await fetch(`${opts.baseUrl ?? ""}${path}`, {
    method: opts.method ?? (body ? "POST" : "GET"),
    headers,
    body,
    credentials: opts.baseUrl ? "omit" : "same-origin",
    signal: opts.signal,
  });
  const text = await res.text();
  const data = text ? safeJson(text) : null;
  if (!res.ok) {
    if (res.status === 401 && !opts.baseUrl && !opts.apiKey && !path.startsWith("/api/auth/"))
      globalThis.dispatchEvent?.(new Event(SESSION_REFUSED_EVENT));
    const err = (data as { error?: { message?: string; code?: string } } | null)?.error;
    throw new ApiError(err?.message ?? `${res.status} ${res.statusText}`, res.status, err?.code ?? null);
  }
  return data as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { error: { message: text.slice(0, 200) } };
  }
}

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/**
 * Server-sent events over fetch rather than EventSource, because the widget must send an API key
 * header and EventSource cannot. Resolves when the stream ends; rejects on network errors.
 */
export async function readSse(
  url: string,
  onEvent: (e: SseEvent) => void,
  opts: {
    apiKey?: string;
    visitorId?: string;
    signal?: AbortSignal;
    lastEventId?: string;
    credentials?: RequestCredentials;
  },
): Promise<void> {
  const headers: Record<string, string> = {
    accept: "text/event-stream",
    ...keyHeaders(opts.apiKey, opts.visitorId),
  };
  if (opts.lastEventId) headers["last-event-id"] = opts.lastEventId;
  const res = await fetch(url, {
    headers,
    signal: opts.signal,
    credentials: opts.credentials ?? "same-origin",
  });
  if (!res.ok || !res.body) throw new ApiError(`event stream failed: ${res.status}`, res.status, null);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let cut = buffer.search(/\r?\n\r?\n/);
    while (cut >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, "");
      const ev: SseEvent = { event: "message", data: "" };
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith(":")) continue;
        const i = line.indexOf(":");
        const field = i < 0 ? line : line.slice(0, i);
        const val = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
        if (field === "data") data.push(val);
        else if (field === "event") ev.event = val;
        else if (field === "id") ev.id = val;
      }
      ev.data = data.join("\n");
      if (data.length > 0 || ev.event !== "message") onEvent(ev);
      cut = buffer.search(/\r?\n\r?\n/);
    }
  }
}
