import robotsParser from "robots-parser";
import { parseHtml } from "../parse/html.ts";
import { normalizeUrl, sameSite, trapReason } from "./url.ts";

export interface CrawlOptions {
  maxPages?: number;
  /** Link hops from a start URL; sitemap entries count as one hop. */
  maxDepth?: number;
  /** Minimum gap between two requests to the site; robots.txt Crawl-delay wins when longer. */
  delayMs?: number;
  sameSite?: boolean;
  userAgent?: string;
  timeoutMs?: number;
  /** Distinct query strings fetched per path: beyond this, /search?page=N loops are cut off. */
  maxQueryVariants?: number;
  maxBytes?: number;
  sitemaps?: boolean;
  signal?: AbortSignal;
}

export interface CrawledPage {
  url: string;
  depth: number;
  status: number;
  mime: string;
  bytes: Uint8Array;
}

export interface CrawlSkip {
  url: string;
  reason: string;
}

export interface CrawlEvents {
  onPage(page: CrawledPage): Promise<void>;
  onSkip?(skip: CrawlSkip): void;
}

export interface CrawlSummary {
  fetched: number;
  skipped: CrawlSkip[];
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (ms <= 0) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });

function sitemapLocs(xml: string): { urls: string[]; nested: string[] } {
  const locs = [...xml.matchAll(/<loc>\s*([^<\s]+)\s*<\/loc>/gi)].map((m) =>
    (m[1] ?? "").replace(/&amp;/g, "&"),
  );
  return /<sitemapindex/i.test(xml) ? { urls: [], nested: locs } : { urls: locs, nested: [] };
}

/**
 * A polite breadth-first crawler: it reads robots.txt first and obeys Disallow and Crawl-delay
 * for its user agent, spaces requests, stays on the start site, follows sitemaps, and guards
 * against traps (page budget, depth, normalised URLs, query-string loops, repeating paths).
 */
export async function crawl(
  start: string,
  events: CrawlEvents,
  opts: CrawlOptions = {},
): Promise<CrawlSummary> {
  const ua = opts.userAgent ?? "seekdesk-crawler";
  const maxPages = opts.maxPages ?? 100;
  const maxDepth = opts.maxDepth ?? 3;
  const maxBytes = opts.maxBytes ?? 20 * 1024 * 1024;
  const startUrl = normalizeUrl(start);
  if (!startUrl) throw new Error(`not an http(s) URL: ${start}`);
  const skipped: CrawlSkip[] = [];
  const skip = (url: string, reason: string) => {
    const s = { url, reason };
    skipped.push(s);
    events.onSkip?.(s);
  };
  let last = 0;
  let delay = opts.delayMs ?? 1000;
  const get = async (url: string): Promise<Response | undefined> => {
    const wait = last + delay - Date.now();
    await sleep(wait, opts.signal);
    try {
      const signal = AbortSignal.any([
        AbortSignal.timeout(opts.timeoutMs ?? 15_000),
        ...(opts.signal ? [opts.signal] : []),
      ]);
      const res = await fetch(url, { headers: { "user-agent": ua }, redirect: "follow", signal });
      // The gap runs from the answer, not the request: a slow server gets more room, not less.
      last = Date.now();
      return res;
    } catch (err) {
      last = Date.now();
      if (opts.signal?.aborted) throw err;
      skip(url, `fetch failed: ${(err as Error).message}`);
      return undefined;
    }
  };

  const origin = new URL(startUrl).origin;
  const robotsUrl = `${origin}/robots.txt`;
  const robotsRes = await get(robotsUrl);
  // A missing robots.txt allows everything; a server error on it means "stay away" (RFC 9309 §2.3.1.4).
  const robotsText = robotsRes?.ok ? await robotsRes.text() : "";
  if (robotsRes && robotsRes.status >= 500)
    return { fetched: 0, skipped: [{ url: robotsUrl, reason: `robots.txt returned ${robotsRes.status}` }] };
  const robots = robotsParser(robotsUrl, robotsText);
  const crawlDelay = robots.getCrawlDelay(ua);
  if (crawlDelay !== undefined) delay = Math.max(delay, crawlDelay * 1000);

  const seen = new Set<string>();
  const queryVariants = new Map<string, number>();
  const queue: { url: string; depth: number }[] = [];
  const enqueue = (raw: string, depth: number, base?: string) => {
    const url = normalizeUrl(raw, base);
    if (!url || seen.has(url)) return;
    seen.add(url);
    if ((opts.sameSite ?? true) && !sameSite(url, startUrl)) return skip(url, "off site");
    if (depth > maxDepth) return skip(url, "too deep");
    const trap = trapReason(url);
    if (trap) return skip(url, trap);
    const u = new URL(url);
    if (u.search) {
      const key = u.origin + u.pathname;
      const n = (queryVariants.get(key) ?? 0) + 1;
      queryVariants.set(key, n);
      if (n > (opts.maxQueryVariants ?? 10)) return skip(url, "query-string loop");
    }
    if (robots.isAllowed(url, ua) === false) return skip(url, "disallowed by robots.txt");
    queue.push({ url, depth });
  };

  enqueue(startUrl, 0);
  if (opts.sitemaps ?? true) {
    const maps = robots.getSitemaps();
    const pending = maps.length ? [...maps] : [`${origin}/sitemap.xml`];
    let read = 0;
    while (pending.length && read < 10) {
      const sm = pending.shift() as string;
      read++;
      const res = await get(sm);
      if (!res?.ok) continue;
      const { urls, nested } = sitemapLocs(await res.text());
      pending.push(...nested);
      for (const u of urls) enqueue(u, 1);
    }
  }

  let fetched = 0;
  while (queue.length) {
    opts.signal?.throwIfAborted();
    const next = queue.shift() as { url: string; depth: number };
    if (fetched >= maxPages) {
      skip(next.url, "page budget reached");
      continue;
    }
    const res = await get(next.url);
    if (!res) continue;
    if (!res.ok) {
      skip(next.url, `HTTP ${res.status}`);
      continue;
    }
    const finalUrl = normalizeUrl(res.url || next.url) ?? next.url;
    if ((opts.sameSite ?? true) && !sameSite(finalUrl, startUrl)) {
      skip(next.url, "redirected off site");
      continue;
    }
    const length = Number(res.headers.get("content-length") ?? 0);
    if (length > maxBytes) {
      skip(next.url, "too large");
      continue;
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.length > maxBytes) {
      skip(next.url, "too large");
      continue;
    }
    fetched++;
    const mime = (res.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
    await events.onPage({ url: finalUrl, depth: next.depth, status: res.status, mime, bytes });
    if (mime === "text/html" || mime === "application/xhtml+xml") {
      const robotsMeta = /<meta[^>]+name=["']robots["'][^>]+content=["'][^"']*nofollow/i;
      const html = new TextDecoder().decode(bytes);
      if (robotsMeta.test(html)) continue;
      for (const href of parseHtml(html).links) enqueue(href, next.depth + 1, finalUrl);
    }
  }
  return { fetched, skipped };
}
