import { type RecognizerContext, scan, spanOf } from "./context.ts";
import type { Entity } from "./types.ts";

export function recognizeContacts(text: string, ctx: RecognizerContext): Entity[] {
  const out: Entity[] = [];

  out.push(
    ...scan(text, /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g, (m) => ({
      kind: "email",
      ...spanOf(m),
      value: m[0].toLowerCase(),
    })),
  );

  out.push(
    ...scan(text, new RegExp(`(?<![A-Za-z0-9])(?:${ctx.orderIdPattern})(?![A-Za-z0-9])`, "gi"), (m) => ({
      kind: "order_id",
      ...spanOf(m),
      value: m[0].toUpperCase(),
    })),
  );

  // Chinese mobile numbers: 13800138000, 138 0013 8000, +86 138-0013-8000
  out.push(
    ...scan(text, /(?<![\d+])(?:(?:\+|00)86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)/g, (m) => ({
      kind: "phone",
      ...spanOf(m),
      value: `+86${m[1]}${m[2]}${m[3]}`,
    })),
  );

  // Chinese landlines and service numbers: 010-12345678, 0571-88886666, 400-820-8820
  out.push(
    ...scan(text, /(?<![\d+-])(?:0(\d{2,3})-(\d{7,8})|(400|800)-?(\d{3})-?(\d{4}))(?![\d-])/g, (m) => ({
      kind: "phone",
      ...spanOf(m),
      value: m[1] !== undefined ? `+86${m[1]}${m[2]}` : `${m[3]}${m[4]}${m[5]}`,
    })),
  );

  // International numbers with a leading +: +1 (415) 555-2671, +44 20 7946 0958
  out.push(
    ...scan(text, /\+(\d{1,3})(?:[\s-]?\(?\d{1,4}\)?){2,6}(?![\d])/g, (m) => {
      const digits = m[0].replace(/\D/g, "");
      if (digits.length < 8 || digits.length > 15) return null;
      return { kind: "phone", ...spanOf(m), value: `+${digits}` };
    }),
  );

  // North American numbers written without a country code: (415) 555-2671, 415-555-2671
  out.push(
    ...scan(text, /(?<![\d+])(?:\((\d{3})\)\s?|(\d{3})-)(\d{3})-(\d{4})(?![\d-])/g, (m) => ({
      kind: "phone",
      ...spanOf(m),
      value: `+1${m[1] ?? m[2]}${m[3]}${m[4]}`,
    })),
  );

  return out;
}
