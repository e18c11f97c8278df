/**
 * Synonym groups written for seekdesk's EDA augmentation: everyday and customer-service words
 * in Chinese and English. Words in one group can stand for each other in most requests; a word
 * may appear in one group only.
 */
// biome-ignore format: a lexicon reads better packed
export const SYNONYM_GROUPS: readonly (readonly string[])[] = [
  // Chinese
  ["快递", "包裹", "物流"], ["订单", "单子"], ["查", "查询", "查看", "看看"], ["怎么", "如何", "怎样"],
  ["为什么", "为啥", "怎么回事"], ["退款", "退钱"], ["退货", "退回"], ["换货", "更换", "调换"],
  ["购买", "买", "下单"], ["付款", "支付", "付钱"], ["取消", "撤销"], ["修改", "更改", "改"],
  ["地址", "收货地址"], ["电话", "手机号", "号码"], ["密码", "口令"], ["账号", "账户", "帐号"],
  ["登录", "登陆", "登入"], ["注册", "开户"], ["问题", "毛病"], ["帮我", "帮忙", "麻烦你"],
  ["想", "想要", "希望"], ["需要", "要"], ["可以", "能", "能够"], ["现在", "目前", "当前"],
  ["马上", "立刻", "立即", "赶紧"], ["很", "非常", "特别", "十分"], ["东西", "商品", "货"],
  ["收到", "拿到", "签收"], ["发货", "寄出", "发出"], ["送到", "送达", "到达"], ["时间", "时候"],
  ["多久", "多长时间", "几天"], ["价格", "价钱", "售价"], ["便宜", "实惠", "划算"], ["贵", "昂贵"],
  ["优惠券", "折扣券", "红包"], ["优惠", "折扣", "打折"], ["会员", "vip"], ["客服", "人工", "工作人员"],
  ["投诉", "举报"], ["坏了", "损坏", "破损"], ["错了", "不对", "有误"], ["告诉", "通知"], ["找", "寻找"],
  ["请问", "你好请问", "想问一下"], ["今天", "今日"], ["明天", "明日"], ["昨天", "昨日"],
  ["开通", "开启", "打开"], ["关闭", "关掉", "停用"], ["发票", "票据"], ["运费", "邮费"], ["尺码", "尺寸", "大小"],
  ["颜色", "色号"], ["质量", "品质"], ["银行卡", "储蓄卡"], ["信用卡", "贷记卡"], ["余额", "剩余金额"],
  ["转账", "汇款", "转钱"], ["到账", "入账"], ["手续费", "服务费"], ["冻结", "锁定"], ["解冻", "解锁"],
  ["提现", "取现"], ["充值", "充钱"], ["积分", "点数"], ["活动", "促销"], ["库存", "存货"], ["缺货", "断货", "没货"],
  ["天气", "气候"], ["播放", "放"], ["歌曲", "歌", "音乐"], ["电影", "影片"], ["新闻", "资讯"], ["打开", "启动"],
  ["附近", "周边", "旁边"], ["路线", "路"], ["机票", "飞机票"], ["火车票", "车票"], ["酒店", "宾馆", "旅馆"],
  ["菜谱", "做法"], ["翻译", "译成"], ["计算", "算"], ["提醒", "提示"], ["闹钟", "闹铃"], ["笑话", "段子"],
  ["好的", "好", "行", "可以的"], ["谢谢", "感谢", "多谢"], ["你好", "您好", "哈喽"], ["再见", "拜拜"],
  ["告诉我", "跟我说"], ["知道", "了解", "清楚"], ["什么", "啥"], ["哪里", "哪儿", "什么地方"], ["几点", "什么时间"],
  // English
  ["order", "purchase"], ["package", "parcel", "shipment"], ["track", "trace", "follow"], ["refund", "reimbursement"],
  ["return", "send back"], ["exchange", "swap", "replace"], ["buy", "purchase"], ["pay", "settle"],
  ["cancel", "call off", "revoke"], ["change", "modify", "alter", "update"], ["address", "location"],
  ["phone", "telephone", "mobile"], ["password", "passcode", "pin"], ["account", "profile"], ["log in", "sign in"],
  ["register", "sign up"], ["problem", "issue", "trouble"], ["help", "assist", "support"], ["want", "wish", "would like"],
  ["need", "require"], ["can", "could"], ["now", "right now", "currently"], ["immediately", "right away", "asap"],
  ["very", "really", "extremely"], ["item", "product", "article"], ["receive", "get"], ["ship", "dispatch", "send"],
  ["deliver", "bring"], ["delivery", "shipping"], ["arrive", "come", "turn up"], ["time", "moment"], ["price", "cost"],
  ["cheap", "inexpensive", "affordable"], ["expensive", "pricey", "costly"], ["discount", "reduction", "deal"],
  ["coupon", "voucher", "promo code"], ["member", "subscriber"], ["agent", "representative", "human"],
  ["complaint", "grievance"], ["broken", "damaged", "faulty"], ["wrong", "incorrect", "mistaken"], ["tell", "inform"],
  ["find", "locate", "look for"], ["today", "this day"], ["tomorrow", "the next day"], ["yesterday", "the day before"],
  ["activate", "enable", "turn on"], ["deactivate", "disable", "turn off"], ["invoice", "bill", "receipt"],
  ["fee", "charge"], ["size", "dimension"], ["color", "colour", "shade"], ["quality", "standard"],
  ["card", "bank card"], ["balance", "remaining funds"], ["transfer", "send money", "wire"], ["money", "funds", "cash"],
  ["withdraw", "take out"], ["top up", "add money", "top-up"], ["frozen", "blocked", "locked"], ["unlock", "unblock"],
  ["stolen", "taken"], ["lost", "misplaced"], ["declined", "rejected", "refused"], ["pending", "waiting", "processing"],
  ["verify", "confirm", "check"], ["identity", "id"], ["fast", "quick", "speedy"], ["slow", "sluggish"],
  ["weather", "forecast"], ["play", "put on"], ["song", "track", "tune"], ["movie", "film"], ["news", "headlines"],
  ["open", "launch", "start"], ["nearby", "close by", "around here"], ["route", "way", "directions"],
  ["flight", "plane ticket"], ["hotel", "inn", "lodging"], ["recipe", "cooking instructions"], ["translate", "say in"],
  ["calculate", "compute", "work out"], ["remind", "alert"], ["alarm", "wake-up call"], ["joke", "gag"],
  ["ok", "okay", "alright", "fine"], ["thanks", "thank you", "cheers"], ["hello", "hi", "hey"], ["goodbye", "bye", "see you"],
  ["know", "understand"], ["where", "in what place"], ["how", "in what way"], ["why", "how come"], ["quickly", "fast", "soon"],
  ["show", "display"], ["list", "show all"], ["set", "set up", "configure"], ["delete", "remove", "erase"],
  ["add", "include"], ["book", "reserve"], ["schedule", "plan"], ["meeting", "appointment"], ["email", "e-mail", "mail"],
  ["message", "text"], ["call", "ring", "phone"], ["bank", "financial institution"], ["loan", "credit"],
  ["interest", "interest rate"], ["insurance", "coverage"], ["salary", "pay", "wage"], ["travel", "trip", "journey"],
  ["car", "vehicle", "auto"], ["restaurant", "eatery", "diner"], ["food", "meal"], ["buy me", "get me"],
];

const index = new Map<string, readonly string[]>();
for (const group of SYNONYM_GROUPS) {
  for (const word of group) if (!index.has(word)) index.set(word, group);
}

/** The other words of a word's synonym group (empty when the word has none). */
export function synonymsOf(word: string): string[] {
  const group = index.get(word.toLowerCase());
  return group ? group.filter((w) => w !== word.toLowerCase()) : [];
}

export function synonymEntryCount(): number {
  return index.size;
}
