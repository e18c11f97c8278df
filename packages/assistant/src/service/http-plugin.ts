import type { GatewayContext, GatewayPlugin } from "@seekdesk/gateway";
import {
  type ConversationStore,
  type FeedbackRepository,
  migrateSqlite,
  openPostgresConversationStore,
  openPostgresFeedbackRepository,
  type PostgresDatabase,
  PostgresDeskEvents,
  SQLITE_CONVERSATION_MIGRATIONS,
  SqliteConversationStore,
  SqliteFeedbackRepository,
} from "@seekdesk/store";
import { z } from "zod";
import { AgentDesk } from "../handoff/agent-desk.ts";
import { OpenAIAsr } from "../inputs/openai-asr.ts";
import { PocketsphinxAsr } from "../inputs/pocketsphinx-asr.ts";
import { TesseractOcr } from "../inputs/tesseract-ocr.ts";
import type { AsrEngine, OcrEngine } from "../inputs/types.ts";
import type { Assistant } from "../types.ts";
import { ConversationService } from "./conversation-service.ts";
import type { DeskEventBus } from "./events.ts";
import { registerConversationRoutes } from "./http-routes.ts";
import { deskEventMetrics, deskMetrics } from "./metrics.ts";
import { ReplicatedEventBus } from "./replicated-events.ts";

/** `assistant.inputs` in the config: which OCR and ASR engines turn images and audio into text. */
export const InputsConfigSchema = z
  .object({
    ocr: z
      .object({
        enabled: z.boolean().default(true),
        /** tesseract language list */
        languages: z.string().default("chi_sim+eng"),
      })
      .strict()
      .default({ enabled: true, languages: "chi_sim+eng" }),
    asr: z
      .discriminatedUnion("engine", [
        z.object({ engine: z.literal("pocketsphinx") }).strict(),
        z
          .object({
            engine: z.literal("openai"),
            baseURL: z.url({ error: "expected an http(s) URL" }),
            apiKey: z.string().optional(),
            model: z.string().default("whisper-1"),
          })
          .strict(),
        z.object({ engine: z.literal("off") }).strict(),
      ])
      .default({ engine: "pocketsphinx" }),
    /**
     * Largest image or audio file one multipart message may carry, in bytes. Separate from
     * server.bodyLimit (JSON bodies), which a phone photo would pass; 20 MB by default.
     */
    maxUploadBytes: z
      .number({ error: "expected a number" })
      .int("expected a positive integer")
      .positive("expected a positive integer")
      .default(20 * 1024 * 1024),
  })
  .strict();

export type InputsConfig = z.infer<typeof InputsConfigSchema>;

export interface ConversationPluginOptions {
  /** Builds the dialogue engine once the gateway context (config, engine, data dir) is known. */
  assistant: (ctx: GatewayContext) => Promise<Assistant>;
  /** Overrides the store chosen from `config.store` (tests, embedding). */
  store?: ConversationStore;
  ocr?: OcrEngine | null;
  asr?: AsrEngine | null;
  /**
   * Receives the service once registered (tests and benchmarks reach the bus through it), and the
   * ratings and verdicts on its conversations, which the console's analytics share.
   */
  onReady?: (service: ConversationService, feedback: FeedbackRepository) => void;
}

/** The gateway's shared Postgres handle; a context without one (store.driver sqlite) is a wiring bug. */
function sharedPostgres(ctx: GatewayContext): PostgresDatabase {
  if (!ctx.postgres) throw new Error("store.driver is postgres but the gateway opened no Postgres handle");
  return ctx.postgres;
}

/**
 * Opens the conversation store the config asks for: the gateway's SQLite file, or Postgres through
 * the gateway's shared pool. Either way the gateway owns the connection and closes it.
 */
export async function openConfiguredStore(
  ctx: GatewayContext,
): Promise<{ store: ConversationStore; owned: boolean }> {
  if (ctx.config.store.driver === "postgres") {
    return { store: await openPostgresConversationStore(sharedPostgres(ctx)), owned: true };
  }
  migrateSqlite(ctx.db, "conversations", SQLITE_CONVERSATION_MIGRATIONS);
  // The gateway owns the database handle and closes it itself.
  return { store: new SqliteConversationStore(ctx.db), owned: false };
}

