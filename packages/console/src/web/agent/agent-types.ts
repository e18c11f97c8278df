export interface Ticket {
  id: string;
  conversationId: string;
  userId?: string;
  reason: string;
  summary: string;
  status: "queued" | "assigned" | "closed";
  assignedAgent?: string | null;
  createdAt: string;
  sentiment?: { score: number; label: string; trend?: number } | null;
}

export interface TranscriptMessage {
  seq: number;
  role: "user" | "bot" | "agent" | "system";
  text: string;
  at: string;
  meta?: {
    /** On a bot message: the customer turn it answers. */
    replyTo?: number;
    oos?: boolean;
    intent?: string | null;
    confidence?: number;
    sentiment?: number | { score: number; label: string };
  } | null;
}

export interface TicketDetail {
  ticket: Ticket;
  messages: TranscriptMessage[];
  state?: {
    /** The language the dialogue detected on the customer's last turn: "zh" or "en". */
    language?: string;
    activeIntent?: string | null;
    slots?: Record<string, { raw: string; normalized: unknown }>;
  } | null;
  profile?: {
    name?: string;
    language?: string;
    pastOrders?: string[];
    pastIssues?: { intent: string; summary: string }[];
  } | null;
}
