import { InvalidRequestError, NotFoundError, PayloadTooLargeError, type SearchMode } from "@seekdesk/core";
import type { GatewayContext, GatewayPlugin } from "@seekdesk/gateway";
import { readFormData } from "@seekdesk/gateway/multipart.ts";
import { knowledgePoolObservers } from "@seekdesk/gateway/postgres-metrics.ts";
import { widgetCors } from "@seekdesk/gateway/widget-cors.ts";
import type { Hono } from "hono";
import { z } from "zod";
import { openConfiguredKnowledgeBase } from "../config.ts";
import type { KnowledgeBase } from "../kb.ts";
import { rerankObserver } from "../rerank/metrics.ts";

export interface KnowledgePluginOptions {
  /**
   * An open knowledge base, or a getter for one that another plugin registered earlier opens
   * (`seekdesk serve` shares the desk's, so the bot's retriever sees uploads at once); the caller
   * closes it. Default: the one `knowledge.store` in the config names (SQLite
   * `<dataDir>/knowledge.sqlite`, or Postgres with pgvector), opened at start-up with the
   * `knowledge.rerank` reranker on the gateway's engine.
   */
  kb?: KnowledgeBase | (() => KnowledgeBase);
  /** Upload limit per request. Default 64 MiB. */
  maxUploadBytes?: number;
}

const SearchBody = z.object({
  query: z.string().min(1).max(4000),
  k: z.number().int().min(1).max(100).default(5),
  mode: z.enum(["bm25", "vector", "hybrid"]).default("hybrid"),
  /** Default: rerank when knowledge.rerank is configured. */
  rerank: z.boolean().optional(),
});

const IngestBody = z.union([
  z.object({
    title: z.string().min(1),
    text: z.string().min(1),
    id: z.string().optional(),
    source: z.string().optional(),
  }),
  z.object({
    faq: z
      .array(z.object({ question: z.string().min(1), answer: z.string().min(1), id: z.string().optional() }))
      .min(1),
  }),
  z.object({ url: z.string().url() }),
]);

const CrawlBody = z.object({
  url: z.string().url(),
  maxPages: z.number().int().min(1).max(1000).default(50),
  maxDepth: z.number().int().min(0).max(10).default(2),
  delayMs: z.number().int().min(0).max(60_000).default(1000),
});

function parseMode(v: string | undefined): SearchMode {
  if (v === undefined) return "hybrid";
  if (v === "bm25" || v === "vector" || v === "hybrid") return v;
  throw new InvalidRequestError(`mode must be bm25, vector or hybrid, not ${v}`, "mode");
}

function parseRerank(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === "true" || v === "false") return v === "true";
  throw new InvalidRequestError(`rerank must be true or false, not ${v}`, "rerank");
}

function parseK(v: string | undefined): number {
  if (v === undefined) return 5;
  const k = Number(v);
  if (!Number.isInteger(k) || k < 1 || k > 100)
    throw new InvalidRequestError("k must be an integer between 1 and 100", "k");
  return k;
}

/**
 * The knowledge-base HTTP API, mounted by `seekdesk serve`:
 * GET/POST /api/kb/documents, GET/DELETE /api/kb/documents/:id, GET/POST /api/kb/search,
 * GET /api/kb/stats, POST /api/kb/crawl. Reading needs the viewer, agent or admin role (or an API
 * key), changing needs admin (or an API key); a widget key may only GET one document.
 */
