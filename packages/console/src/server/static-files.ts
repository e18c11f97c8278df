import { createReadStream, existsSync, statSync } from "node:fs";
import { extname, join, normalize, resolve, sep } from "node:path";
import { Readable } from "node:stream";
import type { Context } from "hono";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
};

/**
 * Serves a built folder. Hashed assets are cached for a year; index.html never, so a new deploy
 * shows at once. Paths are resolved inside `root` only (no `..` escapes).
 */
export function serveFile(c: Context, root: string, urlPath: string): Response | null {
  const rel = normalize(decodeURIComponent(urlPath)).replace(/^([/\\])+/, "");
  const file = resolve(root, rel);
  if (file !== root && !file.startsWith(root + sep)) return null;
  if (!existsSync(file) || !statSync(file).isFile()) return null;
  const ext = extname(file);
  const immutable = /[-.][A-Za-z0-9_-]{8,}\.(js|css)$/.test(file);
  c.header("content-type", TYPES[ext] ?? "application/octet-stream");
  c.header("cache-control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
  c.header("x-content-type-options", "nosniff");
  return c.body(Readable.toWeb(createReadStream(file)) as ReadableStream);
}

export function indexHtml(root: string): string {
  return join(root, "index.html");
}
