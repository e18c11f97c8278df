import { Intents } from "./Intents.tsx";
import { Keys } from "./Keys.tsx";
import { Knowledge } from "./Knowledge.tsx";
import { Models } from "./Models.tsx";
import { Settings } from "./Settings.tsx";
import { Users } from "./Users.tsx";

const SECTIONS = [
  ["knowledge", "Knowledge"],
  ["intents", "Intents"],
  ["models", "Models"],
  ["keys", "API keys"],
  ["users", "Users"],
  ["settings", "Settings"],
] as const;

export function Admin({ route }: { route: string }) {
  const current = route.split("/")[2] || "knowledge";
  return (
    <div className="page admin">
      <h1>Admin</h1>
      <nav aria-label="Admin sections" className="tabs">
        {SECTIONS.map(([id, label]) => (
          <a key={id} href={`#/admin/${id}`} aria-current={current === id ? "page" : undefined}>
            {label}
          </a>
        ))}
      </nav>
      {current === "knowledge" && <Knowledge />}
      {current === "intents" && <Intents />}
      {current === "models" && <Models />}
      {current === "keys" && <Keys />}
      {current === "users" && <Users />}
      {current === "settings" && <Settings />}
    </div>
  );
}
