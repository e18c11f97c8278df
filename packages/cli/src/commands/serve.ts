import { createGatewayLogger, Gateway, MetricsObserver } from "@seekdesk/gateway";
import type { Command } from "commander";
import { engineFromConfig } from "../config/engine-from-config.ts";
import { addServeFlags, flagsToConfig, type ServeFlags } from "../config/flags.ts";
import { loadConfig, redactConfig } from "../config/load-config.ts";
import { defaultPlugins } from "../serve-plugins.ts";

/**
 * Starts everything: the engine for the configured models, the gateway, and the plugins of
 * serve-plugins.ts. Listens before models are warm (/ready says 503 until they are), prints
 * the URL, and on SIGTERM/SIGINT drains in-flight requests and exits 0.
 */
export async function runServe(flags: ServeFlags): Promise<void> {
  const config = loadConfig({ file: flags.config, env: process.env, flags: flagsToConfig(flags) });
  const logs = createGatewayLogger(config.logging.level);
  const { logger } = logs;
  const exit = (code: number) => logs.flush().finally(() => process.exit(code));
  const observer = new MetricsObserver();
  const engine = await engineFromConfig(config, {
    observer,
    onReady: () => logger.info({ models: config.models.map((m) => m.id) }, "models ready"),
    onError: (err) => logger.error({ err }, "models failed to become ready"),
  });
  const gateway = new Gateway({ config, engine, logger, plugins: await defaultPlugins(config) });
  observer.attach(gateway.metrics);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting without waiting");
      exit(1);
    }
    stopping = true;
    logger.info({ signal }, "shutting down");
    gateway.shutdown().then(
      () => exit(0),
      (err) => {
        logger.error({ err }, "shutdown failed");
        exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  let listening: Awaited<ReturnType<Gateway["listen"]>>;
  try {
    listening = await gateway.listen();
  } catch (err) {
    await gateway.shutdown().catch(() => {});
    throw err;
  }
  logger.info({ ...listening, config: redactConfig(config) }, "listening");
  const models = engine.listModels().map((m) => m.id);
  process.stderr.write(
    `seekdesk listening on ${listening.url}` +
      (listening.grpcPort !== null ? ` (gRPC port ${listening.grpcPort})` : "") +
      (models.length > 0 ? `; models: ${models.join(", ")}` : "; no model configured (retrieval-only desk)") +
      "\n",
  );
}

export function registerServe(program: Command): void {
  addServeFlags(
    program
      .command("serve")
      .description("Serve the OpenAI-compatible API, gRPC, metrics and the customer-service desk")
      .addHelpText(
        "after",
        "\nExamples:\n  seekdesk serve                                  # the embedded default on http://127.0.0.1:8080\n  seekdesk serve --model ./DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M.gguf\n  seekdesk serve --backend-url http://127.0.0.1:8000/v1 --backend-model deepseek-ai/DeepSeek-R1\n",
      ),
  ).action(async (flags: ServeFlags) => {
    await runServe(flags);
  });
}
