/**
 * UI strings in English and Chinese, one typed table per area (`i18n/chat.ts`, `agent.ts`,
 * `admin.ts`, `analytics.ts`): each Chinese table is typed as its English one, so a string missing
 * in Chinese is a type error. `Strings` joins them with the language's `Intl` formatters.
 * Server-sent messages (errors, ticket summaries) are shown as the server wrote them.
 */
import { type AdminStrings, adminStrings } from "./i18n/admin.ts";
import { type AgentStrings, agentStrings } from "./i18n/agent.ts";
import { type AnalyticsStrings, analyticsStrings } from "./i18n/analytics.ts";
import { type ChatStrings, chatStrings } from "./i18n/chat.ts";
import { type Format, makeFormat } from "./i18n/format.ts";
import { type Lang, locales } from "./i18n/lang.ts";

export type { ChatStrings } from "./i18n/chat.ts";
export { detectLang, type Lang, savedLang, saveLang } from "./i18n/lang.ts";

export type Strings = ChatStrings &
  AgentStrings &
  AdminStrings &
  AnalyticsStrings & { lang: Lang; fmt: Format };

function table(lang: Lang): Strings {
  return {
    ...chatStrings[lang],
    ...agentStrings[lang],
    ...adminStrings[lang],
    ...analyticsStrings[lang],
    lang,
    fmt: makeFormat(locales[lang]),
  };
}

export const strings: Record<Lang, Strings> = { en: table("en"), zh: table("zh") };
