import { augmentExamples } from "../augment/index.ts";
import { backgroundOosUtterances } from "./background.ts";
import { expectedCalibrationError, fitTemperature, softmax, topInScope } from "./calibration.ts";
import { extractFeatures } from "./features.ts";
import { LinearModel } from "./linear.ts";
import { dequantizeRows, quantizeRows } from "./quantize.ts";
import { stratifiedFolds, stratifiedSplit } from "./split.ts";
import { type SparseVector, TfidfVectorizer, type VectorizerJSON } from "./vectorizer.ts";

export interface IntentExample {
  text: string;
  intent: string;
}

export interface RankedIntent {
  intent: string;
  confidence: number;
}

export interface IntentPrediction {
  /** The recognised intent, or null when the utterance is out of scope. */
  intent: string | null;
  /** Calibrated probability of the top in-scope intent. */
  confidence: number;
  oos: boolean;
  /** The five most likely in-scope intents, best first. */
  ranked: RankedIntent[];
}

export interface TrainIntentOptions {
  /** The label that marks out-of-scope examples. Default "oos". */
  oosLabel?: string;
  /** Held-out OOS recall the rejection threshold is chosen for, when OOS data exists. Default 0.75. */
  targetOosRecall?: number;
  /**
   * Without OOS data, the share of held-out in-scope utterances the threshold may reject
   * (it is their confidence quantile). Default 0.05.
   */
  inScopeRejectRate?: number;
  seed?: number;
  /** Share of each intent held out to fit temperature and threshold. Default 0.2. */
  heldOutFraction?: number;
  /**
   * An explicit validation set (such as CLINC150's `val`). Temperature and threshold are fitted
   * on it and the final model is trained on `examples` alone, as a published protocol expects.
   */
  heldOut?: IntentExample[];
  /**
   * With an explicit `heldOut`: after fitting temperature and threshold on it, train the final
   * model on `examples` and `heldOut` together (more data, same calibration). Default false.
   */
  refitOnHeldOut?: boolean;
  /**
   * Cross-fitted calibration with this many folds (at least 2): the examples (and `heldOut`, when
   * given, as more training data) are cut into stratified folds, each fold is scored by a model
   * trained on the others, temperature and threshold are fitted on those out-of-fold scores, and
   * the final model is trained on everything. No example is spent on calibration alone, and
   * calibration never sees scores of its own training data; it costs one more training per fold.
   * Off by default (a single held-out split).
   */
  crossFit?: number;
  /**
   * EDA variants (synonym replacement, insertion, swap, deletion: `augmentExamples`) added for
   * each in-scope training utterance of every model trained, never to the utterances calibration
   * is fitted on. Training takes about (1 + n) times as long. Default 0.
   */
  edaVariants?: number;
  /**
   * When the examples have no out-of-scope class, add the shipped general-purpose utterances
   * (weather, trivia, chit-chat, zh + en) as one. Off by default: a domain covering such topics
   * would learn to reject its own intents.
   */
  backgroundOos?: boolean;
  /** Loss weight of out-of-scope examples relative to in-scope ones. Default 1. */
  oosWeight?: number;
  /**
   * Class scores are multiplied by coverage^power, where coverage is the share of the utterance's
   * TF-IDF mass on features seen in training (`TfidfVector.coverage`): an utterance made of words
   * the model never saw gets flat, low-confidence probabilities instead of a confident guess from
   * its few known n-grams. The ranking is unchanged; confidence, calibration and OOS rejection see
   * it. Default 1 (chosen on CLINC150 `val` among 0, 0.5, 1, 1.5); 0 turns it off.
   */
  coveragePower?: number;
  epochs?: number;
  lambda?: number;
  loss?: "softmax" | "hinge";
  minDf?: number;
}

export interface TrainingReport {
  examples: number;
  heldOut: number;
  features: number;
  temperature: number;
  threshold: number;
  /** Held-out expected calibration error before and after temperature scaling. */
  eceBefore: number;
  eceAfter: number;
}

interface ClassifierJSON {
  format: "seekdesk.intent-classifier";
  version: 2;
  labels: string[];
  oosLabel: string;
  temperature: number;
  threshold: number;
  /** Absent in files written before coverage damping: 0 (off), as they were calibrated. */
  coveragePower?: number;
  vectorizer: VectorizerJSON;
  /** Weights as int8 (base64) with one Float32 scale per feature row (base64). */
  model: { classes: number; features: number; weights: string; scales: string; bias: number[] };
}

