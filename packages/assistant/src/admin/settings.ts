import { z } from "zod";
import { DEFAULT_ASSISTANT_CONFIG } from "../assistant.ts";
import type { AssistantConfig } from "../types.ts";

/** The assistant settings an admin may change from the console (the rest stay as configured). */
export const DESK_SETTING_NAMES = [
  "handoffThreshold",
  "windowTurns",
  "maxLowConfidenceTurns",
  "negativeSentimentThreshold",
  "sensitiveIntents",
  "handoffPhrases",
] as const satisfies readonly (keyof AssistantConfig)[];

export type DeskSettings = Pick<AssistantConfig, (typeof DESK_SETTING_NAMES)[number]>;

export const DEFAULT_DESK_SETTINGS: DeskSettings = Object.fromEntries(
  DESK_SETTING_NAMES.map((k) => [k, DEFAULT_ASSISTANT_CONFIG[k]]),
) as DeskSettings;

/**
 * The fields' rules. `windowTurns` stops at 40 because the conversation service loads the last 40
 * stored messages as history; a larger window would silently be cut there.
 */
function fields(intents: ReadonlySet<string>) {
  return {
    handoffThreshold: z
      .number({ error: "expected a number from 0 to 1" })
      .min(0, "expected a number from 0 to 1")
      .max(1, "expected a number from 0 to 1"),
    windowTurns: z
      .number({ error: "expected a whole number of turns from 1 to 40" })
      .int("expected a whole number of turns from 1 to 40")
      .min(1, "expected a whole number of turns from 1 to 40")
      .max(40, "expected a whole number of turns from 1 to 40"),
    maxLowConfidenceTurns: z
      .number({ error: "expected a whole number from 1 to 10" })
      .int("expected a whole number from 1 to 10")
      .min(1, "expected a whole number from 1 to 10")
      .max(10, "expected a whole number from 1 to 10"),
    negativeSentimentThreshold: z
      .number({ error: "expected a number from -1 to 0" })
      .min(-1, "expected a number from -1 to 0")
      .max(0, "expected a number from -1 to 0"),
    sensitiveIntents: z
      .array(
        z.string().refine((name) => intents.has(name), {
          error: (issue) => `unknown intent ${JSON.stringify(issue.input)}`,
        }),
        { error: "expected a list of intent names" },
      )
      .max(200),
    handoffPhrases: z
      .array(
        z
          .string({ error: "expected a phrase" })
          .trim()
          .min(2, "expected a phrase of at least 2 characters")
          .max(100, "expected at most 100 characters"),
        { error: "expected a list of phrases" },
      )
      .max(100, "expected at most 100 phrases"),
  } satisfies Record<keyof DeskSettings, z.ZodType>;
}

/**
 * A change to the settings: any subset of the fields (the ones left out keep their value). Unknown
 * fields are refused, so a misspelt name is a 400 rather than a silently ignored change.
 */
export function deskSettingsPatchSchema(intents: ReadonlySet<string>) {
  return z.object(fields(intents)).partial().strict();
}

export type DeskSettingsPatch = Partial<DeskSettings>;

/**
 * Stored values back into settings, field by field: a value that no longer passes (an intent the
 * domain dropped since) is left out, so the default applies, and named in `dropped` for a warning.
 */
export function restoreDeskSettings(
  stored: Record<string, unknown>,
  intents: ReadonlySet<string>,
): { settings: DeskSettingsPatch; dropped: string[] } {
  const rules = fields(intents);
  const settings: Record<string, unknown> = {};
  const dropped: string[] = [];
  for (const name of DESK_SETTING_NAMES) {
    if (!(name in stored)) continue;
    const r = rules[name].safeParse(stored[name]);
    if (r.success) settings[name] = r.data;
    else dropped.push(name);
  }
  return { settings: settings as DeskSettingsPatch, dropped };
}
