import type { Strings } from "../i18n.ts";
import { Intents } from "./Intents.tsx";
import { Keys } from "./Keys.tsx";
import { Knowledge } from "./Knowledge.tsx";
import { Models } from "./Models.tsx";
import { Settings } from "./Settings.tsx";
import { Users } from "./Users.tsx";

const SECTIONS = [
  ["knowledge", "sectionKnowledge"],
  ["intents", "sectionIntents"],
  ["models", "sectionModels"],
  ["keys", "sectionKeys"],
  ["users", "sectionUsers"],
  ["settings", "sectionSettings"],
] as const satisfies readonly (readonly [string, keyof Strings])[];

export function Admin({ route, t }: { route: string; t: Strings }) {
  const current = route.split("/")[2] || "knowledge";
  return (
    <div className="page admin">
      <h1>{t.navAdmin}</h1>
      <nav aria-label={t.adminSections} className="tabs">
        {SECTIONS.map(([id, label]) => (
          <a key={id} href={`#/admin/${id}`} aria-current={current === id ? "page" : undefined}>
            {t[label]}
          </a>
        ))}
      </nav>
      {current === "knowledge" && <Knowledge t={t} />}
      {current === "intents" && <Intents t={t} />}
      {current === "models" && <Models t={t} />}
      {current === "keys" && <Keys t={t} />}
      {current === "users" && <Users t={t} />}
      {current === "settings" && <Settings t={t} />}
    </div>
  );
}