const DEFAULTS = { epochs: 10, lambda: 2e-5, loss: "hinge" as const, minDf: 1, coveragePower: 1 };

export class IntentClassifier {
  private readonly oosIndex: number;
  /** In-scope intents, in label order. */
  readonly intents: string[];
  report?: TrainingReport;

  constructor(
    readonly labels: string[],
    readonly oosLabel: string,
    private readonly vectorizer: TfidfVectorizer,
    private readonly model: LinearModel,
    readonly temperature: number,
    readonly threshold: number,
    readonly coveragePower = 0,
  ) {
    this.oosIndex = labels.indexOf(oosLabel);
    this.intents = labels.filter((l) => l !== oosLabel);
  }

  /**
   * Class scores before temperature (damped by vocabulary coverage, see `coveragePower`); for
   * calibration and for callers combining models.
   */
  scores(text: string): Float64Array {
    const x = this.vectorizer.transform(text);
    const s = this.model.scores(x);
    if (this.coveragePower !== 0) {
      const damp = x.coverage ** this.coveragePower;
      for (let c = 0; c < s.length; c++) s[c] *= damp;
    }
    return s;
  }

  probabilities(text: string): Float64Array {
    return softmax(this.scores(text), this.temperature);
  }

  classify(text: string): IntentPrediction {
    return this.predictFromScores(this.scores(text));
  }

  predictFromScores(scores: Float64Array): IntentPrediction {
    const p = softmax(scores, this.temperature);
    const { top, confidence, oosWins } = topInScope(p, this.oosIndex);
    const ranked: RankedIntent[] = [];
    const order = Array.from(p.keys())
      .filter((c) => c !== this.oosIndex)
      .sort((a, b) => p[b] - p[a])
      .slice(0, 5);
    for (const c of order) ranked.push({ intent: this.labels[c], confidence: p[c] });
    const oos = oosWins || confidence < this.threshold;
    return { intent: oos ? null : this.labels[top], confidence, oos, ranked };
  }

  toJSON(): ClassifierJSON {
    const { q, scales } = quantizeRows(this.model.weights, this.model.classes);
    const b64 = (a: Int8Array | Float32Array): string =>
      Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
    return {
      format: "seekdesk.intent-classifier",
      version: 2,
      labels: this.labels,
      oosLabel: this.oosLabel,
      temperature: this.temperature,
      threshold: this.threshold,
      coveragePower: this.coveragePower,
      vectorizer: this.vectorizer.toJSON(),
      model: {
        classes: this.model.classes,
        features: this.model.features,
        weights: b64(q),
        scales: b64(scales),
        bias: Array.from(this.model.bias),
      },
    };
  }

  static fromJSON(json: unknown): IntentClassifier {
    const j = json as Partial<ClassifierJSON> | null;
    if (
      j?.format !== "seekdesk.intent-classifier" ||
      j.version !== 2 ||
      !j.model ||
      !j.vectorizer ||
      !j.labels
    ) {
      throw new Error("Not a seekdesk intent classifier (format seekdesk.intent-classifier, version 2)");
    }
    const qBytes = Buffer.from(j.model.weights, "base64");
    const q = new Int8Array(qBytes.buffer, qBytes.byteOffset, qBytes.byteLength);
    const sBytes = Buffer.from(j.model.scales ?? "", "base64");
    const scales = new Float32Array(sBytes.byteLength / 4);
    new Uint8Array(scales.buffer).set(sBytes);
    if (scales.length !== j.model.features)
      throw new Error("Intent classifier scales do not match its shape");
    const weights = dequantizeRows({ q, scales }, j.model.classes);
    if (weights.length !== j.model.classes * j.model.features) {
      throw new Error("Intent classifier weights do not match its shape");
    }
    const model = new LinearModel(
      j.model.classes,
      j.model.features,
      weights,
      Float32Array.from(j.model.bias),
    );
    return new IntentClassifier(
      j.labels,
      j.oosLabel ?? "oos",
      TfidfVectorizer.fromJSON(j.vectorizer),
      model,
      j.temperature ?? 1,
      j.threshold ?? 0,
      j.coveragePower ?? 0,
    );
  }
}

type FitOptions = Required<
  Pick<
    TrainIntentOptions,
    "epochs" | "lambda" | "loss" | "minDf" | "seed" | "oosLabel" | "oosWeight" | "edaVariants"
  >
