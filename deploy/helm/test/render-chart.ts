import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { ChartTemplates, type Lookup } from "./go-template.ts";

/** A Kubernetes object as rendered. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface RenderedChart {
  manifests: Manifest[];
  notes: string;
  /** The one object of that kind, or undefined; throws when there are several. */
  one(kind: string): Manifest | undefined;
}

/** Helm's coalescing of user values over the chart's: maps merge, anything else replaces, null deletes. */
function merge(base: unknown, over: unknown): unknown {
  if (!isMap(base) || !isMap(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out;
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * `helm template <chart> -f <values>` (plus NOTES.txt, which `helm install --dry-run` shows): the
 * chart's templates rendered with its values.yaml under `values`, split into parsed documents.
 * A document that is not valid YAML, or the chart's `fail`, throws. `cluster` plays the objects
 * `lookup` finds during `helm install` (none by default, as with `helm template`).
 */
export function renderChart(
  chartDir: string,
  values: Record<string, unknown> = {},
  opts: { release?: string; cluster?: Lookup } = {},
): RenderedChart {
  const release = opts.release ?? "demo";
  const chart = parse(readFileSync(join(chartDir, "Chart.yaml"), "utf8")) as Record<string, unknown>;
  const defaults = parse(readFileSync(join(chartDir, "values.yaml"), "utf8")) as Record<string, unknown>;
  const dir = join(chartDir, "templates");
  const names = readdirSync(dir).sort();
  const templates = new ChartTemplates(
    Object.fromEntries(names.map((n) => [`templates/${n}`, readFileSync(join(dir, n), "utf8")])),
    opts.cluster,
  );
  const Chart = Object.fromEntries(
    Object.entries(chart).map(([k, v]) => [k[0].toUpperCase() + k.slice(1), v]),
  );
  const ctx = {
    Values: merge(defaults, values) as Record<string, unknown>,
    Release: { Name: release, Namespace: "default", Service: "Helm", IsInstall: true, IsUpgrade: false },
    Chart,
  };
  const manifests: Manifest[] = [];
  let notes = "";
  for (const n of names) {
    if (n.startsWith("_")) continue;
    const text = templates.render(`templates/${n}`, ctx);
    if (n === "NOTES.txt") {
      notes = text;
      continue;
    }
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0)
        throw new Error(`templates/${n} is not valid YAML: ${doc.errors[0].message}\n${text}`);
      const obj = doc.toJS() as Manifest | null;
      if (obj) manifests.push(obj);
    }
  }
  return {
    manifests,
    notes,
    one(kind) {
      const found = manifests.filter((m) => m.kind === kind);
      if (found.length > 1) throw new Error(`${found.length} objects of kind ${kind}`);
      return found[0];
    },
  };
}
