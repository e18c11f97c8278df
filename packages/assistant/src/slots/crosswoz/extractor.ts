import { parseNumberToken } from "@seekdesk/core";

/**
 * A rule extractor for CrossWOZ's user `Inform` acts, built from seekdesk's pieces: regular
 * patterns for prices, ratings and durations, enums for hotel types and facilities, and a
 * gazetteer (an enum learned from another split) for names and dishes. Each value gets its
 * domain from the nearest domain word, the way Chinese puts the head noun after its modifiers
 * ("评分4.5分以上的酒店"), or from the domain the conversation is on.
 */
export interface Triple {
  domain: string;
  slot: string;
  value: string;
}

export type CrossWozDomain = "餐馆" | "景点" | "酒店" | "出租" | "地铁";

const DOMAIN_WORDS: [RegExp, CrossWozDomain][] = [
  [/酒店|宾馆|住宿|住一晚|入住|住下|住的/g, "酒店"],
  [/餐馆|餐厅|饭店|吃饭|吃点|用餐|菜馆|好吃|美食/g, "餐馆"],
  [/景点|景区|游玩|玩儿?|逛|参观|门票/g, "景点"],
  [/出租车?|打车|叫车|叫一?辆/g, "出租"],
  [/地铁/g, "地铁"],
];

const PRICE = /\d+(?:\.\d+)?-\d+(?:\.\d+)?元|\d+元以上|\d+元以下|不免费|免费/g;
const RATING = /\d(?:\.\d)?分以上|\d(?:\.\d)?分(?!钟)/g;
const NUM = "(\\d+(?:\\.\\d+)?|[一二两三四五六七八九十半]+)";
/** "3小时 - 4小时", "2小时~3小时", "0.3到0.5小时", "4个小时", "一小时", "3天". */
const DURATION = new RegExp(
  `${NUM}个?(小时|天)?(?:\\s*(?:-|~|～|到|至)\\s*${NUM}个?(小时|天))|${NUM}个?(小时|天)`,
  "g",
);
const HOTEL_TYPES = /舒适型|豪华型|高档型|经济型/g;
const ROUTE =
  /(?:从|在)([^，。,！!？?\s从]{2,30}?)(?:打车|坐出租车?|乘出租车?|坐地铁|乘地铁|坐车|出发)?(?:到|去)([^，。,！!？?\s]{2,30}?)(?=[，。,！!？?]|$|的|怎么|要|，|然后|去|游玩|吃|住|请|帮)/g;

function domainsIn(text: string): { at: number; domain: CrossWozDomain }[] {
  const out: { at: number; domain: CrossWozDomain }[] = [];
  for (const [re, domain] of DOMAIN_WORDS) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) out.push({ at: m.index, domain });
  }
  return out.sort((a, b) => a.at - b.at);
}

/** The domain of a value at [start, end): the first domain word after it in its clause, else the last before it. */
function domainFor(
  text: string,
  start: number,
  end: number,
  fallback: CrossWozDomain | null,
  allowed: CrossWozDomain[],
): CrossWozDomain | null {
  const words = domainsIn(text).filter((w) => allowed.includes(w.domain));
  const clauseEnd = (() => {
    const m = /[，。,！!？?；;]/.exec(text.slice(end));
    return m ? end + m.index : text.length;
  })();
  const sentenceEnd = (() => {
    const m = /[。！!？?]/.exec(text.slice(end));
    return m ? end + m.index : text.length;
  })();
  const after =
    words.find((w) => w.at >= end && w.at < clauseEnd) ??
    words.find((w) => w.at >= end && w.at < sentenceEnd);
  if (after) return after.domain;
  const before = words.filter((w) => w.at < start).at(-1);
  if (before) return before.domain;
  return fallback && allowed.includes(fallback) ? fallback : null;
}

export class CrossWozRuleExtractor {
  private readonly names: { value: string; slots: { domain: string; slot: string }[] }[];
  private readonly facilities: string[];

  /**
   * @param gazetteer value → the (domain, slot) pairs it was seen under, for 名称 and 推荐菜.
   * @param facilities the facility names of the hotel schema (`酒店设施-<name>`).
   */
  constructor(gazetteer: Map<string, Set<string>>, facilities: Iterable<string>) {
    this.names = [...gazetteer.entries()]
      .filter(([value]) => value.length >= 2)
      .map(([value, slots]) => ({
        value,
        slots: [...slots].map((s) => {
          const [domain, slot] = s.split("|");
          return { domain, slot };
        }),
      }))
      .sort((a, b) => b.value.length - a.value.length);
    this.facilities = [...facilities].sort((a, b) => b.length - a.length);
  }