>;

function fitModel(
  given: IntentExample[],
  labels: string[],
  opts: FitOptions,
): { vectorizer: TfidfVectorizer; model: LinearModel } {
  // Augmented copies join the training data of this one model only: calibration scores stay
  // on real utterances, and a cross-fitted fold never sees variants of its held-out ones.
  const examples =
    opts.edaVariants > 0
      ? [
          ...augmentExamples(
            given.filter((e) => e.intent !== opts.oosLabel),
            { variants: opts.edaVariants, seed: opts.seed },
          ),
          ...given.filter((e) => e.intent === opts.oosLabel),
        ]
      : given;
  const feats = examples.map((e) => extractFeatures(e.text));
  const vectorizer = TfidfVectorizer.fit(feats, opts.minDf);
  const index = new Map(labels.map((l, i) => [l, i]));
  const rows: SparseVector[] = feats.map((f) => vectorizer.transformFeatures(f));
  const y = Int32Array.from(examples.map((e) => index.get(e.intent) ?? 0));
  const classWeights = labels.map((l) => (l === opts.oosLabel ? opts.oosWeight : 1));
  const trained = LinearModel.train(rows, y, labels.length, vectorizer.size, { ...opts, classWeights });
  // Predict with the int8 weights that toJSON saves, so a reloaded model answers identically.
  const weights = dequantizeRows(quantizeRows(trained.weights, trained.classes), trained.classes);
  const model = new LinearModel(trained.classes, trained.features, weights, trained.bias);
  return { vectorizer, model };
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = Math.min(sorted.length - 1, Math.max(0, Math.floor(q * sorted.length)));
  return sorted[pos];
}

export interface ScoreCalibration {
  temperature: number;
  threshold: number;
  eceBefore: number;
  eceAfter: number;
}

/**
 * Temperature and OOS threshold from held-out class scores (`IntentClassifier.scores`, gold label
 * indexes into `labels`): the temperature minimises their NLL; with out-of-scope examples the
 * threshold is the smallest that rejects `targetOosRecall` of them, otherwise the
 * `inScopeRejectRate` quantile of in-scope confidence.
 */
export function calibrateOnScores(
  scores: Float64Array[],
  gold: Int32Array,
  labels: string[],
  oosLabel: string,
  options: Pick<TrainIntentOptions, "targetOosRecall" | "inScopeRejectRate"> = {},
): ScoreCalibration {
  const temperature = fitTemperature(scores, gold);
  const oosIndex = labels.indexOf(oosLabel);
  const ece = (t: number): number => {
    const conf: number[] = [];
    const correct: boolean[] = [];
    scores.forEach((s, i) => {
      const p = softmax(s, t);
      let best = 0;
      for (let c = 1; c < p.length; c++) if (p[c] > p[best]) best = c;
      conf.push(p[best]);
      correct.push(best === gold[i]);
    });
    return expectedCalibrationError(conf, correct);
  };
  const oosConf: { conf: number; rejected: boolean }[] = [];
  const inScopeConf: number[] = [];
  scores.forEach((s, i) => {
    const { confidence: conf, oosWins } = topInScope(softmax(s, temperature), oosIndex);
    if (gold[i] === oosIndex) oosConf.push({ conf, rejected: oosWins });
    else inScopeConf.push(conf);
  });
  let threshold: number;
  if (oosConf.length > 0) {
    // The smallest threshold that rejects the target share of held-out OOS utterances: every
    // extra bit of threshold costs in-scope accuracy.
    const target = options.targetOosRecall ?? 0.75;
    const need = Math.ceil(target * oosConf.length) - oosConf.filter((o) => o.rejected).length;
    const pending = oosConf
      .filter((o) => !o.rejected)
      .map((o) => o.conf)
      .sort((a, b) => a - b);
    threshold = need <= 0 ? 0 : (pending[Math.min(need, pending.length) - 1] ?? 0) + 1e-9;
  } else {
    const rate = options.inScopeRejectRate ?? 0.05;
    threshold =
      rate <= 0
        ? 0
        : quantile(
            inScopeConf.sort((a, b) => a - b),
            rate,
          );
  }
  return { temperature, threshold, eceBefore: ece(1), eceAfter: ece(temperature) };
}

/**
 * Trains the TF-IDF linear classifier. With no explicit `heldOut`, a stratified share of the
 * examples is held out to fit the temperature and the OOS threshold; the final model is then
 * retrained on all examples with the same settings.
 */
