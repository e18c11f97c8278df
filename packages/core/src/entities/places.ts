import { type RecognizerContext, scan, spanOf } from "./context.ts";
import type { Entity, PlaceValue } from "./types.ts";

/**
 * A small gazetteer: China's provincial-level divisions, its larger cities and a few places
 * abroad that customers of a Chinese shop mention. Rows: Chinese name | English | kind | province.
 */
const GAZETTEER = `
北京|Beijing|city|北京
上海|Shanghai|city|上海
天津|Tianjin|city|天津
重庆|Chongqing|city|重庆
河北|Hebei|province
山西|Shanxi|province
辽宁|Liaoning|province
吉林|Jilin|province
黑龙江|Heilongjiang|province
江苏|Jiangsu|province
浙江|Zhejiang|province
安徽|Anhui|province
福建|Fujian|province
江西|Jiangxi|province
山东|Shandong|province
河南|Henan|province
湖北|Hubei|province
湖南|Hunan|province
广东|Guangdong|province
海南|Hainan|province
四川|Sichuan|province
贵州|Guizhou|province
云南|Yunnan|province
陕西|Shaanxi|province
甘肃|Gansu|province
青海|Qinghai|province
台湾|Taiwan|province
内蒙古|Inner Mongolia|region
广西|Guangxi|region
西藏|Tibet|region
宁夏|Ningxia|region
新疆|Xinjiang|region
香港|Hong Kong|region
澳门|Macau|region
石家庄|Shijiazhuang|city|河北
太原|Taiyuan|city|山西
沈阳|Shenyang|city|辽宁
大连|Dalian|city|辽宁
长春|Changchun|city|吉林
哈尔滨|Harbin|city|黑龙江
南京|Nanjing|city|江苏
苏州|Suzhou|city|江苏
无锡|Wuxi|city|江苏
杭州|Hangzhou|city|浙江
宁波|Ningbo|city|浙江
温州|Wenzhou|city|浙江
合肥|Hefei|city|安徽
福州|Fuzhou|city|福建
厦门|Xiamen|city|福建
南昌|Nanchang|city|江西
济南|Jinan|city|山东
青岛|Qingdao|city|山东
郑州|Zhengzhou|city|河南
武汉|Wuhan|city|湖北
长沙|Changsha|city|湖南
广州|Guangzhou|city|广东
深圳|Shenzhen|city|广东
东莞|Dongguan|city|广东
佛山|Foshan|city|广东
珠海|Zhuhai|city|广东
海口|Haikou|city|海南
三亚|Sanya|city|海南
成都|Chengdu|city|四川
贵阳|Guiyang|city|贵州
昆明|Kunming|city|云南
西安|Xi'an|city|陕西
兰州|Lanzhou|city|甘肃
西宁|Xining|city|青海
呼和浩特|Hohhot|city|内蒙古
南宁|Nanning|city|广西
桂林|Guilin|city|广西
拉萨|Lhasa|city|西藏
银川|Yinchuan|city|宁夏
乌鲁木齐|Urumqi|city|新疆
台北|Taipei|city|台湾
中国|China|country
美国|United States|country
英国|United Kingdom|country
日本|Japan|country
韩国|South Korea|country
新加坡|Singapore|country
德国|Germany|country
法国|France|country
加拿大|Canada|country
澳大利亚|Australia|country
纽约|New York|city
伦敦|London|city
东京|Tokyo|city
巴黎|Paris|city
首尔|Seoul|city
悉尼|Sydney|city
`;

const SUFFIXES = ["维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市"];

interface Row {
  value: PlaceValue;
}

const byZh = new Map<string, Row>();
const byEn = new Map<string, Row>();
for (const line of GAZETTEER.trim().split("\n")) {
  const [zh, en, kind, province] = line.split("|");
  const value: PlaceValue = {
    name: zh,
    en,
    kind: kind as PlaceValue["kind"],
    ...(province ? { province } : {}),
  };
  byZh.set(zh, { value });
  byEn.set(en.toLowerCase(), { value });
}
byEn.set("peking", byZh.get("北京") as Row);
byEn.set("canton", byZh.get("广州") as Row);
byEn.set("macao", byZh.get("澳门") as Row);
byEn.set("xian", byZh.get("西安") as Row);
byEn.set("usa", byZh.get("美国") as Row);
byEn.set("uk", byZh.get("英国") as Row);

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const zhNames = [...byZh.keys()].sort((a, b) => b.length - a.length);
const ZH_RE = new RegExp(`(${zhNames.map(escapeRegex).join("|")})(${SUFFIXES.join("|")})?`, "g");
const enNames = [...byEn.keys()].sort((a, b) => b.length - a.length);
const EN_RE = new RegExp(`\\b(${enNames.map((n) => escapeRegex(n).replace(/'/g, "'?")).join("|")})\\b`, "gi");

/** The gazetteer entry for a name in either language (with or without 省/市), or null. */
export function lookupPlace(name: string): PlaceValue | null {
  const trimmed = name.trim();
  const zh = SUFFIXES.reduce(
    (s, suf) => (s.endsWith(suf) && s.length > suf.length ? s.slice(0, -suf.length) : s),
    trimmed,
  );
  return (
    byZh.get(zh)?.value ??
    byEn.get(trimmed.toLowerCase().replace(/'/g, ""))?.value ??
    byEn.get(trimmed.toLowerCase())?.value ??
    null
  );
}

export function recognizePlaces(text: string, _ctx: RecognizerContext): Entity[] {
  const out: Entity[] = [];
  out.push(
    ...scan(text, ZH_RE, (m) => {
      const row = byZh.get(m[1]);
      return row ? { kind: "place", ...spanOf(m), value: row.value } : null;
    }),
  );
  out.push(
    ...scan(text, EN_RE, (m) => {
      const key = m[1].toLowerCase();
      const row = byEn.get(key) ?? byEn.get(key.replace(/'/g, "")) ?? byEn.get(key.replace(/xian/, "xi'an"));
      // "US"/"UK" in lower case are words ("us"), so the abbreviations must be upper case.
      if ((key === "usa" || key === "uk") && m[1] !== m[1].toUpperCase()) return null;
      return row ? { kind: "place", ...spanOf(m), value: row.value } : null;
    }),
  );
  return out;
}
