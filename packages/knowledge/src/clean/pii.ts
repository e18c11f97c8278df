export type PiiKind = "phone" | "id_card" | "bank_card" | "email";

export interface PiiMatch {
  kind: PiiKind;
  start: number;
  end: number;
  value: string;
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = "10X98765432";

/** GB 11643-1999: the 18th character is a mod-11 checksum of the first 17 digits. */
export function validIdCard(id: string): boolean {
  if (!/^\d{17}[\dXx]$/.test(id)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * (ID_WEIGHTS[i] as number);
  if (ID_CHECK[sum % 11] !== id[17]?.toUpperCase()) return false;
  const year = Number(id.slice(6, 10));
  const month = Number(id.slice(10, 12));
  if (year < 1900 || year > 2100) return false;
  const day = Number(id.slice(12, 14));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/** ISO/IEC 7812 Luhn check over the digits of a card number. */
export function luhn(digits: string): boolean {
  let sum = 0;
  let dbl = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 === 0;
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const ID_CARD = /(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])/g;
// Card numbers: 13–19 digits, optionally in groups separated by single spaces or dashes.
const CARD = /(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])/g;
const PHONE = /(?<!\d)(?:(?:\+|00)?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)/g;

/**
 * Finds Chinese mobile numbers, resident ID numbers (checksum verified), bank card numbers
 * (Luhn verified, 13–19 digits) and e-mail addresses. Checksums keep order numbers and
 * tracking codes from being masked as cards or IDs.
 */
export function findPii(text: string): PiiMatch[] {
  const out: PiiMatch[] = [];
  const taken: [number, number][] = [];
  const free = (s: number, e: number) => taken.every(([a, b]) => e <= a || s >= b);
  const add = (kind: PiiKind, m: RegExpMatchArray) => {
    const start = m.index ?? 0;
    const end = start + m[0].length;
    if (!free(start, end)) return;
    taken.push([start, end]);
    out.push({ kind, start, end, value: m[0] });
  };
  for (const m of text.matchAll(EMAIL)) add("email", m);
  for (const m of text.matchAll(ID_CARD)) if (validIdCard(m[0])) add("id_card", m);
  for (const m of text.matchAll(CARD)) {
    const digits = m[0].replace(/[ -]/g, "");
    if (digits.length >= 13 && digits.length <= 19 && /^[3-6]/.test(digits) && luhn(digits))
      add("bank_card", m);
  }
  for (const m of text.matchAll(PHONE)) add("phone", m);
  return out.sort((a, b) => a.start - b.start);
}

function maskValue(m: PiiMatch): string {
  const v = m.value;
  switch (m.kind) {
    case "phone": {
      const d = v.replace(/\D/g, "").slice(-11);
      return `${d.slice(0, 3)}****${d.slice(7)}`;
    }
    case "id_card":
      return `${v.slice(0, 6)}********${v.slice(14)}`;
    case "bank_card":
      return `**** **** **** ${v.replace(/\D/g, "").slice(-4)}`;
    case "email": {
      const [user, domain] = v.split("@");
      return `${(user ?? "").slice(0, 1)}***@${domain}`;
    }
  }
}

/** Replaces every PII match by a masked form that keeps only what support staff need to match it. */
export function maskPii(text: string): { text: string; matches: PiiMatch[] } {
  const matches = findPii(text);
  let out = "";
  let pos = 0;
  for (const m of matches) {
    out += text.slice(pos, m.start) + maskValue(m);
    pos = m.end;
  }
  return { text: out + text.slice(pos), matches };
}
