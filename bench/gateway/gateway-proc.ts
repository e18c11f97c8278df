// seekdesk's gateway in its own process, in front of the fixed upstream, configured as `seekdesk
// serve --backend-url` would be: engine router, per-model queue, metrics, request logs (to /dev/null).
import "./trace-server.ts";
import { mkdtempSync, openSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "@seekdesk/core";
import { Engine, OpenAICompatibleBackend } from "@seekdesk/engine";
import { createGatewayLogger, EngineAdapter, Gateway, MetricsObserver } from "@seekdesk/gateway";
import { fixedEngine } from "./fixed-engine.ts";

// `--fixed` serves an in-process fixed engine instead (the gateway's own cost, no backend).
const upstream = process.argv[2];
const fixed = upstream === "--fixed";
const config = parseConfig({
  dataDir: mkdtempSync(join(tmpdir(), "seekdesk-bench-")),
  server: { port: 0, grpcPort: null },
});
const observer = new MetricsObserver();
const engine = new Engine({
  backends: [
    new OpenAICompatibleBackend({
      name: "fixed",
      baseUrl: fixed ? "http://127.0.0.1:9/v1" : upstream,
      models: ["fixed"],
    }),
  ],
  limits: { fixed: { maxConcurrent: 256, maxQueue: 1024 } },
  healthCheck: false,
  observer,
});
const { logger } = createGatewayLogger(process.env.LOG_LEVEL ?? "info", openSync("/dev/null", "w"));
const gateway = new Gateway({ config, engine: fixed ? fixedEngine : new EngineAdapter(engine), logger });
observer.attach(gateway.metrics);
const { url } = await gateway.listen();
process.stdout.write(`${url}\n`);
process.on("SIGTERM", () => gateway.shutdown().then(() => process.exit(0)));
