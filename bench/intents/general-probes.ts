/**
 * Twenty general questions no shop assistant should take for one of its intents, written for the
 * demo-domain benchmarks; none of them is in the domain's background out-of-scope set.
 */
export const GENERAL_PROBES: readonly string[] = [
  "月亮上有水吗",
  "what's the tallest building in the world",
  "教我下象棋",
  "how do planes fly",
  "推荐几本小说",
  "who is the richest person",
  "怎么做蛋糕",
  "what is the boiling point of water",
  "明天适合去爬山吗",
  "tell me about the roman empire",
  "银河系有多大",
  "how to fix a flat bicycle tire",
  "帮我起个英文名",
  "what's the best programming language",
  "熊猫吃什么",
  "how many legs does a spider have",
  "李白是哪个朝代的",
  "recommend a podcast",
  "火星上有生命吗",
  "what's the time in london",
];
