/** One console edit of an intent's examples: an added utterance, or a domain example taken out. */
export interface ExampleChange {
  intent: string;
  text: string;
  op: "add" | "remove";
}

/** What changed, as announced to the other replicas. */
export type DeskAdminChange = "examples" | "settings" | "training";

export interface DeskAdminChangeSink {
  /** Another process (or this one) committed a change of this kind. */
  changed(what: DeskAdminChange): void;
  /**
   * Changes may have been missed: the notification connection was `lost`, or is `listening`
   * (again). Read everything that is kept in memory again.
   */
  gap(reason: "lost" | "listening", err?: Error): void;
}

export interface DeskAdminWatch {
  started: Promise<void>;
  stop(): Promise<void>;
}

/**
 * What admins changed from the console: intent examples (changes on top of the domain's files,
 * which stay untouched), settings (one row per changed setting, so one never touched follows the
 * shipped default), and how many times the classifier was retrained (so a replica can tell that
 * another one retrained). SQLite for one server; Postgres shared by every replica.
 */
export interface DeskAdminRepository {
  readonly kind: "sqlite" | "postgres";
  /** In the order they were made (a change made again moves to the end). */
  exampleChanges(): Promise<ExampleChange[]>;
  /** Records `change`, replacing an earlier one for the same utterance. */
  recordExample(change: ExampleChange): Promise<void>;
  /** Forgets the change for an utterance (re-adding a removed domain example, removing an added one). */
  forgetExample(intent: string, text: string): Promise<void>;
  settings(): Promise<Record<string, unknown>>;
  /** Saves the given settings (JSON values) together, leaving the others as they are. */
  saveSettings(values: Record<string, unknown>): Promise<void>;
  /** Counts a retraining from the console; returns the new count. */
  recordTraining(): Promise<number>;
  /** How many retrainings were recorded (0 when none). */
  trainingGeneration(): Promise<number>;
  /**
   * Tells `sink` about changes as they commit, in any process. Absent where only one server
   * uses the data (SQLite).
   */
  watch?(sink: DeskAdminChangeSink): DeskAdminWatch;
  close(): Promise<void>;
}
