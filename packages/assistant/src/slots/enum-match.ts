/** Finds the enum value whose synonym occurs in the text, longest synonym first. */
export function matchEnum(
  text: string,
  values: Record<string, string[]>,
): { value: string; raw: string; start: number } | null {
  const lower = text.toLowerCase();
  let best: { value: string; raw: string; start: number } | null = null;
  for (const [value, synonyms] of Object.entries(values)) {
    for (const synonym of [value.replace(/_/g, " "), ...synonyms]) {
      const s = synonym.toLowerCase();
      if (!s) continue;
      const at = findWord(lower, s);
      if (at < 0) continue;
      if (!best || s.length > best.raw.length)
        best = { value, raw: text.slice(at, at + s.length), start: at };
    }
  }
  return best;
}

/** Substring search that, for Latin words, requires word boundaries ("size" is not in "oversized"). */
function findWord(text: string, word: string): number {
  if (!/^[a-z]/.test(word)) return text.indexOf(word);
  let from = 0;
  for (;;) {
    const at = text.indexOf(word, from);
    if (at < 0) return -1;
    const before = text[at - 1] ?? " ";
    const after = text[at + word.length] ?? " ";
    if (!/[a-z0-9]/.test(before) && !/[a-z0-9]/.test(after)) return at;
    from = at + 1;
  }
}
