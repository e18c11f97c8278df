import type { IntentExample } from "./classifier.ts";

/**
 * A small bilingual shop intent set for tests: enough examples per intent that a held-out
 * split still leaves something to learn from.
 */
export const SHOP_INTENTS: Record<string, string[]> = {
  track_order: [
    "where is my order",
    "track my package",
    "when will my parcel arrive",
    "has my order shipped yet",
    "I want to know the delivery status",
    "my package hasn't arrived",
    "shipping status of my order",
    "我的快递到哪了",
    "查一下物流",
    "订单什么时候到",
    "包裹到哪里了",
    "帮我查下快递",
    "什么时候发货",
    "物流信息怎么看",
  ],
  refund: [
    "I want a refund",
    "give me my money back",
    "how do I get refunded",
    "refund my order please",
    "can I get a refund for this",
    "when will my refund arrive",
    "I need to return this and get my money",
    "我要退款",
    "怎么申请退款",
    "退钱给我",
    "退款什么时候到账",
    "这个能退款吗",
    "申请退货退款",
    "钱什么时候退回来",
  ],
  change_password: [
    "how do I change my password",
    "reset my password",
    "I forgot my password",
    "update my login password",
    "can't log in, need a new password",
    "change account password",
    "password reset link",
    "怎么修改密码",
    "忘记密码了",
    "重置登录密码",
    "密码改一下",
    "我想换个密码",
    "登录密码忘了怎么办",
    "修改账户密码",
  ],
  payment_methods: [
    "which payment methods do you accept",
    "can I pay with credit card",
    "do you take paypal",
    "is cash on delivery available",
    "can I pay by bank transfer",
    "payment options",
    "do you accept apple pay",
    "支持哪些支付方式",
    "可以用信用卡付款吗",
    "能用支付宝吗",
    "支持微信支付吗",
    "可以货到付款吗",
    "怎么付款",
    "能分期付款吗",
  ],
  greeting: [
    "hello",
    "hi there",
    "good morning",
    "hey",
    "hi, anyone there",
    "good evening",
    "hello, I need help",
    "你好",
    "您好",
    "在吗",
    "早上好",
    "哈喽",
    "有人吗",
    "晚上好",
  ],
};

export const SHOP_OOS: string[] = [
  "what is the capital of france",
  "tell me a joke about cats",
  "who won the football match yesterday",
  "how tall is mount everest",
  "play some jazz music",
  "what's the weather in berlin",
  "what is a good book to read",
  "how do I cook rice",
  "translate hello into spanish",
  "set an alarm for 7am",
  "what time is it in tokyo",
  "who is the president of brazil",
  "recommend a good restaurant nearby",
  "今天天气怎么样",
  "给我讲个笑话",
  "珠穆朗玛峰有多高",
  "帮我写一首诗",
  "明天股票会涨吗",
  "附近有什么好吃的",
  "什么是人工智能",
  "地球到月亮有多远",
  "推荐一部好看的电影",
  "帮我订个闹钟",
  "红烧肉怎么做",
  "唱首歌给我听",
];

export function shopExamples(withOos = false): IntentExample[] {
  const out: IntentExample[] = [];
  for (const [intent, texts] of Object.entries(SHOP_INTENTS))
    for (const text of texts) out.push({ text, intent });
  if (withOos) for (const text of SHOP_OOS) out.push({ text, intent: "oos" });
  return out;
}
