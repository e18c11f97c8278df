/**
 * How often does the demo shop answer an unrelated question as if it were one of its intents, and
 * what does rejecting more of them cost the customers? One line per setting:
 *   npx tsx bench/intents/demo-oos.ts [--seeds=10] [--report] none bg bg:w=2 bg:r=0.9 ...
 * A setting is `none` (the domain's examples only) or `bg` (plus the shipped background
 * utterances as the `oos` class), with `:key=value` options: w (oosWeight), r (targetOosRecall),
 * p (coveragePower), n (train on the first n background utterances only, to compare set sizes on
 * the same held-out ones).
 *
 * "Confident" means what the desk acts on: not rejected and confidence >= 0.6 (below it the desk
 * asks "did you mean" or falls back). Two kinds of numbers:
 * - tuning (choose on these): per seed, a stratified 20 % of the domain's examples and a random
 *   20 % of the background utterances are held out; the model trains on the rest. In-scope:
 *   held-out top-1 and held-out examples answered right at >= 0.6; OOS: held-out background
 *   utterances answered confidently.
 * - evaluation (`--report`; report, do not tune on): the model the product would train (all
 *   examples, all background utterances), scored on the customer probes (`demo-probes.jsonl`),
 *   on `demo-oos-probes.txt` (191 unrelated questions written for this bench before any setting
 *   was tried, in no training set) and on the 20 general questions of demo-domain.ts.
 */
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { demoDomainDir, domainExamples, loadDomain } from "../../packages/assistant/src/domain/load.ts";
import { backgroundOosUtterances } from "../../packages/assistant/src/intents/background.ts";
import {
  type IntentClassifier,
  type IntentExample,
  type TrainIntentOptions,
  trainIntentClassifier,
} from "../../packages/assistant/src/intents/classifier.ts";
import { stratifiedSplit } from "../../packages/assistant/src/intents/split.ts";
import { seededRandom, shuffleInPlace } from "../../packages/assistant/src/text/random.ts";
import { GENERAL_PROBES } from "./general-probes.ts";

const ANSWER_CONFIDENCE = 0.6;
const lines = (file: string): string[] =>
  readFileSync(new URL(file, import.meta.url), "utf8")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
const customerProbes = lines("./demo-probes.jsonl").map((l) => JSON.parse(l) as IntentExample);
const oosProbes = lines("./demo-oos-probes.txt");
const oosProbesZh = oosProbes.filter((t) => /\p{Script=Han}/u.test(t));
const oosProbesEn = oosProbes.filter((t) => !/\p{Script=Han}/u.test(t));
const args = process.argv.slice(2);
const seeds = Number(args.find((a) => a.startsWith("--seeds="))?.slice(8) ?? 10);
const report = args.includes("--report");
const settings = args.filter((a) => !a.startsWith("--"));
if (settings.length === 0) settings.push("none", "bg");

const examples = domainExamples(loadDomain(demoDomainDir)).map((e) => ({ text: e.text, intent: e.intent }));
const background = backgroundOosUtterances();

function parse(setting: string): { bg: boolean; firstN: number; opts: TrainIntentOptions } {
  const [kind, ...kv] = setting.split(":");
  const opts: TrainIntentOptions = {};
  let firstN = background.length;
  for (const pair of kv) {
    const [k, v] = pair.split("=");
    if (k === "n") firstN = Number(v);
    else if (k === "w") opts.oosWeight = Number(v);
    else if (k === "r") opts.targetOosRecall = Number(v);
    else if (k === "p") opts.coveragePower = Number(v);
    else throw new Error(`unknown option ${k} in ${setting}`);
  }
  if (kind !== "none" && kind !== "bg") throw new Error(`unknown setting ${setting}`);
  return { bg: kind === "bg", firstN, opts };
}

const confident = (clf: IntentClassifier, text: string): boolean => {
  const p = clf.classify(text);
  return !p.oos && p.confidence >= ANSWER_CONFIDENCE;
};
const rightAndSure = (clf: IntentClassifier, e: IntentExample): boolean => {
  const p = clf.classify(e.text);
  return !p.oos && p.intent === e.intent && p.confidence >= ANSWER_CONFIDENCE;
};
const share = <T>(items: readonly T[], pred: (item: T) => boolean): number =>
  items.filter(pred).length / Math.max(1, items.length);
const pct = (v: number): string => `${(100 * v).toFixed(1)} %`;

const head = ["setting", "held-out top-1", "held-out right ≥ 0.6", "held-out background confident"];
if (report)
  head.push(
    "customer probes top-1",
    "customer probes right ≥ 0.6",
    "OOS probes confident (191)",
    "… zh / en",
    "general 20 confident",
    "background-oos.txt first 120 confident",
  );
console.log(
  `demo domain: ${examples.length} examples, ${background.length} background utterances, ${seeds} seeds; ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}`,
);
console.log(`| ${head.join(" | ")} |`);
console.log(`|${head.map(() => "---").join("|")}|`);
for (const setting of settings) {
  const { bg, firstN, opts } = parse(setting);
  const allowed = new Set(background.slice(0, firstN));
  const sum = new Array<number>(head.length - 1).fill(0);
  let zh = 0;
  let en = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const { train, heldOut } = stratifiedSplit(examples, (e) => e.intent, 0.2, seed);
    const shuffled = shuffleInPlace([...background], seededRandom(1000 + seed));
    const cut = Math.round(shuffled.length * 0.2);
    const bgHeldOut = shuffled.slice(0, cut);
    const bgTrain = shuffled
      .slice(cut)
      .filter((text) => allowed.has(text))
      .map((text) => ({ text, intent: "oos" }));
    const clf = trainIntentClassifier(bg ? [...train, ...bgTrain] : train, { ...opts, seed });
    sum[0] += share(heldOut, (e) => clf.classify(e.text).ranked[0]?.intent === e.intent);
    sum[1] += share(heldOut, (e) => rightAndSure(clf, e));
    sum[2] += share(bgHeldOut, (t) => confident(clf, t));
    if (report) {
      const oos = [...allowed].map((text) => ({ text, intent: "oos" }));
      const all = bg ? [...examples, ...oos] : examples;
      const full = trainIntentClassifier(all, { ...opts, seed });
      sum[3] += share(customerProbes, (e) => full.classify(e.text).ranked[0]?.intent === e.intent);
      sum[4] += share(customerProbes, (e) => rightAndSure(full, e));
      sum[5] += share(oosProbes, (t) => confident(full, t));
      zh += share(oosProbesZh, (t) => confident(full, t));
      en += share(oosProbesEn, (t) => confident(full, t));
      sum[7] += share(GENERAL_PROBES, (t) => confident(full, t));
      // Only meaningful when the background utterances were not trained.
      sum[8] += bg ? Number.NaN : share(background.slice(0, 120), (t) => confident(full, t));
    }
  }
  const cells = sum.map((s) => (Number.isNaN(s) ? "(trained)" : pct(s / seeds)));
  if (report) cells[6] = `${pct(zh / seeds)} / ${pct(en / seeds)}`;
  console.log(`| ${setting} | ${cells.join(" | ")} |`);
}
