import { agentStrings } from "../i18n/agent.ts";
import type { Lang } from "../i18n/lang.ts";
import type { TicketDetail } from "./agent-types.ts";

const asLang = (v: unknown): Lang | null => (v === "zh" || v === "en" ? v : null);

/**
 * The language canned replies are offered in: the customer's, since the agent sends them to the
 * customer. The dialogue's language (detected on the customer's last turn) first, then the
 * profile's, and only when neither is known the agent's console language.
 */
export function customerLang(
  detail: Pick<TicketDetail, "state" | "profile"> | null,
  consoleLang: Lang,
): Lang {
  return asLang(detail?.state?.language) ?? asLang(detail?.profile?.language) ?? consoleLang;
}

/** The canned replies for a ticket, with the language they are written in (for the `lang` attribute). */
export function cannedReplies(
  detail: Pick<TicketDetail, "state" | "profile"> | null,
  consoleLang: Lang,
): { lang: Lang; texts: readonly string[] } {
  const lang = customerLang(detail, consoleLang);
  return { lang, texts: agentStrings[lang].cannedReplies };
}
