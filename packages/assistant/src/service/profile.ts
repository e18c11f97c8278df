import type { UserProfileRecord } from "@seekdesk/store";
import type { Language, PastIssue, ProfileUpdates, UserProfile } from "../types.ts";

/** The stored JSON of a profile as the assistant's UserProfile, tolerating missing fields. */
export function toUserProfile(record: UserProfileRecord | null): UserProfile | null {
  if (!record) return null;
  const d = record.data;
  return {
    userId: record.userId,
    ...(typeof d.name === "string" ? { name: d.name } : {}),
    ...(d.language === "zh" || d.language === "en" ? { language: d.language as Language } : {}),
    preferences: isStringRecord(d.preferences) ? d.preferences : {},
    pastOrders: Array.isArray(d.pastOrders)
      ? d.pastOrders.filter((x): x is string => typeof x === "string")
      : [],
    pastIssues: Array.isArray(d.pastIssues) ? (d.pastIssues as PastIssue[]) : [],
    updatedAt: record.updatedAt,
  };
}

const MAX_PAST = 50;

/**
 * The patch that applies a turn's ProfileUpdates to the stored profile: scalars replace, while
 * `pastOrders`, `pastIssues` and `preferences` carry additions (see ProfileUpdates), merged here
 * into the full lists so the store's shallow merge is enough. Lists keep the newest 50.
 */
export function profilePatch(current: UserProfile | null, updates: ProfileUpdates): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  if (updates.name !== undefined) patch.name = updates.name;
  if (updates.language !== undefined) patch.language = updates.language;
  if (updates.preferences && Object.keys(updates.preferences).length > 0)
    patch.preferences = { ...(current?.preferences ?? {}), ...updates.preferences };
  if (updates.pastOrders && updates.pastOrders.length > 0) {
    const seen = new Set(current?.pastOrders ?? []);
    const added = updates.pastOrders.filter((o) => !seen.has(o));
    if (added.length > 0) patch.pastOrders = [...(current?.pastOrders ?? []), ...added].slice(-MAX_PAST);
  }
  if (updates.pastIssues && updates.pastIssues.length > 0)
    patch.pastIssues = [...(current?.pastIssues ?? []), ...updates.pastIssues].slice(-MAX_PAST);
  return patch;
}

function isStringRecord(v: unknown): v is Record<string, string> {
  return (
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    Object.values(v).every((x) => typeof x === "string")
  );
}
