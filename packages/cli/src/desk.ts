import { demoDomainDir, loadDomain } from "@seekdesk/assistant";
import { DeskAdmin } from "@seekdesk/assistant/admin/desk-admin.ts";
import { registerDeskAdminRoutes } from "@seekdesk/assistant/admin/routes.ts";
import { createEmbeddedAssistant } from "@seekdesk/assistant/service/embedded.ts";
import { conversationPlugin } from "@seekdesk/assistant/service/http-plugin.ts";
import type { Backend } from "@seekdesk/core";
import type { GatewayContext, GatewayPlugin, InferenceEngine } from "@seekdesk/gateway";
import { knowledgePoolObservers } from "@seekdesk/gateway/postgres-metrics.ts";
import { type KnowledgeBase, openConfiguredKnowledgeBase, rerankObserver } from "@seekdesk/knowledge";
import {
  type ConversationStore,
  type DeskAdminRepository,
  type DeskAdminWatch,
  type FeedbackRepository,
  openPostgresDeskAdminRepository,
  SqliteDeskAdminRepository,
} from "@seekdesk/store";
import type { Hono, MiddlewareHandler } from "hono";

/** The desk plus what the knowledge API and the console borrow from it once it is registered. */
export interface DeskPlugin extends GatewayPlugin {
  /** The one knowledge base the bot retrieves from; the knowledge API serves the same instance. */
  knowledge(): KnowledgeBase;
  /** The conversation store, for the console's analytics; null until registered. */
  conversations(): ConversationStore | null;
  /** Ratings and intent verdicts (erased with their user), for the console's analytics; null until registered. */
  feedback(): FeedbackRepository | null;
  /** Mounts the admin intents and settings API behind the console's role guards. */
  registerAdmin(
    app: Hono,
    ctx: Pick<GatewayContext, "readJson">,
    guards: { admin: MiddlewareHandler; viewer: MiddlewareHandler },
  ): void;
}

/**
 * The service desk `seekdesk serve` mounts: the demo domain (or `assistant.domainDir`), its
 * intents trained at start (seconds, CPU), its articles ingested into a knowledge base in the
 * data dir (unchanged articles are skipped by hash), and, when models are configured, the first
 * one (or `assistant.model`) for generative answers. Intent examples and settings changed from the
 * console (kept in the store: the server's SQLite file, or Postgres shared by the replicas) apply
 * at start: the classifier trains on the examples as edited, the assistant starts with the saved
 * settings. On Postgres each replica also follows the others' edits (settings, retraining) as
 * they are announced. Wiring lives here because only the CLI may depend on both the assistant and
 * the knowledge packages.
 */
export function deskPlugin(): DeskPlugin {
  let kb: KnowledgeBase | null = null;
  let admin: DeskAdmin | null = null;
  let store: ConversationStore | null = null;
  let feedback: FeedbackRepository | null = null;
  let adminStore: DeskAdminRepository | null = null;
  let following: DeskAdminWatch | null = null;
  const inner = conversationPlugin({
    onReady: (service, ratings) => {
      store = service.store;
      feedback = ratings;
    },
    assistant: async (ctx) => {
      const section = ctx.config.assistant as { domainDir?: unknown; model?: unknown };
      const domainDir = typeof section.domainDir === "string" ? section.domainDir : demoDomainDir;
      const domain = loadDomain(domainDir);
      // The bot's retrieval reranks with knowledge.rerank, through the same engine as its answers.
      kb = await openConfiguredKnowledgeBase(ctx.config, ctx.dataDir, {
        engine: ctx.engine,
        // On the store's own database the knowledge base shares the gateway's pool; a pool of its
        // own counts its outages into the same seekdesk_store_unavailable_total, and its
        // connections into seekdesk_postgres_connections{pool="knowledge"}.
        postgres: ctx.postgres,
        ...knowledgePoolObservers(ctx.metrics),
        onRerank: rerankObserver(ctx.metrics, ctx.logger),
      });
      let added = 0;
      for (const a of domain.articles) {
        const r = await kb.ingestText({
          id: `article:${a.id}`,
          title: a.title,
          text: a.text,
          source: `domain:${a.id}`,
        });
        if (r.status !== "unchanged") added++;
      }
      const llm = pickModel(ctx, typeof section.model === "string" ? section.model : undefined);
      adminStore =
        ctx.config.store.driver === "postgres"
          ? await openPostgresDeskAdminRepository(ctx.postgres ?? (ctx.config.store.url as string))
          : new SqliteDeskAdminRepository(ctx.db);
      admin = new DeskAdmin(domain, adminStore);
      const saved = await admin.startup();
      if (saved.dropped.length > 0)
        ctx.logger.warn(
          { settings: saved.dropped },
          "saved desk settings no longer valid; using the defaults",
        );
      const { assistant, trainMs } = createEmbeddedAssistant({
        domainDir,
        retriever: kb,
        ...(llm ? { llm } : {}),
        examples: saved.examples,
        config: saved.settings,
      });
      admin.attach(assistant);
      following = admin.follow({
        onApplied: (what, detail) =>
          ctx.logger.info({ what, ...detail }, "desk admin change from another replica applied"),
        onGap: (reason, err) => {
          if (reason === "lost")
            ctx.logger.warn(
              { err },
              "lost the desk admin notification connection; settings and retraining from other replicas wait for it to return",
            );
          else ctx.logger.info("listening for desk admin changes from other replicas");
        },
        onError: (err, what) =>
          ctx.logger.error({ err, what }, "applying a desk admin change from another replica"),
      });
      await following?.started;
      ctx.logger.info(
        {
          domain: domain.name,
          intents: domain.intents.length,
          articles: domain.articles.length,
          added,
          trainMs,
          llm: llm?.model ?? null,
        },
        "desk assistant trained",
      );
      return assistant;
    },
  });
  return {
    ...inner,
    knowledge() {
      if (!kb) throw new Error("the desk's knowledge base is not open: register the desk plugin first");
      return kb;
    },
    conversations: () => store,
    feedback: () => feedback,
    registerAdmin(app, ctx, guards) {
      if (!admin) throw new Error("the desk is not registered: register the desk plugin first");
      registerDeskAdminRoutes(app, ctx, admin, guards);
    },
    async close() {
      await following?.stop();
      await inner.close?.();
      await adminStore?.close();
      await kb?.close();
    },
  };
}

function pickModel(
  ctx: GatewayContext,
  wanted: string | undefined,
): { backend: Backend; model: string } | undefined {
  const models = ctx.engine.listModels();
  const model = wanted ?? models[0]?.id;
  if (!model) return undefined;
  return { backend: engineBackend(ctx.engine), model };
}

/** The gateway's engine (router, queues, failover) seen as one Backend by the assistant. */
function engineBackend(engine: InferenceEngine): Backend {
  return {
    name: "gateway-engine",
    kind: "router",
    get models() {
      return engine.listModels().map((m) => m.id);
    },
    chat: (req, signal) => engine.chat(req, signal),
    complete: (req, signal) => engine.complete(req, signal),
    embed: (req, signal) => engine.embed(req, signal),
    health: async () => ({ ok: true, ready: engine.ready() }),
    close: async () => undefined,
  };
}
