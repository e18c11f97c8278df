import { createHash } from "node:crypto";
import { SimHashIndex, simhash } from "../dedup/simhash.ts";
import { normalizeText } from "../text/normalize.ts";

export interface QaPair {
  question: string;
  answer: string;
  source?: string;
}

/** A conversation from the store, reduced to what export needs; only resolved ones are used. */
export interface ConversationForExport {
  id: string;
  status?: string;
  resolved?: boolean;
  messages: { role: string; text: string }[];
}

export interface ExportOptions {
  format: "prompt" | "chat";
  /** Share of pairs held out for validation, by stable hash of the question. */
  validationShare?: number;
  /** Evaluation queries: any pair whose question is a near duplicate of one is removed. */
  evalTexts?: Iterable<string>;
  maxDistance?: number;
  systemPrompt?: string;
}

export interface ExportResult {
  train: string[];
  validation: string[];
  removedAsEvalNearDuplicate: number;
  removedAsDuplicate: number;
}

/**
 * Question/answer pairs from resolved conversations: each user turn followed by an agent or bot
 * turn. Conversations that were not resolved are skipped (their answers did not help).
 */
export function* pairsFromConversations(conversations: Iterable<ConversationForExport>): Iterable<QaPair> {
  for (const c of conversations) {
    if (!(c.resolved ?? c.status === "resolved")) continue;
    for (let i = 0; i + 1 < c.messages.length; i++) {
      const q = c.messages[i];
      const a = c.messages[i + 1];
      if (
        q?.role === "user" &&
        a &&
        (a.role === "agent" || a.role === "bot" || a.role === "assistant") &&
        q.text.trim() &&
        a.text.trim()
      )
        yield { question: q.text.trim(), answer: a.text.trim(), source: `conversation:${c.id}` };
    }
  }
}

/**
 * Training data as JSONL lines: `{"prompt":"问题:{q}\n答案:","completion":"{a}"}` or chat
 * messages. Exact duplicates go; so do pairs whose question is within `maxDistance` SimHash bits
 * of an evaluation query (so scores on those sets stay honest). The split is by a hash of the
 * question, so a pair stays on its side when the export is rerun with more data.
 */
export function exportTrainingData(pairs: Iterable<QaPair>, opts: ExportOptions): ExportResult {
  const evalIndex = new SimHashIndex<number>(opts.maxDistance ?? 3);
  const evalExact = new Set<string>();
  for (const t of opts.evalTexts ?? []) {
    const n = normalizeText(t);
    evalExact.add(n);
    evalIndex.add(simhash(n), 0);
  }
  const seen = new Set<string>();
  const out: ExportResult = {
    train: [],
    validation: [],
    removedAsEvalNearDuplicate: 0,
    removedAsDuplicate: 0,
  };
  const share = opts.validationShare ?? 0.1;
  for (const p of pairs) {
    const q = normalizeText(p.question);
    const a = normalizeText(p.answer);
    if (!q || !a) continue;
    const key = createHash("sha1").update(q).update("\0").update(a).digest("hex");
    if (seen.has(key)) {
      out.removedAsDuplicate++;
      continue;
    }
    seen.add(key);
    if (evalExact.has(q) || evalIndex.query(simhash(q)).length > 0) {
      out.removedAsEvalNearDuplicate++;
      continue;
    }
    const line =
      opts.format === "prompt"
        ? JSON.stringify({ prompt: `问题:${q}\n答案:`, completion: a })
        : JSON.stringify({
            messages: [
              ...(opts.systemPrompt ? [{ role: "system", content: opts.systemPrompt }] : []),
              { role: "user", content: q },
              { role: "assistant", content: a },
            ],
          });
    const bucket = Number.parseInt(createHash("sha1").update(q).digest("hex").slice(0, 8), 16) / 0xffffffff;
    (bucket < share ? out.validation : out.train).push(line);
  }
  return out;
}
