// The benchmark's peer: a fixed-response OpenAI-compatible server in its own process.
import "./trace-server.ts";
import { startDripUpstream } from "@seekdesk/gateway/testing/drip-upstream.ts";

const up = await startDripUpstream({ tokens: Number(process.env.TOKENS ?? 16) });
process.stdout.write(`${up.url}\n`);
process.on("SIGTERM", () => up.close().then(() => process.exit(0)));
