import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openKnowledgeBase } from "../kb.ts";
import { crawl } from "./crawler.ts";
import { normalizeUrl } from "./url.ts";

let server: Server;
let base: string;
const hits: { path: string; ua: string; at: number }[] = [];

const page = (title: string, body: string) =>
  `<!doctype html><html><head><title>${title}</title></head><body><nav><a href="/">Home</a></nav><main><h1>${title}</h1>${body}</main><footer>© shop</footer></body></html>`;

const routes: Record<string, () => { type: string; body: string; status?: number }> = {
  "/robots.txt": () => ({
    type: "text/plain",
    body: `User-agent: *\nDisallow: /private/\nCrawl-delay: 0.02\nSitemap: ${base}/sitemap.xml\n`,
  }),
  "/sitemap.xml": () => ({
    type: "application/xml",
    body: `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>${base}/orphan</loc></url></urlset>`,
  }),
  "/": () => ({
    type: "text/html",
    body: page(
      "帮助中心",
      `<p>欢迎来到帮助中心。</p>
       <a href="/returns">退货</a> <a href="/returns?utm_source=mail#top">退货 (tracked)</a>
       <a href="/private/admin">admin</a> <a href="https://elsewhere.example/">partner</a>
       <a href="/calendar?month=1">calendar</a> <a href="/a/b/">loop</a> <a href="/faq.md">faq</a>`,
    ),
  }),
  "/returns": () => ({ type: "text/html", body: page("退货政策", "<p>签收后七天内可以无理由退货。</p>") }),
  "/orphan": () => ({ type: "text/html", body: page("Orphan page", "<p>Only the sitemap links here.</p>") }),
  "/faq.md": () => ({ type: "text/markdown", body: "# 运费\n\n满 99 元包邮。" }),
  "/private/admin": () => ({ type: "text/html", body: page("secret", "<p>must not be fetched</p>") }),
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    hits.push({ path: url.pathname + url.search, ua: String(req.headers["user-agent"]), at: Date.now() });
    const cal = url.pathname === "/calendar" ? Number(url.searchParams.get("month")) : Number.NaN;
    // Trap 1: an endless calendar, each month linking to the next.
    if (!Number.isNaN(cal)) {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(page(`Month ${cal}`, `<a href="/calendar?month=${cal + 1}">next</a>`));
      return;
    }
    // Trap 2: relative links that nest forever (/a/b/a/b/...).
    if (url.pathname.startsWith("/a/")) {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(page("loop", `<a href="a/b/">deeper</a>`));
      return;
    }
    const route = routes[url.pathname];
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    const r = route();
    res.writeHead(r.status ?? 200, { "content-type": `${r.type}; charset=utf-8` });
    res.end(r.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("crawler", () => {
  it("obeys robots.txt, follows the sitemap, stays on site and escapes traps", async () => {
    hits.length = 0;
    const fetched: string[] = [];
    const summary = await crawl(
      `${base}/`,
      { onPage: async (p) => void fetched.push(new URL(p.url).pathname + new URL(p.url).search) },
      { maxPages: 40, maxDepth: 30, delayMs: 0, maxQueryVariants: 5, userAgent: "seekdesk-test" },
    );
    expect(fetched).toEqual(expect.arrayContaining(["/", "/returns", "/orphan", "/faq.md"]));
    expect(hits.some((h) => h.path.startsWith("/private"))).toBe(false);
    expect(summary.skipped).toContainEqual({
      url: `${base}/private/admin`,
      reason: "disallowed by robots.txt",
    });
    expect(summary.skipped.some((s) => s.reason === "off site")).toBe(true);
    // The tracked duplicate of /returns was normalised away, not fetched twice.
    expect(hits.filter((h) => h.path.startsWith("/returns"))).toHaveLength(1);
    // Traps are cut off well before the page budget.
    expect(hits.filter((h) => h.path.startsWith("/calendar")).length).toBe(5);
    expect(summary.skipped.some((s) => s.reason === "query-string loop")).toBe(true);
    expect(summary.skipped.some((s) => s.reason === "repeated path segment")).toBe(true);
    expect(summary.fetched).toBeLessThan(20);
    expect(hits.every((h) => h.ua === "seekdesk-test")).toBe(true);
    // Crawl-delay 0.02 s from robots.txt spaces requests even with delayMs 0.
    const gaps = hits.slice(1).map((h, i) => h.at - (hits[i] as { at: number }).at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(19);
  });

  it("ingests crawled pages into the knowledge base with their URLs as citations", async () => {
    const kb = await openKnowledgeBase();
    const report = await kb.crawlSite(`${base}/`, { maxPages: 6, maxDepth: 1, delayMs: 0, sitemaps: false });
    expect(report.added).toBeGreaterThanOrEqual(3);
    const [hit] = await kb.search("七天无理由退货", { k: 1 });
    expect(hit?.citation.source).toBe(`${base}/returns`);
    expect(hit?.citation.title).toBe("退货政策");
    expect(hit?.text).not.toContain("©");
    const again = await kb.crawlSite(`${base}/`, { maxPages: 6, maxDepth: 1, delayMs: 0, sitemaps: false });
    expect(again.unchanged).toBe(report.added);
    await kb.close();
  });

  it("normalises URLs", () => {
    expect(normalizeUrl("HTTP://Example.COM:80//a//b?z=1&utm_source=x&a=2#frag")).toBe(
      "http://example.com/a/b?a=2&z=1",
    );
    expect(normalizeUrl("mailto:x@example.com")).toBeUndefined();
    expect(normalizeUrl("../c", "https://example.com/a/b/")).toBe("https://example.com/a/c");
  });
});
