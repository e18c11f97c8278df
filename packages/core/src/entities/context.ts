import type { LocalDate } from "./calendar.ts";
import type { Entity } from "./types.ts";

export interface RecognizerContext {
  today: LocalDate;
  bias: "nearest" | "future" | "past";
  orderIdPattern: string;
}

/** A recognizer scans the whole text and proposes entities; overlaps are settled afterwards. */
export type Recognizer = (text: string, ctx: RecognizerContext) => Entity[];

/** Where the whole match `m` stands in the text, as every entity records it. */
export function spanOf(m: RegExpExecArray): { text: string; start: number; end: number } {
  return { text: m[0], start: m.index, end: m.index + m[0].length };
}

/** Runs a global regex over the text, calling `make` per match; `make` returns null to skip one. */
export function scan(text: string, re: RegExp, make: (m: RegExpExecArray) => Entity | null): Entity[] {
  const out: Entity[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    const e = make(m);
    if (e) out.push(e);
  }
  return out;
}
