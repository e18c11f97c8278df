import { parseCsv } from "../parse/faq-table.ts";
import type { ParaphrasePair } from "./paraphrase.ts";

export interface ParsedPairs {
  pairs: ParaphrasePair[];
  /** Rows labelled as not paraphrases (label 0), skipped. */
  negatives: number;
  /** Rows that were neither a pair nor a labelled non-pair, by line or row number. */
  malformed: number[];
}

const isLabel0 = (v: unknown) => v === 0 || v === "0" || v === false || v === "false";

/**
 * Paraphrase pairs from a file's text. JSONL: one `{"a","b"}` per line, with an optional `label`
 * (0 or false: not a paraphrase, skipped). Otherwise CSV or TSV rows: `a,b`; `a,b,label`; or
 * `id,a,b,label` (the ATEC/LCQMC/BQ sentence-pair layout). A header row is recognised and skipped.
 */
export function parseParaphrasePairs(text: string, jsonl: boolean): ParsedPairs {
  const out: ParsedPairs = { pairs: [], negatives: 0, malformed: [] };
  const clean = text.replace(/^\ufeff/, "");
  if (jsonl) {
    clean.split("\n").forEach((line, i) => {
      if (!line.trim()) return;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        out.malformed.push(i + 1);
        return;
      }
      const o = v as { a?: unknown; b?: unknown; label?: unknown };
      if (typeof o !== "object" || o === null || typeof o.a !== "string" || typeof o.b !== "string")
        out.malformed.push(i + 1);
      else if (isLabel0(o.label)) out.negatives++;
      else out.pairs.push({ a: o.a, b: o.b });
    });
    return out;
  }
  parseCsv(clean).forEach((row, i) => {
    const cells = row.map((c) => c.replace(/^\ufeff/, "").trim());
    const [a, b, label] = cells.length >= 4 ? [cells[1], cells[2], cells[3]] : [cells[0], cells[1], cells[2]];
    if (i === 0 && /^(a|s1|sentence1|text_a|question1|q1)$/i.test(a ?? "")) return;
    if (!a || !b || (label !== undefined && !/^(0|1|true|false)$/i.test(label))) out.malformed.push(i + 1);
    else if (isLabel0(label?.toLowerCase())) out.negatives++;
    else out.pairs.push({ a, b });
  });
  return out;
}

/** Text as compared for held-out checks: NFKC, lower case, no whitespace. */
export function comparableText(s: string): string {
  return s.normalize("NFKC").toLowerCase().replace(/\s+/g, "");
}

/**
 * The pairs with neither side among `heldOut` (compared after NFKC and whitespace folding), so a
 * model trained on them has never seen an evaluation query or its answer.
 */
export function pairsWithout(pairs: readonly ParaphrasePair[], heldOut: Iterable<string>): ParaphrasePair[] {
  const ban = new Set<string>();
  for (const t of heldOut) ban.add(comparableText(t));
  return pairs.filter((p) => !ban.has(comparableText(p.a)) && !ban.has(comparableText(p.b)));
}
