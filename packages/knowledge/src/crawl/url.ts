const TRACKING =
  /^(utm_[a-z]+|fbclid|gclid|dclid|msclkid|yclid|mc_[a-z]+|_ga|spm|from|share_source|sessionid|jsessionid|phpsessid|sid)$/i;

/**
 * One spelling per page, so the crawler neither fetches a page twice nor loops on variants:
 * lower-case scheme and host, no default port, no fragment, no tracking or session parameters,
 * query parameters sorted, `;jsessionid=` path parameters and duplicate slashes removed.
 * Returns undefined for anything that is not http(s).
 */
export function normalizeUrl(input: string, base?: string): string | undefined {
  let u: URL;
  try {
    u = new URL(input, base);
  } catch {
    return undefined;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return undefined;
  u.hash = "";
  u.username = "";
  u.password = "";
  u.pathname = u.pathname.replace(/;jsessionid=[^/]*/i, "").replace(/\/{2,}/g, "/");
  const params = [...u.searchParams]
    .filter(([k]) => !TRACKING.test(k))
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  u.search = new URLSearchParams(params).toString();
  return u.toString();
}

export function sameSite(a: string, b: string): boolean {
  const ha = new URL(a).hostname.replace(/^www\./, "");
  const hb = new URL(b).hostname.replace(/^www\./, "");
  return ha === hb;
}

/**
 * Crawler-trap heuristics on one URL: endless calendars and session paths grow deep, repeat
 * segments (/a/b/a/b/...), or get very long. Returns the reason to skip, if any.
 */
export function trapReason(
  url: string,
  opts: { maxPathSegments?: number; maxUrlLength?: number } = {},
): string | undefined {
  if (url.length > (opts.maxUrlLength ?? 512)) return "url too long";
  const segments = new URL(url).pathname.split("/").filter(Boolean);
  if (segments.length > (opts.maxPathSegments ?? 12)) return "path too deep";
  const counts = new Map<string, number>();
  for (const s of segments) {
    const n = (counts.get(s) ?? 0) + 1;
    if (n > 2) return "repeated path segment";
    counts.set(s, n);
  }
  return undefined;
}
