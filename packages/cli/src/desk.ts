import { demoDomainDir, loadDomain } from "@seekdesk/assistant";
import { createEmbeddedAssistant } from "@seekdesk/assistant/service/embedded.ts";
import { conversationPlugin } from "@seekdesk/assistant/service/http-plugin.ts";
import type { Backend } from "@seekdesk/core";
import type { GatewayContext, GatewayPlugin, InferenceEngine } from "@seekdesk/gateway";
import { type KnowledgeBase, openConfiguredKnowledgeBase } from "@seekdesk/knowledge";

/**
 * The service desk `seekdesk serve` mounts: the demo domain (or `assistant.domainDir`), its
 * intents trained at start (seconds, CPU), its articles ingested into a knowledge base in the
 * data dir (unchanged articles are skipped by hash), and, when models are configured, the first
 * one (or `assistant.model`) for generative answers. Wiring lives here because only the CLI may
 * depend on both the assistant and the knowledge packages.
 */
export function deskPlugin(): GatewayPlugin {
  let kb: KnowledgeBase | null = null;
  const inner = conversationPlugin({
    assistant: async (ctx) => {
      const section = ctx.config.assistant as { domainDir?: unknown; model?: unknown };
      const domainDir = typeof section.domainDir === "string" ? section.domainDir : demoDomainDir;
      const domain = loadDomain(domainDir);
      kb = await openConfiguredKnowledgeBase(ctx.config, ctx.dataDir);
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
      const { assistant, trainMs } = createEmbeddedAssistant({
        domainDir,
        retriever: kb,
        ...(llm ? { llm } : {}),
      });
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
    async close() {
      await inner.close?.();
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
