import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const FILE = fileURLToPath(new URL("./data/background-oos.txt", import.meta.url));

let cached: string[] | undefined;

/**
 * General-purpose utterances no customer-service desk handles (weather, trivia, jokes, recipes,
 * chit-chat), in Chinese and English, written for seekdesk. Training them as the out-of-scope
 * class gives a domain without OOS examples something to reject against; a domain that does
 * cover such topics (a weather bot) must not use them.
 */
export function backgroundOosUtterances(): string[] {
  cached ??= readFileSync(FILE, "utf8")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  return cached;
}