/**
 * The ratings and intent verdicts on conversations, beside the conversation store: the gateway's
 * SQLite file, or the shared Postgres (through the gateway's pool). The caller closes it.
 */
export async function openConfiguredFeedback(ctx: GatewayContext): Promise<FeedbackRepository> {
  if (ctx.config.store.driver === "postgres") return openPostgresFeedbackRepository(sharedPostgres(ctx));
  return new SqliteFeedbackRepository(ctx.db);
}

export function inputEngines(config: InputsConfig): { ocr: OcrEngine | null; asr: AsrEngine | null } {
  const ocr = config.ocr.enabled ? new TesseractOcr({ languages: config.ocr.languages }) : null;
  const asr =
    config.asr.engine === "pocketsphinx"
      ? new PocketsphinxAsr()
      : config.asr.engine === "openai"
        ? new OpenAIAsr({ baseUrl: config.asr.baseURL, apiKey: config.asr.apiKey, model: config.asr.model })
        : null;
  return { ocr, asr };
}

/**
 * The conversation desk as a gateway plugin: the customer conversation API, the agents' hand-off
 * API and the user-data API (see docs/API.md), over the configured store.
 */
export function conversationPlugin(opts: ConversationPluginOptions): GatewayPlugin {
  let service: ConversationService | null = null;
  let owned: ConversationStore | null = null;
  let feedback: FeedbackRepository | null = null;
  let bus: DeskEventBus | undefined;
  return {
    name: "conversations",
    async register(app, ctx) {
      const parsed = InputsConfigSchema.safeParse(
        (ctx.config.assistant as Record<string, unknown>).inputs ?? {},
      );
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(`config: assistant.inputs.${issue.path.join(".")}: ${issue.message}`);
      }
      const engines = inputEngines(parsed.data);
      let store = opts.store;
      if (!store) {
        const opened = await openConfiguredStore(ctx);
        store = opened.store;
        if (opened.owned) owned = opened.store;
      }
      feedback = await openConfiguredFeedback(ctx);
      if (ctx.config.store.driver === "postgres" && store.kind === "postgres") {
        // Replicas share the Postgres store, so they share the desk's events through it too.
        const metrics = deskEventMetrics(ctx.metrics);
        const replicated = new ReplicatedEventBus({
          channel: new PostgresDeskEvents(sharedPostgres(ctx)),
          store,
          onError: (err, what) => {
            metrics.error(what);
            ctx.logger.warn({ err, what }, "desk events between replicas");
          },
          onResync: (reason) => {
            metrics.resync(reason);
            ctx.logger.info({ reason }, "desk event streams resynchronised from the store");
          },
        });
        try {
          await replicated.start();
        } catch (err) {
          await replicated.close().catch(() => undefined);
          throw new Error(`cannot LISTEN for desk events on the Postgres store: ${(err as Error).message}`, {
            cause: err,
          });
        }
        bus = replicated;
      }
      const assistant = await opts.assistant(ctx);
      const queueStore = store;
      const observer = deskMetrics(ctx.metrics, async () => (await queueStore.listQueue()).length);
      service = new ConversationService({
        store,
        assistant,
        observer,
        bus,
        ocr: opts.ocr === undefined ? (engines.ocr ?? undefined) : (opts.ocr ?? undefined),
        asr: opts.asr === undefined ? (engines.asr ?? undefined) : (opts.asr ?? undefined),
      });
      const desk = new AgentDesk(store, service.bus, service.queue, service.lock, observer);
      registerConversationRoutes(app, {
        service,
        desk,
        feedback,
        ctx,
        maxUploadBytes: parsed.data.maxUploadBytes,
      });
      ctx.logger.info({ store: store.kind, domain: assistant.domain.name }, "conversation desk ready");
      opts.onReady?.(service, feedback);
    },
    ready: () => service !== null,
    async close() {
      await bus?.close?.();
      await feedback?.close();
      await owned?.close();
    },
  };
}
