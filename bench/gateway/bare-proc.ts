// The floor for any Node HTTP service: hono on @hono/node-server answering a fixed JSON body.
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const answer = {
  id: "chatcmpl-fixed",
  object: "chat.completion",
  choices: [{ index: 0, message: { role: "assistant", content: "tok ".repeat(16) }, finish_reason: "stop" }],
  usage: { prompt_tokens: 5, completion_tokens: 16, total_tokens: 21 },
};
const app = new Hono();
app.post("/v1/chat/completions", async (c) => {
  await c.req.json();
  return c.json(answer);
});
serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) =>
  process.stdout.write(`http://127.0.0.1:${info.port}\n`),
);
process.on("SIGTERM", () => process.exit(0));
