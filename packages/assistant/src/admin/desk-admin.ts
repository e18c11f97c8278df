import { InvalidRequestError, NotFoundError, UnavailableError } from "@seekdesk/core";
import type { DeskAdminRepository, DeskAdminWatch } from "@seekdesk/store";
import type { Localized, ReplyPolicy } from "../domain/schema.ts";
import type { IntentExample } from "../intents/classifier.ts";
import type { IntentTrainingReport } from "../intents/train-evaluate.ts";
import { trainAndEvaluateInWorker } from "../intents/train-in-worker.ts";
import type { Domain, LiveAssistant } from "../types.ts";
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

/** What `follow` reports: an edit made elsewhere applied here, a gap in hearing of them, a failure. */
export interface DeskAdminFollowEvents {
  /** Settings re-read and applied, or the classifier retrained after a retraining elsewhere. */
  onApplied?(what: "settings" | "training", detail: { generation?: number }): void;
  /** Notifications may have been missed (`lost`), or listening (again), after which all is re-read. */
  onGap?(reason: "lost" | "listening", err?: Error): void;
  onError?(err: Error, what: "settings" | "training"): void;
}

/** Whitespace runs become one space: "where  is my\norder" and "where is my order" are one example. */
const tidy = (text: string) => text.trim().replace(/\s+/g, " ");

/**
 * The desk's admin operations behind the console's intents and settings pages: intent examples
 * (the domain's files plus changes kept in the store), retraining the served classifier, and the
 * hand-off and context settings. Changes reach the running assistant at once (`attach`), and the
 * store brings them back after a restart: start-up (`startup()`) trains on the stored examples and
 * applies the stored settings. Where replicas share the store (Postgres), `follow` keeps this one
 * in step with edits made on the others: examples are read from the store on each request anyway,
 * settings are re-read when announced, and a retraining elsewhere is repeated here.
 */
export class DeskAdmin {
  private assistant: LiveAssistant | null = null;
  private training: Promise<unknown> = Promise.resolve();
  private settingsSync: Promise<unknown> = Promise.resolve();
  /** The store's retraining count that the served classifier reflects. */
  private trainedGeneration = 0;
  readonly intentNames: ReadonlySet<string>;
  readonly settingsSchema: ReturnType<typeof deskSettingsPatchSchema>;

