import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { fixtureModelDir, repoRoot } from "@seekdesk/core";
import { convertCheckpoint } from "../convert/index.ts";

export type FixtureName = "deepseek_v3" | "deepseek_v2" | "qwen2" | "llama";
export type FixtureType = "f32" | "f16" | "bf16" | "q8_0" | "q4_0" | "q4_k" | "q6_k";

const here = dirname(fileURLToPath(import.meta.url));
/** Folders whose source decides the bytes of a converted file. */
const SOURCE_DIRS = ["convert", "gguf", "safetensors", "tokenizer", "quant"].map((d) => join(here, "..", d));

function listSources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listSources(p));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) out.push(p);
  }
  return out.sort();
}

let sourceHash: string | undefined;
function converterHash(): string {
  if (sourceHash) return sourceHash;
  const h = createHash("sha256");
  for (const file of SOURCE_DIRS.flatMap(listSources)) {
    h.update(file.slice(here.length));
    h.update(readFileSync(file));
  }
  sourceHash = h.digest("hex").slice(0, 16);
  return sourceHash;
}

export function fixtureCacheDir(): string {
  return join(repoRoot, "node_modules", ".cache", "seekdesk-fixtures");
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * A cross-process lock from an atomic mkdir. Vitest runs test files in parallel processes that
 * may all ask for the same fixture; one converts, the others wait. A lock left by a dead process
 * is taken over.
 */
async function withLock<T>(lockDir: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, "pid"), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      let owner = Number.NaN;
      try {
        owner = Number(readFileSync(join(lockDir, "pid"), "utf8"));
      } catch {
        // The owner has created the folder but not yet written its pid; check its age instead.
        const st = statSync(lockDir, { throwIfNoEntry: false });
        if (st && Date.now() - st.mtimeMs > 30_000) owner = -1;
      }
      if ((Number.isInteger(owner) && owner > 0 && !processAlive(owner)) || owner === -1) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lockDir}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/**
 * The GGUF converted from `../shared/fixtures/models/<name>` to `type`, converted once and cached
 * under node_modules/.cache/seekdesk-fixtures. The cache key includes a hash of the converter's
 * source, so changing the converter invalidates it.
 */
export async function fixtureGguf(name: FixtureName, type: FixtureType = "bf16"): Promise<string> {
  const src = fixtureModelDir(name);
  const weights = statSync(join(src, "model.safetensors"));
  const key = createHash("sha256")
    .update(
      `${converterHash()}|${name}|${type}|${weights.size}|${readFileSync(join(src, "config.json"), "utf8")}`,
    )
    .digest("hex")
    .slice(0, 16);
  const dir = fixtureCacheDir();
  const out = join(dir, `${name}-${type}-${key}.gguf`);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  return withLock(`${out}.lock`, async () => {
    if (!existsSync(out)) await convertCheckpoint(src, out, { type, name: `seekdesk-fixture-${name}` });
    return out;
  });
}
