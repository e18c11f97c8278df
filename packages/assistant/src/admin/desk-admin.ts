import { InvalidRequestError, NotFoundError, UnavailableError } from "@seekdesk/core";
import type { Localized, ReplyPolicy } from "../domain/schema.ts";
import type { IntentExample } from "../intents/classifier.ts";
import type { IntentTrainingReport } from "../intents/train-evaluate.ts";
import { trainAndEvaluateInWorker } from "../intents/train-in-worker.ts";
import type { Domain, LiveAssistant } from "../types.ts";
import type { DeskAdminStore } from "./admin-store.ts";
import {
  DESK_SETTING_NAMES,
  type DeskSettings,
  type DeskSettingsPatch,
  deskSettingsPatchSchema,
  restoreDeskSettings,
} from "./settings.ts";

/** An intent as the console's intents page lists it. */
export interface IntentSummary {
  name: string;
  description: Localized;
  /** How the bot answers it: kb, template, form, action or handoff. */
  reply: ReplyPolicy["type"];
  /** What the classifier trains on: the domain's examples, less `removed`, plus `added`. */
  examples: string[];
  /** Added from the console. */
  added: string[];
  /** The domain's examples taken out from the console. */
  removed: string[];
}

export interface TrainOutcome extends IntentTrainingReport {
  /** When the served classifier was replaced (ISO-8601). */
  trained_at: string;
}

/** Whitespace runs become one space: "where  is my\norder" and "where is my order" are one example. */
const tidy = (text: string) => text.trim().replace(/\s+/g, " ");

/**
 * The desk's admin operations behind the console's intents and settings pages: intent examples
 * (the domain's files plus changes kept in the store), retraining the served classifier, and the
 * hand-off and context settings. Changes reach the running assistant at once (`attach`), and the
 * store brings them back after a restart: start-up trains on `trainingExamples()` and applies
 * `storedSettings()`.
 */
export class DeskAdmin {
  private assistant: LiveAssistant | null = null;
  private training: Promise<unknown> = Promise.resolve();
  readonly intentNames: ReadonlySet<string>;
  readonly settingsSchema: ReturnType<typeof deskSettingsPatchSchema>;

  constructor(
    readonly domain: Domain,
    private readonly store: DeskAdminStore,
  ) {
    this.intentNames = new Set(domain.intents.map((i) => i.name));
    this.settingsSchema = deskSettingsPatchSchema(this.intentNames);
  }

  /** The assistant whose classifier and settings the admin changes. */
  attach(assistant: LiveAssistant): void {
    this.assistant = assistant;
  }

  private live(): LiveAssistant {
    if (!this.assistant) throw new UnavailableError("The desk assistant is not running", "no_assistant");
    return this.assistant;
  }

  intents(): IntentSummary[] {
    const changes = this.store.exampleChanges();
    return this.domain.intents.map((intent) => {
      const own = [...new Set([...intent.examples.zh, ...intent.examples.en].map(tidy))];
      const mine = changes.filter((c) => c.intent === intent.name);
      const removed = mine.filter((c) => c.op === "remove").map((c) => c.text);
      const added = mine.filter((c) => c.op === "add" && !own.includes(c.text)).map((c) => c.text);
      const gone = new Set(removed);
      return {
        name: intent.name,
        description: intent.description,
        reply: intent.reply.type,
        examples: [...own.filter((t) => !gone.has(t)), ...added],
        added,
        removed: removed.filter((t) => own.includes(t)),
      };
    });
  }

  /** The examples the classifier is trained on, at start-up and by `train`. */
  trainingExamples(): IntentExample[] {
    return this.intents().flatMap((i) => i.examples.map((text) => ({ text, intent: i.name })));
  }

  private intent(name: string): IntentSummary {
    const found = this.intents().find((i) => i.name === name);
    if (!found) throw new NotFoundError(`No intent ${name}`, "intent_not_found", "intent");
    return found;
  }

  /**
   * Adds an utterance to an intent's examples (for the next `train`). Adding one it already has is
   * a no-op (`added: false`); one that is another intent's example is refused, as it would teach
   * the classifier both answers.
   */
  addExample(intentName: string, text: string): { intent: string; text: string; added: boolean } {
    const intent = this.intent(intentName);
    const t = tidy(text);
    if (intent.examples.includes(t)) return { intent: intent.name, text: t, added: false };
    const other = this.intents().find((i) => i.name !== intent.name && i.examples.includes(t));
    if (other)
      throw new InvalidRequestError(
        `"${t}" is already an example of ${other.name}; remove it there first`,
        "text",
        "example_conflict",
      );
    if (intent.removed.includes(t)) this.store.forgetExample(intent.name, t);
    else this.store.recordExample({ intent: intent.name, text: t, op: "add" });
    return { intent: intent.name, text: t, added: true };
  }

  /** Takes an utterance out of an intent's examples (for the next `train`); the last one stays. */
  removeExample(intentName: string, text: string): { intent: string; text: string; removed: true } {
    const intent = this.intent(intentName);
    const t = tidy(text);
    if (!intent.examples.includes(t))
      throw new NotFoundError(`${intent.name} has no example "${t}"`, "example_not_found", "text");
    if (intent.examples.length === 1)
      throw new InvalidRequestError(
        `"${t}" is the last example of ${intent.name}; an intent needs at least one`,
        "text",
        "last_example",
      );
    if (intent.added.includes(t)) this.store.forgetExample(intent.name, t);
    else this.store.recordExample({ intent: intent.name, text: t, op: "remove" });
    return { intent: intent.name, text: t, removed: true };
  }

  /**
   * Retrains the classifier on the current examples in a worker thread, evaluates it on a held-out
   * split, and swaps it into the running assistant: turns already running finish with the old
   * one, turns starting after the swap use the new one. One training at a time; a second request
   * waits for the first and then trains on the examples as they are then. An aborted request
   * (the admin closed the page) stops its training and changes nothing.
   */
  train(signal?: AbortSignal): Promise<TrainOutcome> {
    const assistant = this.live();
    const run = this.training.then(async () => {
      const examples = this.trainingExamples();
      const { classifier, report } = await trainAndEvaluateInWorker(
        examples,
        { backgroundOos: this.domain.backgroundOos },
        signal,
      );
      assistant.setClassifier(classifier);
      return { ...report, trained_at: new Date().toISOString() };
    });
    this.training = run.catch(() => undefined);
    return run;
  }

  settings(): DeskSettings {
    const config = this.live().config;
    return Object.fromEntries(DESK_SETTING_NAMES.map((k) => [k, config[k]])) as DeskSettings;
  }

  /** Stored settings for start-up; `dropped` names stored values that no longer pass validation. */
  storedSettings(): { settings: DeskSettingsPatch; dropped: string[] } {
    return restoreDeskSettings(this.store.settings(), this.intentNames);
  }

  /** Saves a validated change (see `settingsSchema`) and applies it to turns starting from now. */
  updateSettings(patch: DeskSettingsPatch): DeskSettings {
    const assistant = this.live();
    const given = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    this.store.saveSettings(given);
    assistant.configure(given);
    return this.settings();
  }
}
