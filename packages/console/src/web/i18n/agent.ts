/** The agent workspace's strings. */
import type { Lang } from "./lang.ts";

type TicketStatus = "queued" | "assigned" | "closed";
type Role = "user" | "bot" | "agent" | "system";
type SuggestionSource = "kb" | "llm" | "canned";

const en = {
  queueRegion: "Hand-off queue",
  queueHeading: (open: number) => `Queue (${open})`,
  queueEmpty: "No one is waiting.",
  conversationRegion: "Conversation",
  selectTicket: "Select a hand-off from the queue.",
  ticketErased: "The hand-off you had open was removed: the customer's data was erased.",
  ticketStatus: { queued: "queued", assigned: "assigned", closed: "closed" } satisfies Record<
    TicketStatus,
    string
  >,
  /** Hand-off reasons the assistant sends as codes; English shows the code itself, as before. */
  handoffReason: {} as Partial<Record<string, string>>,
  accept: "Accept",
  closeTicket: "Close",
  transferTo: "Transfer to",
  transferToQueue: "the queue (any agent)",
  transfer: "Transfer",
  msgRole: { user: "user", bot: "bot", agent: "agent", system: "system" } satisfies Record<Role, string>,
  outOfScope: "out of scope",
  sentimentOf: (score: string) => `sentiment ${score}`,
  judgeRight: (seq: number) => `The bot understood turn ${seq} right`,
  judgeWrong: (seq: number) => `The bot misunderstood turn ${seq}`,
  markedRight: "marked right",
  markedWrong: "marked wrong",
  customerTyping: "The customer is typing…",
  reply: "Reply",
  sendReply: "Send reply",
  customerContext: "Customer context",
  profile: "Profile",
  unknownName: "unknown name",
  pastOrders: (orders: string) => `Orders: ${orders}`,
  listSeparator: ", ",
  slots: (intent: string) => `Slots (${intent})`,
  sentimentTrend: "Sentiment trend",
  sentimentTrendNote: "per customer turn, oldest first: ",
  suggestedReplies: "Suggested replies",
  suggestionSource: { kb: "KB", llm: "AI draft", canned: "Canned" } satisfies Record<
    SuggestionSource,
    string
  >,
  /**
   * Ready-made replies the agent can send. They are offered in the customer's language, not the
   * console's (see `cannedReplies`): they go to the customer.
   */
  cannedReplies: [
    "Hello, this is customer service. I'm glad to help you.",
    "Thanks for waiting — I'm looking into this for you now.",
    "I've escalated this; you'll hear from us within 24 hours.",
  ] as readonly string[],
};

export type AgentStrings = typeof en;

const zh: AgentStrings = {
  queueRegion: "转人工队列",
  queueHeading: (open: number) => `工单队列（${open}）`,
  queueEmpty: "暂无等待中的客户。",
  conversationRegion: "会话",
  selectTicket: "请从队列中选择一个工单。",
  ticketErased: "您打开的工单已被移除：该客户的数据已被删除。",
  ticketStatus: { queued: "排队中", assigned: "处理中", closed: "已关闭" },
  handoffReason: {
    low_confidence: "意图不明确",
    repeated_low_confidence: "连续多轮意图不明确",
    out_of_scope: "超出服务范围",
    negative_sentiment: "客户情绪不满",
    user_request: "客户要求转人工",
    sensitive_intent: "敏感问题",
  },
  accept: "接入",
  closeTicket: "结束会话",
  transferTo: "转接给",
  transferToQueue: "队列（任意坐席）",
  transfer: "转接",
  msgRole: { user: "客户", bot: "机器人", agent: "坐席", system: "系统" },
  outOfScope: "超出范围",
  sentimentOf: (score: string) => `情绪 ${score}`,
  judgeRight: (seq: number) => `机器人正确理解了第 ${seq} 轮`,
  judgeWrong: (seq: number) => `机器人误解了第 ${seq} 轮`,
  markedRight: "已标记为正确",
  markedWrong: "已标记为错误",
  customerTyping: "客户正在输入…",
  reply: "回复",
  sendReply: "发送回复",
  customerContext: "客户信息",
  profile: "客户资料",
  unknownName: "姓名未知",
  pastOrders: (orders: string) => `历史订单：${orders}`,
  listSeparator: "、",
  slots: (intent: string) => `槽位（${intent}）`,
  sentimentTrend: "情绪趋势",
  sentimentTrendNote: "按客户发言顺序，从早到晚：",
  suggestedReplies: "推荐回复",
  suggestionSource: { kb: "知识库", llm: "AI 草稿", canned: "快捷回复" },
  cannedReplies: [
    "您好，我是人工客服，很高兴为您服务。",
    "感谢您的耐心等待，我正在为您查询。",
    "我已将问题升级处理，我们会在 24 小时内回复您。",
  ],
};

export const agentStrings: Record<Lang, AgentStrings> = { en, zh };
