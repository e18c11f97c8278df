import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig, type SeekdeskConfigInput } from "@seekdesk/core";
import pino, { type Logger } from "pino";
import type { InferenceEngine } from "../engine.ts";
import { NoModels } from "../no-models.ts";
import type { GatewayPlugin } from "../plugin.ts";
import { Gateway, type Listening } from "../server.ts";

export interface TempGateway {
  gateway: Gateway;
  url: string;
  listening: Listening;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * A real gateway on 127.0.0.1 with free ports and its data in a temp dir, for tests of this
 * package and of plugins. Logs are silent unless SEEKDESK_TEST_LOGS is set.
 */
export async function startTempGateway(
  opts: {
    engine?: InferenceEngine;
    plugins?: GatewayPlugin[];
    config?: SeekdeskConfigInput;
    logger?: Logger;
  } = {},
): Promise<TempGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), "seekdesk-gw-"));
  const input = opts.config ?? {};
  const config = parseConfig({
    ...input,
    dataDir,
    server: { port: 0, grpcPort: 0, ...input.server },
  });
  const gateway = new Gateway({
    config,
    engine: opts.engine ?? new NoModels(),
    plugins: opts.plugins,
    logger: opts.logger ?? pino({ level: process.env.SEEKDESK_TEST_LOGS ? "debug" : "silent" }),
  });
  let listening: Listening;
  try {
    listening = await gateway.listen();
  } catch (err) {
    await gateway.shutdown();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    gateway,
    url: listening.url,
    listening,
    dataDir,
    async stop() {
      await gateway.shutdown();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
