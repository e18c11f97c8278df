/**
 * The customer chat's strings (the console's chat page and the embeddable widget) and the app
 * shell's (sign-in, navigation). The widget imports only this module, so the agent, admin and
 * analytics tables stay out of its bundle.
 */
import type { Lang } from "./lang.ts";

const en = {
  appName: "seekdesk",
  chatTitle: "Customer service",
  placeholder: "Type your question…",
  send: "Send",
  retry: "Retry",
  attachImage: "Attach an image",
  recordVoice: "Record a voice message",
  stopRecording: "Stop recording",
  sources: "Sources",
  you: "You",
  bot: "Assistant",
  agent: "Agent",
  waiting: (pos: number, eta: number) =>
    `You are number ${pos} in the queue, about ${Math.max(1, Math.round(eta / 60))} min.`,
  withAgent: (name: string) => `${name} is helping you now.`,
  agentTyping: "The agent is typing…",
  reconnecting: "Reconnecting…",
  talkToHuman: "Talk to a human",
  login: "Sign in",
  logout: "Sign out",
  username: "Username",
  password: "Password",
  loginFailed: "Wrong username or password",
  navChat: "Chat",
  navAgent: "Agent workspace",
  navAdmin: "Admin",
  navAnalytics: "Analytics",
  language: "Language",
  openWidget: "Open chat",
  closeWidget: "Close chat",
  sourceTitle: "Source",
  rateConversation: "How did we do?",
  thanksForRating: "Thanks for your feedback",
  rateStars: (n: number) => `Rate ${n} out of 5`,
  close: "Close",
  mainNav: "Main",
  loading: "Loading…",
  forbidden: "403 — your role cannot open this page.",
  chatSignedInAs: (name: string) =>
    `You are signed in as ${name}: you try the assistant as yourself, and a hand-off goes to the agents' queue.`,
  chatKeyedTitle: "This chat is for our staff",
  chatKeyedExplain:
    "Customers reach us through the chat on our website. If you work here, sign in to try the assistant with your account.",
  chatUnavailable: "The chat is not available right now. Please try again later.",
  unsentUntilSignIn: "Not sent yet: it is kept and goes out once you sign in again.",
  unsentUntilAvailable: "Not sent yet: it is kept and goes out once the chat is available again.",
  // Refused, and held in this page's memory only (the note below it says why): not "kept".
  unsentUntilSignInHere: "Not sent yet: it goes out once you sign in again on this page.",
  unsentUntilAvailableHere:
    "Not sent yet: it goes out once the chat is available again, if this page stays open.",
  photo: "Photo",
  voiceMessage: "Voice message",
  notKept: {
    full: "The 50 MB this browser keeps for unsent photos and voice messages is full: this one is lost if you reload or close this page before it goes out.",
    unavailable:
      "This browser cannot store it: it is lost if you reload or close this page before it goes out.",
  },
  outboxFull: (n: number) =>
    `Not kept: ${n} of your messages are already waiting to go out, the most this browser keeps. This one is lost if you reload or close this page before it goes out: retry it once the others have gone.`,
  expired: (hours: number) =>
    `Not sent: it waited over ${hours} hours, so it did not go out by itself. Send it now, or discard it.`,
  tooLargeToSend: (mb: number) =>
    `Not sent: at over ${mb} MB this file is larger than the chat accepts. Please send a smaller one.`,
  sendNow: "Send now",
  discard: "Discard",
  chatSignedOut: (name: string) =>
    `You are signed out: the session of ${name} has ended. Sign in again to go on; what you sent meanwhile goes out then.`,
  conversationErased: "This conversation has been deleted. Send a message to start a new one.",
};

export type ChatStrings = typeof en;

const zh: ChatStrings = {
  appName: "seekdesk",
  chatTitle: "在线客服",
  placeholder: "请输入您的问题…",
  send: "发送",
  retry: "重试",
  attachImage: "上传图片",
  recordVoice: "录制语音",
  stopRecording: "停止录音",
  sources: "来源",
  you: "我",
  bot: "智能助手",
  agent: "人工客服",
  waiting: (pos: number, eta: number) =>
    `您前面还有 ${pos - 1} 位，预计等待约 ${Math.max(1, Math.round(eta / 60))} 分钟。`,
  withAgent: (name: string) => `${name} 正在为您服务。`,
  agentTyping: "客服正在输入…",
  reconnecting: "正在重新连接…",
  talkToHuman: "转人工",
  login: "登录",
  logout: "退出",
  username: "用户名",
  password: "密码",
  loginFailed: "用户名或密码错误",
  navChat: "对话",
  navAgent: "坐席工作台",
  navAdmin: "管理",
  navAnalytics: "数据分析",
  language: "语言",
  openWidget: "打开客服",
  closeWidget: "关闭客服",
  sourceTitle: "来源原文",
  rateConversation: "对本次服务满意吗？",
  thanksForRating: "感谢您的评价",
  rateStars: (n: number) => `评 ${n} 分（满分 5 分）`,
  close: "关闭",
  mainNav: "主导航",
  loading: "加载中…",
  forbidden: "403 — 您的角色无权打开此页面。",
  chatSignedInAs: (name: string) =>
    `您已以 ${name} 身份登录：将以本人账号体验智能助手，转人工会进入坐席队列。`,
  chatKeyedTitle: "本页面仅供工作人员使用",
  chatKeyedExplain:
    "客户请通过我们网站上的在线客服联系我们。如果您是工作人员，请登录后用本人账号体验智能助手。",
  chatUnavailable: "在线客服暂时无法使用，请稍后再试。",
  unsentUntilSignIn: "尚未发送：消息已保留，重新登录后会自动发送。",
  unsentUntilAvailable: "尚未发送：消息已保留，客服恢复可用后会自动发送。",
  unsentUntilSignInHere: "尚未发送：在本页面重新登录后会自动发送。",
  unsentUntilAvailableHere: "尚未发送：客服恢复可用后会自动发送（请保持本页面打开）。",
  photo: "图片",
  voiceMessage: "语音消息",
  notKept: {
    full: "本浏览器为未发送的图片和语音预留的 50 MB 空间已满：发送前刷新或关闭本页面，这条将丢失。",
    unavailable: "本浏览器无法保存它：发送前刷新或关闭本页面，它将丢失。",
  },
  outboxFull: (n: number) =>
    `未保存：已有 ${n} 条消息在等待发送，已达本浏览器可保留的上限。发出前刷新或关闭本页面，这条将丢失：请在其他消息发出后重试。`,
  expired: (hours: number) =>
    `未发送：这条消息已等待超过 ${hours} 小时，不再自动发出。您可以现在发送，或将其删除。`,
  tooLargeToSend: (mb: number) => `未发送：文件超过 ${mb} MB，超出在线客服可接收的大小。请发送较小的文件。`,
  sendNow: "现在发送",
  discard: "删除",
  chatSignedOut: (name: string) =>
    `您已退出登录：${name} 的会话已过期。请重新登录以继续，期间发送的消息届时会自动发出。`,
  conversationErased: "此会话已被删除。发送消息即可开始新的会话。",
};

export const chatStrings: Record<Lang, ChatStrings> = { en, zh };