  extract(text: string, currentDomain: CrossWozDomain | null): Triple[] {
    const out: Triple[] = [];
    const taken: [number, number][] = [];
    const free = (s: number, e: number) => !taken.some(([a, b]) => s < b && a < e);
    const take = (s: number, e: number) => taken.push([s, e]);
    const each = (re: RegExp, fn: (m: RegExpExecArray) => void) => {
      re.lastIndex = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) fn(m);
    };

    each(ROUTE, (m) => {
      const mode: CrossWozDomain | null = /出租|打车|叫车/.test(text)
        ? "出租"
        : /地铁/.test(text)
          ? "地铁"
          : null;
      if (!mode) return;
      const from = m[1].replace(/^(?:我)?/, "");
      out.push({ domain: mode, slot: "出发地", value: from }, { domain: mode, slot: "目的地", value: m[2] });
      take(m.index, m.index + m[0].length);
    });

    each(DURATION, (m) => {
      if (!free(m.index, m.index + m[0].length)) return;
      // Written the way the annotation writes durations: "1.5小时 - 2小时".
      const n = (t: string) => (t === "半" ? 0.5 : parseNumberToken(t));
      let value: string | null = null;
      if (m[3] !== undefined) {
        const [a, b] = [n(m[1]), n(m[3])];
        if (a !== null && b !== null) value = `${a}${m[2] ?? m[4]} - ${b}${m[4]}`;
      } else {
        const a = n(m[5]);
        if (a !== null) value = `${a}${m[6]}`;
      }
      if (!value) return;
      out.push({ domain: "景点", slot: "游玩时间", value });
      take(m.index, m.index + m[0].length);
    });

    each(PRICE, (m) => {
      const s = m.index;
      const e = s + m[0].length;
      if (!free(s, e)) return;
      const lead = text.slice(Math.max(0, s - 8), s);
      let domain: CrossWozDomain | null;
      if (m[0].endsWith("免费") || /门票|票价/.test(lead)) domain = "景点";
      else if (/人均|消费/.test(lead)) domain = "餐馆";
      else if (/价格|房价|一晚/.test(lead)) domain = "酒店";
      else domain = domainFor(text, s, e, currentDomain, ["餐馆", "景点", "酒店"]);
      const slot =
        domain === "景点" ? "门票" : domain === "餐馆" ? "人均消费" : domain === "酒店" ? "价格" : null;
      if (domain && slot) out.push({ domain, slot, value: m[0] });
      take(s, e);
    });

    each(RATING, (m) => {
      const s = m.index;
      const e = s + m[0].length;
      if (!free(s, e)) return;
      const domain = domainFor(text, s, e, currentDomain, ["餐馆", "景点", "酒店"]);
      if (domain) out.push({ domain, slot: "评分", value: m[0] });
      take(s, e);
    });

    each(HOTEL_TYPES, (m) => {
      out.push({ domain: "酒店", slot: "酒店类型", value: m[0] });
      take(m.index, m.index + m[0].length);
    });

    for (const f of this.facilities) {
      const at = text.indexOf(f);
      // "出租车" is a taxi, not the hotel's car rental (租车).
      if (at >= 0 && free(at, at + f.length) && !(f === "租车" && text[at - 1] === "出")) {
        out.push({ domain: "酒店", slot: `酒店设施-${f}`, value: "是" });
        take(at, at + f.length);
      }
    }

    for (const name of this.names) {
      let from = 0;
      for (let at = text.indexOf(name.value, from); at >= 0; at = text.indexOf(name.value, from)) {
        from = at + name.value.length;
        if (!free(at, at + name.value.length)) continue;
        take(at, at + name.value.length);
        // A dish is a dish; a name seen under several domains takes the one the text points to.
        const dish = name.slots.find((s) => s.slot === "推荐菜");
        if (dish) {
          out.push({ domain: dish.domain, slot: "推荐菜", value: name.value });
          continue;
        }
        const domains = name.slots.map((s) => s.domain as CrossWozDomain);
        const domain =
          domains.length === 1
            ? domains[0]
            : domainFor(text, at, at + name.value.length, currentDomain, domains);
        if (domain) out.push({ domain, slot: "名称", value: name.value });
      }
    }
    return out;
  }

  /** The domain a message moves the conversation to, if it names one. */
  static domainOf(text: string): CrossWozDomain | null {
    return domainsIn(text).at(-1)?.domain ?? null;
  }
}