export function trainIntentClassifier(
  examples: IntentExample[],
  options: TrainIntentOptions = {},
): IntentClassifier {
  const oosLabel = options.oosLabel ?? "oos";
  const seed = options.seed ?? 1;
  const fitOpts = {
    epochs: options.epochs ?? DEFAULTS.epochs,
    lambda: options.lambda ?? DEFAULTS.lambda,
    loss: options.loss ?? DEFAULTS.loss,
    minDf: options.minDf ?? DEFAULTS.minDf,
    seed,
    oosLabel,
    oosWeight: options.oosWeight ?? 1,
    edaVariants: options.edaVariants ?? 0,
  };
  const coveragePower = options.coveragePower ?? DEFAULTS.coveragePower;
  const cleaned = examples
    .map((e) => ({ text: e.text.trim(), intent: e.intent.trim() }))
    .filter((e) => e.text && e.intent);
  if (options.backgroundOos && !cleaned.some((e) => e.intent === oosLabel)) {
    const known = new Set(cleaned.map((e) => e.text));
    for (const text of backgroundOosUtterances())
      if (!known.has(text)) cleaned.push({ text, intent: oosLabel });
  }
  const labels = [...new Set(cleaned.map((e) => e.intent))].sort();
  if (labels.filter((l) => l !== oosLabel).length < 2) {
    throw new Error("Intent training needs examples of at least two in-scope intents");
  }

  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const crossFit = options.crossFit ?? 0;
  if (crossFit !== 0 && (!Number.isInteger(crossFit) || crossFit < 2))
    throw new Error(`crossFit: expected an integer of at least 2 folds, got ${crossFit}`);
  const explicit = options.heldOut !== undefined;
  const known = (e: IntentExample): boolean => labelIndex.has(e.intent);
  let fitCount: number;
  let calSet: IntentExample[];
  let calScores: Float64Array[];
  let final: ReturnType<typeof fitModel>;
  const probeScores = (m: ReturnType<typeof fitModel>, items: IntentExample[]): Float64Array[] => {
    const probe = new IntentClassifier(labels, oosLabel, m.vectorizer, m.model, 1, 0, coveragePower);
    return items.map((e) => probe.scores(e.text));
  };
  if (crossFit >= 2) {
    // Every example is scored once by a model trained without its fold; the served model is
    // trained on them all and inherits the calibration fitted on those out-of-fold scores.
    const pool = [...cleaned, ...(options.heldOut ?? []).filter(known)];
    const folds = stratifiedFolds(pool, (e) => e.intent, crossFit, seed);
    calSet = [];
    calScores = [];
    for (let f = 0; f < crossFit; f++) {
      const held = pool.filter((_, i) => folds[i] === f);
      if (held.length === 0) continue;
      const part = fitModel(
        pool.filter((_, i) => folds[i] !== f),
        labels,
        fitOpts,
      );
      calSet.push(...held);
      calScores.push(...probeScores(part, held));
    }
    final = fitModel(pool, labels, fitOpts);
    fitCount = pool.length;
  } else {
    let fitSet = cleaned;
    if (options.heldOut) {
      calSet = options.heldOut.filter(known);
    } else {
      const split = stratifiedSplit(cleaned, (e) => e.intent, options.heldOutFraction ?? 0.2, seed);
      fitSet = split.train;
      calSet = split.heldOut;
    }
    const first = fitModel(fitSet, labels, fitOpts);
    calScores = probeScores(first, calSet);
    final = first;
    if (explicit && options.refitOnHeldOut && calSet.length > 0)
      final = fitModel([...cleaned, ...calSet], labels, fitOpts);
    else if (!explicit && calSet.length > 0) final = fitModel(cleaned, labels, fitOpts);
    fitCount = fitSet.length;
  }

  const calLabels = Int32Array.from(calSet.map((e) => labelIndex.get(e.intent) ?? 0));
  const cal = calibrateOnScores(calScores, calLabels, labels, oosLabel, options);
  const classifier = new IntentClassifier(
    labels,
    oosLabel,
    final.vectorizer,
    final.model,
    cal.temperature,
    cal.threshold,
    coveragePower,
  );
  classifier.report = {
    examples: fitCount,
    heldOut: calSet.length,
    features: final.vectorizer.size,
    ...cal,
  };
  return classifier;
}
