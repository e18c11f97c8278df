import { applyProfileUpdates } from "../context/profile.ts";
import { initialDialogueState } from "../dialogue/state.ts";
import type { Assistant, DialogueState, Turn, TurnInput, TurnResult, UserProfile } from "../types.ts";

/**
 * Plays a conversation through an assistant the way the conversation service does: it keeps
 * the history, passes the state back, and applies profile updates between turns.
 */
export class ScriptedConversation {
  history: Turn[] = [];
  state: DialogueState = initialDialogueState();
  profile: UserProfile | null = null;
  results: TurnResult[] = [];

  constructor(
    private readonly assistant: Assistant,
    readonly now: Date,
    readonly userId = "user-1",
  ) {}

  async say(text: string, extra: Partial<TurnInput> = {}): Promise<TurnResult> {
    const r = await this.assistant.turn(
      { conversationId: "conv-1", userId: this.userId, text, ...extra },
      { history: this.history, state: this.state, profile: this.profile, now: this.now },
    );
    let replyText = r.reply.text;
    if (r.stream) {
      replyText = "";
      for await (const piece of r.stream) replyText += piece;
    }
    this.state = r.state;
    this.profile = applyProfileUpdates(this.profile, this.userId, r.profileUpdates, this.now);
    const at = this.now.toISOString();
    this.history.push(
      {
        role: "user",
        text,
        at,
        intent: r.intent.name,
        confidence: r.intent.confidence,
        sentiment: r.sentiment.score,
      },
      { role: "bot", text: replyText, at, citations: r.reply.citations },
    );
    this.results.push(r);
    return r;
  }
}
