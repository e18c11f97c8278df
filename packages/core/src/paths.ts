import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: the first folder above this file holding a package.json with workspaces. */
export const repoRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/**
 * `../shared` beside the checkout holds fixtures and public evaluation sets. They are read in
 * place and never copied into the repository. SEEKDESK_SHARED overrides the location.
 */
export function sharedDir(): string {
  const dir = process.env.SEEKDESK_SHARED ?? join(repoRoot, "..", "shared");
  if (!existsSync(dir)) {
    throw new Error(`The shared folder was not found at ${dir}; set SEEKDESK_SHARED to its location`);
  }
  return dir;
}

export function fixtureModelDir(name: "deepseek_v3" | "deepseek_v2" | "qwen2" | "llama"): string {
  return join(sharedDir(), "fixtures", "models", name);
}

export function datasetDir(name: string): string {
  return join(sharedDir(), "datasets", name);
}