export function knowledgePlugin(opts: KnowledgePluginOptions = {}): GatewayPlugin {
  let kb: KnowledgeBase | undefined = typeof opts.kb === "function" ? undefined : opts.kb;
  const owned = !opts.kb;
  const maxUpload = opts.maxUploadBytes ?? 64 * 1024 * 1024;
  const need = () => {
    if (!kb) throw new NotFoundError("the knowledge base is not open", "kb_unavailable");
    return kb;
  };
  return {
    name: "knowledge",
    async register(app: Hono, ctx: GatewayContext) {
      kb ??=
        typeof opts.kb === "function"
          ? opts.kb()
          : await openConfiguredKnowledgeBase(ctx.config, ctx.dataDir, {
              engine: ctx.engine,
              postgres: ctx.postgres,
              ...knowledgePoolObservers(ctx.metrics),
              onRerank: rerankObserver(ctx.metrics, ctx.logger),
            });
      // Reading is for every desk role and API keys; changing the knowledge base is for admins.
      const read = ctx.auth.requireRoles(["admin", "agent", "viewer"]);
      const write = ctx.auth.requireRoles(["admin"]);
      // Any caller the conversation API admits (a customer included) may open one document: what
      // the bot cites to customers is theirs to read. Listing and searching stay with the staff.
      const citation = ctx.auth.requireAuth({ widget: true });
      app.use("/api/kb/documents/:id", widgetCors(["GET"]));

      app.get("/api/kb/documents", read, async (c) => {
        const limit = Math.min(1000, Math.max(1, Number(c.req.query("limit") ?? 100) || 100));
        const offset = Math.max(0, Number(c.req.query("offset") ?? 0) || 0);
        const data = await need().list({ limit, offset, query: c.req.query("query") });
        return c.json({ object: "list", data });
      });

      app.get("/api/kb/documents/:id", citation, async (c) =>
        c.json(await need().requireDocument(c.req.param("id"))),
      );

      app.delete("/api/kb/documents/:id", write, async (c) => {
        const id = c.req.param("id");
        if (!(await need().remove(id)))
          throw new NotFoundError(`No document with id ${id}`, "document_not_found", "id");
        return c.json({ id, object: "document", deleted: true });
      });

      app.post("/api/kb/documents", write, async (c) => {
        const type = c.req.header("content-type") ?? "";
        if (type.startsWith("multipart/form-data")) {
          // Counted while read: a chunked upload stops at the limit instead of filling memory.
          const form = await readFormData(c, maxUpload, () => new PayloadTooLargeError(maxUpload));
          const files = [...form.values()].filter((v): v is File => typeof v !== "string");
          if (files.length === 0)
            throw new InvalidRequestError("no file in the upload (use a multipart field named file)", "file");
          const results = [];
          for (const f of files) {
            const bytes = new Uint8Array(await f.arrayBuffer());
            results.push(
              await need().ingestBytes(
                `upload:${f.name}`,
                f.name,
                bytes,
                f.type || undefined,
                c.req.raw.signal,
              ),
            );
          }
          const failed = results.filter((r) => r.status === "failed");
          return c.json({ object: "ingest_report", results }, failed.length === results.length ? 422 : 200);
        }
        const body = await ctx.readJson(c, IngestBody);
        if ("faq" in body) return c.json({ object: "ingest_report", ...(await need().ingestFaq(body.faq)) });
        if ("url" in body) {
          const r = await need().ingestUrl(body.url, { signal: c.req.raw.signal });
          return c.json({ object: "ingest_report", results: [r] }, r.status === "failed" ? 422 : 200);
        }
        const r = await need().ingestText(body, c.req.raw.signal);
        return c.json({ object: "ingest_report", results: [r] }, r.status === "failed" ? 422 : 200);
      });

      app.get("/api/kb/search", read, async (c) => {
        const query = c.req.query("q") ?? c.req.query("query");
        if (!query) throw new InvalidRequestError("q is required", "q");
        const data = await need().search(query, {
          k: parseK(c.req.query("k")),
          mode: parseMode(c.req.query("mode")),
          rerank: parseRerank(c.req.query("rerank")),
          signal: c.req.raw.signal,
        });
        return c.json({ object: "list", data });
      });

      app.post("/api/kb/search", read, async (c) => {
        const body = await ctx.readJson(c, SearchBody);
        const data = await need().search(body.query, {
          k: body.k,
          mode: body.mode,
          rerank: body.rerank,
          signal: c.req.raw.signal,
        });
        return c.json({ object: "list", data });
      });

      app.get("/api/kb/stats", read, async (c) => c.json(await need().stats()));

      app.post("/api/kb/crawl", write, async (c) => {
        const body = await ctx.readJson(c, CrawlBody);
        const report = await need().crawlSite(body.url, { ...body, signal: c.req.raw.signal });
        return c.json({ object: "crawl_report", ...report });
      });

      // A document's chunks as the index holds them, for the console's knowledge page.
      app.get("/api/kb/documents/:id/chunks", read, async (c) =>
        c.json({ object: "list", data: await need().documentChunks(c.req.param("id")) }),
      );
    },
    async close() {
      if (owned) await kb?.close();
      kb = undefined;
    },
  };
}
