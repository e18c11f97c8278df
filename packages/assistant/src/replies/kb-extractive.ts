import type { Citation, SearchHit } from "@seekdesk/core";
import { detectLanguage } from "../context/language.ts";
import type { Language } from "../types.ts";

const EN_STOP = new Set(
  "a an the is are was were be been to of in on at for and or my your our i you we it this that do does did can could how what when where which who why with from by me please have has not no".split(
    " ",
  ),
);
const ZH_STOP = new Set([
  "我的",
  "你们",
  "请问",
  "怎么",
  "什么",
  "可以",
  "一下",
  "吗",
  "的",
  "了",
  "是",
  "要",
]);

/** Words for English, character bigrams for Chinese: enough to rank sentences of a few hits. */
export function terms(text: string): string[] {
  const out: string[] = [];
  const lower = text.toLowerCase();
  for (const w of lower.match(/[a-z]+|\d+/g) ?? []) {
    if (EN_STOP.has(w)) continue;
    out.push(w.length > 4 ? w.replace(/(ing|ed|es|s)$/, "") : w);
  }
  for (const run of lower.match(/[\u4e00-\u9fff]+/g) ?? []) {
    if (run.length === 1) out.push(run);
    for (let i = 0; i + 1 < run.length; i++) {
      const bigram = run.slice(i, i + 2);
      if (!ZH_STOP.has(bigram)) out.push(bigram);
    }
  }
  return out;
}

/** Sentences of a chunk without Markdown markup; headings are context, not answers. */
export function sentences(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const l = line.trim();
    if (!l || l.startsWith("#")) continue;
    const clean = l.replace(/^([-*+]|\d+\.)\s+/, "").replace(/\*\*|__|`/g, "");
    for (const s of clean.split(/(?<=[。！？；!?])|(?<=\.)\s+(?=[A-Z])/)) {
      const t = s.trim();
      if (t.length >= 4) out.push(t);
    }
  }
  return out;
}

export interface ExtractiveAnswer {
  text: string;
  citations: Citation[];
  /** The hits the answer was drawn from. */
  hits: SearchHit[];
}

const MAX_SENTENCES = 3;
const HINT_WEIGHT = 0.5;
const MAX_CHARS = { zh: 160, en: 420 };

/**
 * The best sentences of the top hits for the question, in the user's language, with the
 * sources they came from. The chunk that best matches the question (its sentences and its
 * section heading, weighted by how rare each shared term is) answers; a second chunk adds its
 * best sentence only when it matches nearly as well. Null when nothing shares a term.
 */
export function extractiveAnswer(
  question: string,
  hits: SearchHit[],
  language: Language,
  hint?: string,
): ExtractiveAnswer | null {
  const sameLanguage = hits.filter((h) => detectLanguage(h.text, language) === language);
  let pool = (sameLanguage.length > 0 ? sameLanguage : hits).slice(0, 4);
  // A hint steered the search to the intent's article: answer from that article only, or
  // "what's your phone number" finds a sentence about binding a phone in another one.
  if (hint) pool = pool.filter((h) => h.citation.docId === pool[0].citation.docId);
  // The customer's words weigh fully; an intent's hint (which section usually answers it) at half,
  // so "Do you ship to Japan?" finds "Where we ship" although the hint names customs duty.
  const q = new Map<string, number>();
  for (const t of terms(hint ?? "")) q.set(t, HINT_WEIGHT);
  for (const t of terms(question)) q.set(t, 1);
  if (q.size === 0 || pool.length === 0) return null;

  const chunks = pool.map((hit, rank) => ({
    hit,
    rank,
    sentences: sentences(hit.text).map((text, pos) => ({ text, pos, terms: new Set(terms(text)) })),
    // The last heading of the section path: the document title is shared by all its chunks.
    heading: new Set(terms((hit.citation.section ?? hit.citation.title).split(" > ").at(-1) ?? "")),
  }));
  const df = new Map<string, number>();
  let docs = 0;
  for (const c of chunks) {
    for (const s of c.sentences) {
      docs++;
      for (const t of s.terms) df.set(t, (df.get(t) ?? 0) + 1);
    }
  }
  const idf = (t: string) => Math.log(1 + (docs + 1) / ((df.get(t) ?? 0) + 1));
  const overlap = (set: Set<string>) => {
    let sum = 0;
    for (const [t, w] of q) if (set.has(t)) sum += w * idf(t);
    return sum;
  };

  const scored = chunks.map((c) => {
    const headingScore = overlap(c.heading);
    const ranked = c.sentences
      .map((s) => ({ ...s, score: overlap(s.terms) / Math.sqrt(s.terms.size + 1) }))
      .sort((a, b) => b.score - a.score);
    const best = ranked[0]?.score ?? 0;
    return {
      ...c,
      ranked,
      score: best + headingScore + 0.2 / (c.rank + 1),
      matched: best + headingScore > 0,
    };
  });
  const candidates = scored.filter((c) => c.matched && c.ranked.length > 0).sort((a, b) => b.score - a.score);
  if (candidates.length === 0) return null;

  const top = candidates[0];
  const picked: { chunk: number; pos: number; text: string }[] = [];
  let chars = 0;
  for (const s of top.ranked) {
    if (picked.length >= MAX_SENTENCES || (picked.length > 0 && chars + s.text.length > MAX_CHARS[language]))
      break;
    // With a heading match every sentence of the section is on topic; otherwise keep the matching ones.
    if (picked.length > 0 && s.score === 0 && overlap(top.heading) === 0) break;
    picked.push({ chunk: top.rank, pos: s.pos, text: s.text });
    chars += s.text.length;
  }
  picked.sort((a, b) => a.pos - b.pos);
  const used = [top];
  const second = candidates[1];
  if (
    second &&
    second.score >= top.score * 0.8 &&
    second.ranked[0].score > 0 &&
    chars + second.ranked[0].text.length <= MAX_CHARS[language]
  ) {
    picked.push({ chunk: second.rank, pos: second.ranked[0].pos, text: second.ranked[0].text });
    used.push(second);
  }

  // One marker per source document, placed after the last sentence taken from it.
  const docs2 = [...new Set(used.map((u) => u.hit.citation.docId))];
  const sep = language === "zh" ? "" : " ";
  const body = picked
    .map((p, i) => {
      const doc = pool[p.chunk].citation.docId;
      const nextDoc = picked[i + 1] ? pool[picked[i + 1].chunk].citation.docId : null;
      return nextDoc === doc ? p.text : `${p.text}${sep}[${docs2.indexOf(doc) + 1}]`;
    })
    .join(sep);
  const citations = docs2
    .map((d) => used.find((u) => u.hit.citation.docId === d)?.hit.citation)
    .filter((c): c is Citation => !!c);
  return { text: body.trim(), citations, hits: used.map((u) => u.hit) };
}