  constructor(
    readonly domain: Domain,
    private readonly store: DeskAdminRepository,
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

  async intents(): Promise<IntentSummary[]> {
    const changes = await this.store.exampleChanges();
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
  async trainingExamples(): Promise<IntentExample[]> {
    return (await this.intents()).flatMap((i) => i.examples.map((text) => ({ text, intent: i.name })));
  }

  private async intent(name: string): Promise<IntentSummary> {
    const found = (await this.intents()).find((i) => i.name === name);
    if (!found) throw new NotFoundError(`No intent ${name}`, "intent_not_found", "intent");
    return found;
  }

  /**
   * Adds an utterance to an intent's examples (for the next `train`). Adding one it already has is
   * a no-op (`added: false`); one that is another intent's example is refused, as it would teach
   * the classifier both answers.
   */
  async addExample(
    intentName: string,
    text: string,
  ): Promise<{ intent: string; text: string; added: boolean }> {
    const intent = await this.intent(intentName);
    const t = tidy(text);
    if (intent.examples.includes(t)) return { intent: intent.name, text: t, added: false };
    const other = (await this.intents()).find((i) => i.name !== intent.name && i.examples.includes(t));
    if (other)
      throw new InvalidRequestError(
        `"${t}" is already an example of ${other.name}; remove it there first`,
        "text",
        "example_conflict",
      );
    if (intent.removed.includes(t)) await this.store.forgetExample(intent.name, t);
    else await this.store.recordExample({ intent: intent.name, text: t, op: "add" });
    return { intent: intent.name, text: t, added: true };
  }

  /** Takes an utterance out of an intent's examples (for the next `train`); the last one stays. */
  async removeExample(
    intentName: string,
    text: string,
  ): Promise<{ intent: string; text: string; removed: true }> {
    const intent = await this.intent(intentName);
    const t = tidy(text);
    if (!intent.examples.includes(t))
      throw new NotFoundError(`${intent.name} has no example "${t}"`, "example_not_found", "text");
    if (intent.examples.length === 1)
      throw new InvalidRequestError(
        `"${t}" is the last example of ${intent.name}; an intent needs at least one`,
        "text",
        "last_example",
      );
    if (intent.added.includes(t)) await this.store.forgetExample(intent.name, t);
    else await this.store.recordExample({ intent: intent.name, text: t, op: "remove" });
    return { intent: intent.name, text: t, removed: true };
  }

  /**
   * Retrains the classifier on the current examples in a worker thread, evaluates it on a held-out
   * split, and swaps it into the running assistant: turns already running finish with the old
   * one, turns starting after the swap use the new one. One training at a time; a second request
   * waits for the first and then trains on the examples as they are then. An aborted request
   * (the admin closed the page) stops its training and changes nothing. The retraining is counted
   * in the store, which tells the other replicas to retrain too.
   */
  train(signal?: AbortSignal): Promise<TrainOutcome> {
    const assistant = this.live();
    const run = this.training.then(async () => {
      const examples = await this.trainingExamples();
      const { classifier, report } = await trainAndEvaluateInWorker(
        examples,
        { backgroundOos: this.domain.backgroundOos },
        signal,
      );
      assistant.setClassifier(classifier);
      this.trainedGeneration = await this.store.recordTraining();
      return { ...report, trained_at: new Date().toISOString() };
    });
    this.training = run.catch(() => undefined);
    return run;
  }

  settings(): DeskSettings {
    const config = this.live().config;
    return Object.fromEntries(DESK_SETTING_NAMES.map((k) => [k, config[k]])) as DeskSettings;
  }

  /**
   * What start-up needs from the store: the examples to train on and the stored settings
   * (`dropped` names stored values that no longer pass validation). The retraining count is read
   * first, so a retraining elsewhere that lands while this one starts is repeated by `follow`.
   */
  async startup(): Promise<{ examples: IntentExample[]; settings: DeskSettingsPatch; dropped: string[] }> {
    this.trainedGeneration = await this.store.trainingGeneration();
    const examples = await this.trainingExamples();
    return { examples, ...restoreDeskSettings(await this.store.settings(), this.intentNames) };
  }

  /** Saves a validated change (see `settingsSchema`) and applies it to turns starting from now. */
  async updateSettings(patch: DeskSettingsPatch): Promise<DeskSettings> {
    const assistant = this.live();
    const given = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    await this.store.saveSettings(given);
    assistant.configure(given);
    return this.settings();
  }

  /**
   * Follows edits made through other replicas, where the store announces them (Postgres; null on
   * SQLite, where this server is the only one): announced settings are re-read and applied to
   * turns starting from then; an announced retraining is repeated here on the stored examples
   * (in a worker, queued behind any training already running), unless this classifier already
   * reflects it. After a gap in hearing (`listening` again) both are checked, so a missed
   * notification costs at most the time the connection was down.
   */
  follow(events: DeskAdminFollowEvents = {}): DeskAdminWatch | null {
    if (!this.store.watch) return null;
    return this.store.watch({
      changed: (what) => {
        if (what === "settings") this.reloadSettings(events);
        else if (what === "training") this.catchUpTraining(events);
      },
      gap: (reason, err) => {
        events.onGap?.(reason, err);
        if (reason !== "listening") return;
        this.reloadSettings(events);
        this.catchUpTraining(events);
      },
    });
  }

  private reloadSettings(events: DeskAdminFollowEvents): void {
    // Chained, so two quick edits are applied in the order they were read.
    this.settingsSync = this.settingsSync
      .then(async () => {
        const assistant = this.assistant;
        if (!assistant) return;
        const { settings } = restoreDeskSettings(await this.store.settings(), this.intentNames);
        assistant.configure(settings);
        events.onApplied?.("settings", {});
      })
      .catch((err: unknown) => events.onError?.(err as Error, "settings"));
  }

  private catchUpTraining(events: DeskAdminFollowEvents): void {
    this.training = this.training
      .then(async () => {
        const assistant = this.assistant;
        if (!assistant) return;
        const generation = await this.store.trainingGeneration();
        if (generation <= this.trainedGeneration) return;
        const { classifier } = await trainAndEvaluateInWorker(await this.trainingExamples(), {
          backgroundOos: this.domain.backgroundOos,
        });
        assistant.setClassifier(classifier);
        this.trainedGeneration = Math.max(this.trainedGeneration, generation);
        events.onApplied?.("training", { generation });
      })
      .catch((err: unknown) => events.onError?.(err as Error, "training"));
  }
}
