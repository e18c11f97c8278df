import { createContext, useContext } from "react";

export type Role = "admin" | "agent" | "viewer";
export interface Me {
  id: number;
  username: string;
  displayName: string;
  role: Role;
}

export const SessionContext = createContext<{ me: Me | null; refresh: () => Promise<void> }>({
  me: null,
  refresh: async () => {},
});

export const useSession = () => useContext(SessionContext);

/** Mirrors the server's rule (the server enforces it; the UI only hides what would be refused). */
export function can(me: Me | null, area: "agent" | "admin" | "analytics"): boolean {
  if (!me) return false;
  if (area === "admin") return me.role === "admin";
  if (area === "agent") return me.role === "admin" || me.role === "agent";
  return true;
}
