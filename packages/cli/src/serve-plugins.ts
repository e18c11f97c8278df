import { consolePlugin } from "@seekdesk/console";
import type { SeekdeskConfig } from "@seekdesk/core";
import type { GatewayPlugin } from "@seekdesk/gateway";
import { knowledgePlugin } from "@seekdesk/knowledge/http/plugin.ts";
import { deskPlugin } from "./desk.ts";

/**
 * The plugins `seekdesk serve` mounts, in this order (routes registered earlier win). Each owner
 * adds one line for their package: the assistant's conversation and hand-off API, the
 * knowledge-base API, and the web console (static files at `/`, last so it never shadows an API).
 * See packages/gateway/src/plugin.ts for the contract.
 */
export async function defaultPlugins(config: SeekdeskConfig): Promise<GatewayPlugin[]> {
  const plugins: GatewayPlugin[] = [];
  void config;
  const desk = deskPlugin();
  plugins.push(desk);
  // One knowledge base for the bot and the API: an upload is in the bot's answers at once.
  plugins.push(knowledgePlugin({ kb: () => desk.knowledge() }));
  // Last: its catch-all serves the web app and must not shadow an API route.
  plugins.push(
    consolePlugin({
      conversations: () => desk.conversations(),
      feedback: () => desk.feedback(),
      extend: (app, ctx, guards) => desk.registerAdmin(app, ctx, guards),
    }),
  );
  return plugins;
}
