import type { Entity } from "@seekdesk/core";
import type { Language, PastIssue, ProfileUpdates, UserProfile } from "../types.ts";

const SURNAMES =
  "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤欧阳司马上官诸葛";
const ZH_NAME_EXPLICIT =
  /(?:我叫|我的名字是|我的名字叫|本人叫|叫我)\s*([\u4e00-\u9fff]{2,4}?)(?=[，,。.!！?？\s]|$|的|呢|啊)/;
const ZH_NAME_IS = new RegExp(
  `(?:^|[，,。\\s])我是\\s*([${SURNAMES}][\\u4e00-\\u9fff]{1,2})(?=[，,。.!！?？\\s]|$)`,
);
const EN_NAME = /\b(?:my name is|my name's|call me|this is)\s+([A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+)?)/;
const EN_NOT_NAMES = new Set([
  "The",
  "It",
  "That",
  "This",
  "Not",
  "Very",
  "So",
  "A",
  "An",
  "Urgent",
  "Ridiculous",
  "Unacceptable",
]);

/** The name a user gives for themselves in this message, or null. */
export function extractName(text: string): string | null {
  const zh = ZH_NAME_EXPLICIT.exec(text) ?? ZH_NAME_IS.exec(text);
  if (zh) return zh[1];
  const en = EN_NAME.exec(text);
  if (en && !EN_NOT_NAMES.has(en[1].split(" ")[0])) return en[1];
  return null;
}

const WANTS_ZH =
  /(请|麻烦)?(用|说)(中文|汉语|普通话)|\b(reply|answer|speak|write|respond)\s+(to me\s+)?in\s+chinese\b/i;
const WANTS_EN =
  /(请|麻烦)?(用|说)英(文|语)|\b(reply|answer|speak|write|respond)\s+(to me\s+)?in\s+english\b/i;

/** A reply language the user asks for ("请用英文回复", "please answer in Chinese"), or null. */
export function requestedReplyLanguage(text: string): Language | null {
  if (WANTS_EN.test(text)) return "en";
  if (WANTS_ZH.test(text)) return "zh";
  return null;
}

/** What this message teaches about the user: name, language, order ids, a reply-language wish. */
export function profileUpdatesFromMessage(
  text: string,
  language: Language,
  entities: Entity[],
  profile: UserProfile | null,
): ProfileUpdates {
  const updates: ProfileUpdates = {};
  const name = extractName(text);
  if (name && name !== profile?.name) updates.name = name;
  if (profile?.language !== language) updates.language = language;
  const known = new Set(profile?.pastOrders ?? []);
  const orders = entities.flatMap((e) => (e.kind === "order_id" && !known.has(e.value) ? [e.value] : []));
  if (orders.length > 0) updates.pastOrders = [...new Set(orders)];
  const wanted = requestedReplyLanguage(text);
  if (wanted && profile?.preferences.replyLanguage !== wanted)
    updates.preferences = { replyLanguage: wanted };
  return updates;
}

export function mergeUpdates(a: ProfileUpdates, b: ProfileUpdates): ProfileUpdates {
  const out: ProfileUpdates = { ...a, ...b };
  if (a.pastOrders || b.pastOrders)
    out.pastOrders = [...new Set([...(a.pastOrders ?? []), ...(b.pastOrders ?? [])])];
  if (a.pastIssues || b.pastIssues) out.pastIssues = [...(a.pastIssues ?? []), ...(b.pastIssues ?? [])];
  if (a.preferences || b.preferences) out.preferences = { ...a.preferences, ...b.preferences };
  return out;
}

/** Past issues and orders kept on a profile; older ones fall off so a profile stays small. */
const MAX_ORDERS = 50;
const MAX_ISSUES = 50;

/**
 * Applies a turn's `profileUpdates` to a stored profile (or creates one): scalars replace,
 * orders and issues append, preferences merge.
 */
export function applyProfileUpdates(
  profile: UserProfile | null,
  userId: string,
  updates: ProfileUpdates,
  now: Date = new Date(),
): UserProfile {
  const base: UserProfile = profile ?? {
    userId,
    preferences: {},
    pastOrders: [],
    pastIssues: [],
    updatedAt: now.toISOString(),
  };
  const pastOrders = [...new Set([...base.pastOrders, ...(updates.pastOrders ?? [])])].slice(-MAX_ORDERS);
  const pastIssues: PastIssue[] = [...base.pastIssues, ...(updates.pastIssues ?? [])].slice(-MAX_ISSUES);
  return {
    ...base,
    ...(updates.name !== undefined ? { name: updates.name } : {}),
    ...(updates.language !== undefined ? { language: updates.language } : {}),
    preferences: { ...base.preferences, ...updates.preferences },
    pastOrders,
    pastIssues,
    updatedAt: now.toISOString(),
  };
}
