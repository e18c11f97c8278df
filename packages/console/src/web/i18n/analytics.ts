/** The analytics page's strings. */
import type { Lang } from "./lang.ts";

const en = {
  period: "Period",
  days: (n: number) => `${n} days`,
  kpiConversations: "Conversations",
  kpiResolved: "Resolved by the bot",
  kpiHandoffRate: "Hand-off rate",
  kpiIntentAccuracy: "Intent accuracy (agent feedback)",
  kpiSatisfaction: "Satisfaction",
  satisfactionOf: (score: string) => `${score} / 5`,
  kpiLatency: "Reply latency p50 / p90 / p99",
  chartConversations: "Conversations per day",
  chartHandoffs: "Hand-offs per day",
  chartResolution: "Resolution rate",
  chartLatency: "Reply latency p90 (ms)",
  topIntents: "Top intents",
  colIntent: "Intent",
  colTurns: "Turns",
  noIntents: "No classified turns in this period.",
};

export type AnalyticsStrings = typeof en;

const zh: AnalyticsStrings = {
  period: "统计周期",
  days: (n: number) => `近 ${n} 天`,
  kpiConversations: "会话量",
  kpiResolved: "机器人解决率",
  kpiHandoffRate: "转人工率",
  kpiIntentAccuracy: "意图识别准确率（坐席反馈）",
  kpiSatisfaction: "满意度",
  satisfactionOf: (score: string) => `${score} / 5`,
  kpiLatency: "回复延迟 p50 / p90 / p99",
  chartConversations: "每日会话量",
  chartHandoffs: "每日转人工次数",
  chartResolution: "解决率",
  chartLatency: "回复延迟 p90（毫秒）",
  topIntents: "热门意图",
  colIntent: "意图",
  colTurns: "轮次",
  noIntents: "本周期内没有已识别意图的发言。",
};

export const analyticsStrings: Record<Lang, AnalyticsStrings> = { en, zh };
