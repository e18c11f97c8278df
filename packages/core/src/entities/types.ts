/** Entity kinds the rules engine recognises in Chinese and English text. */
export type EntityKind =
  | "date"
  | "time"
  | "datetime"
  | "money"
  | "quantity"
  | "number"
  | "phone"
  | "order_id"
  | "email"
  | "place";

interface Span {
  /** The matched text, exactly as it appears in the input. */
  text: string;
  /** UTF-16 offsets into the input; `end` is exclusive. */
  start: number;
  end: number;
}

export interface PlaceValue {
  /** Chinese name without 省/市 suffix when the place is in China; else the English name. */
  name: string;
  en: string;
  kind: "province" | "city" | "region" | "country";
  /** The province (Chinese name) of a Chinese city. */
  province?: string;
}

export type Entity =
  /** value: "YYYY-MM-DD" in the caller's local calendar. */
  | (Span & { kind: "date"; value: string })
  /** value: "HH:MM", 24-hour. */
  | (Span & { kind: "time"; value: string })
  /** value: "YYYY-MM-DDTHH:MM", local time, no zone. */
  | (Span & { kind: "datetime"; value: string })
  | (Span & { kind: "money"; value: { amount: number; currency: string } })
  | (Span & { kind: "quantity"; value: { amount: number; unit: string } })
  | (Span & { kind: "number"; value: number })
  /** value: E.164 style, "+8613800138000". */
  | (Span & { kind: "phone"; value: string })
  /** value: upper-cased order id. */
  | (Span & { kind: "order_id"; value: string })
  /** value: lower-cased address. */
  | (Span & { kind: "email"; value: string })
  | (Span & { kind: "place"; value: PlaceValue });

export type EntityOf<K extends EntityKind> = Extract<Entity, { kind: K }>;

export interface EntityOptions {
  /** The reference instant for "明天", "next Tuesday". Required: extraction is pure. */
  now: Date;
  /** The caller's offset from UTC in minutes (China: 480). Defaults to the offset of `now` in this process. */
  utcOffsetMinutes?: number;
  /** The shape of an order id (regex source, matched case-insensitively). Default `SD\d{6,12}`. */
  orderIdPattern?: string;
  /**
   * Which year a date without one falls in: the nearest to now (default), the next one on or
   * after today, or the last one on or before today.
   */
  dateBias?: "nearest" | "future" | "past";
  /** Only these kinds are returned (all by default). */
  kinds?: readonly EntityKind[];
}
