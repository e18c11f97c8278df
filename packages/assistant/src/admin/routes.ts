import type { GatewayContext } from "@seekdesk/gateway";
import type { Hono, MiddlewareHandler } from "hono";
import { z } from "zod";
import type { DeskAdmin } from "./desk-admin.ts";

const ExampleBody = z
  .object({
    text: z
      .string({ error: "expected the example's text" })
      .trim()
      .min(1, "expected the example's text")
      .max(500, "expected at most 500 characters"),
  })
  .strict();

/**
 * The console's intents and settings API over a DeskAdmin (docs/API.md, "Console admin"). The
 * console passes its role guards in: reading needs any desk role, changing needs admin.
 */
export function registerDeskAdminRoutes(
  app: Hono,
  ctx: Pick<GatewayContext, "readJson">,
  admin: DeskAdmin,
  guards: { admin: MiddlewareHandler; viewer: MiddlewareHandler },
): void {
  app.get("/api/admin/intents", guards.viewer, async (c) => c.json({ data: await admin.intents() }));

  app.post("/api/admin/intents/train", guards.admin, async (c) =>
    c.json(await admin.train(c.req.raw.signal)),
  );

  app.post("/api/admin/intents/:intent/examples", guards.admin, async (c) => {
    const body = await ctx.readJson(c, ExampleBody);
    const result = await admin.addExample(c.req.param("intent"), body.text);
    return c.json(result, result.added ? 201 : 200);
  });

  app.delete("/api/admin/intents/:intent/examples", guards.admin, async (c) => {
    const body = await ctx.readJson(c, ExampleBody);
    return c.json(await admin.removeExample(c.req.param("intent"), body.text));
  });

  app.get("/api/admin/settings", guards.viewer, (c) => c.json(admin.settings()));

  app.put("/api/admin/settings", guards.admin, async (c) => {
    const patch = await ctx.readJson(c, admin.settingsSchema);
    return c.json(await admin.updateSettings(patch));
  });
}
