/**
 * The metric selectors of a PromQL expression, as far as alert rules and dashboards use PromQL:
 * enough to tell which metric names and label matchers a rule depends on, not a parser.
 */
export interface Selector {
  metric: string;
  matchers: { label: string; op: "=" | "!=" | "=~" | "!~"; value: string }[];
}

const KEYWORDS = new Set(["and", "or", "unless", "bool", "offset", "inf", "nan"]);

/** Grafana's variables replaced by what Prometheus would see, so the expression is plain PromQL. */
export function fromGrafana(expr: string): string {
  return expr.replace(/\$__rate_interval|\$__interval|\$__range/g, "5m");
}

export function selectors(expr: string): Selector[] {
  const found: Selector[] = [];
  // Label lists of aggregations and vector matching name labels, not metrics.
  let rest = expr.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  rest = rest.replace(
    /([a-zA-Z_:][\w:]*)?\s*\{([^}]*)\}/g,
    (_all, metric: string | undefined, body: string) => {
      const matchers: Selector["matchers"] = [];
      for (const m of body.matchAll(/([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g))
        matchers.push({ label: m[1], op: m[2] as Selector["matchers"][number]["op"], value: m[3] });
      const named = matchers.find((m) => m.label === "__name__" && m.op === "=");
      const name = metric ?? named?.value;
      if (!name) throw new Error(`a selector without a metric name in ${expr}`);
      found.push({ metric: name, matchers: matchers.filter((m) => m.label !== "__name__") });
      // A following `(` must not make the name look like a function.
      return " ";
    },
  );
  rest = rest
    .replace(/"(?:[^"\\]|\\.)*"/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/gi, " ");
  for (const m of rest.matchAll(/([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    if (m[2] || KEYWORDS.has(m[1].toLowerCase())) continue;
    found.push({ metric: m[1], matchers: [] });
  }
  return found;
}
