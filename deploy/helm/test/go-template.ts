/**
 * The part of Go's text/template and of Helm's functions that our chart uses, so that tests can
 * render it where the `helm` binary cannot be installed (neither Debian nor npm ships it). It
 * follows Go where a chart author could be caught out: `{{-`/`-}}` trimming, Go truthiness,
 * values' numbers being float64 while literals and `int`/`add`/`div` give int64 (comparing the two
 * is an error, as in Helm), a field of a missing map being an error, and `fail`. Anything it does
 * not know (a function, a keyword) is an error naming it, never a silent empty string: extend it
 * when the chart needs more.
 */
import { stringify } from "yaml";

type Value = unknown;

class TemplateError extends Error {}

// ---- lexing: text and actions ---------------------------------------------------------------

type Piece = { kind: "text"; text: string } | { kind: "action"; src: string; at: number };

function split(src: string): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf("{{", i);
    let text = open < 0 ? src.slice(i) : src.slice(i, open);
    if (trimNext) text = text.replace(/^\s+/, "");
    trimNext = false;
    if (open < 0) {
      out.push({ kind: "text", text });
      break;
    }
    let start = open + 2;
    if (/^- /.test(src.slice(start, start + 2)) || src.slice(start, start + 2) === "-\n") {
      text = text.replace(/\s+$/, "");
      start += 1;
    }
    out.push({ kind: "text", text });
    // Find the closing braces outside string literals.
    let j = start;
    let quote: string | null = null;
    while (j < src.length) {
      const ch = src[j];
      if (quote) {
        if (ch === "\\" && quote === '"') j++;
        else if (ch === quote) quote = null;
      } else if (ch === '"' || ch === "`") quote = ch;
      else if (src.startsWith("}}", j)) break;
      j++;
    }
    if (j >= src.length) throw new TemplateError(`unclosed action at offset ${open}`);
    let body = src.slice(start, j);
    if (/\s-$/.test(body)) {
      body = body.slice(0, -1);
      trimNext = true;
    }
    out.push({ kind: "action", src: body.trim(), at: open });
    i = j + 2;
  }
  return out;
}

// ---- expressions ----------------------------------------------------------------------------

type Arg =
  | { t: "field"; base: "dot" | string; path: string[] } // .A.B or $x.A.B ($ alone: base "$")
  | { t: "ident"; name: string }
  | { t: "lit"; value: Value }
  | { t: "sub"; pipe: Pipeline };
type Command = Arg[];
interface Pipeline {
  decl: string | null;
  cmds: Command[];
}

const TOKEN =
  /\s*(?:("(?:[^"\\]|\\.)*")|(`[^`]*`)|(-?\d+\.\d+(?:e[+-]?\d+)?)|(-?\d+)|(\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)|(\.(?:[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)?)|([A-Za-z_][A-Za-z0-9_]*)|(:=|\||\(|\)))/y;

function tokenize(src: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < src.length) {
    if (/^\s*$/.test(src.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(src);
    if (!m) throw new TemplateError(`cannot read "${src.slice(at)}" in {{ ${src} }}`);
    out.push(m[0].trim());
  }
  return out;
}

function parsePipeline(tokens: string[], pos = { i: 0 }, stopAtParen = false): Pipeline {
  let decl: string | null = null;
  if (/^\$[A-Za-z0-9_]+$/.test(tokens[pos.i] ?? "") && tokens[pos.i + 1] === ":=") {
    decl = tokens[pos.i];
    pos.i += 2;
  }
  const cmds: Command[] = [[]];
  while (pos.i < tokens.length) {
    const tok = tokens[pos.i++];
    const cmd = cmds[cmds.length - 1];
    if (tok === ")") {
      if (!stopAtParen) throw new TemplateError("unexpected )");
      return { decl, cmds };
    }
    if (tok === "|") cmds.push([]);
    else if (tok === "(") cmd.push({ t: "sub", pipe: parsePipeline(tokens, pos, true) });
    else if (tok.startsWith('"')) cmd.push({ t: "lit", value: JSON.parse(tok) });
    else if (tok.startsWith("`")) cmd.push({ t: "lit", value: tok.slice(1, -1) });
    else if (/^-?\d+\.\d+/.test(tok)) cmd.push({ t: "lit", value: Number(tok) });
    else if (/^-?\d+$/.test(tok)) cmd.push({ t: "lit", value: BigInt(tok) });
    else if (tok === "true" || tok === "false") cmd.push({ t: "lit", value: tok === "true" });
    else if (tok === "nil") cmd.push({ t: "lit", value: null });
    else if (tok.startsWith("$")) {
      const [base, ...path] = tok.split(".");
      cmd.push({ t: "field", base, path });
    } else if (tok.startsWith("."))
      cmd.push({ t: "field", base: "dot", path: tok.slice(1).split(".").filter(Boolean) });
    else cmd.push({ t: "ident", name: tok });
  }
  if (stopAtParen) throw new TemplateError("missing )");
  return { decl, cmds };
}

// ---- templates ------------------------------------------------------------------------------

type Node =
  | { t: "text"; text: string }
  | { t: "out"; pipe: Pipeline }
  | { t: "if" | "with"; pipe: Pipeline; yes: Node[]; no: Node[] }
  | { t: "range"; pipe: Pipeline; vars: string[]; body: Node[]; no: Node[] };

class Parser {
  private i = 0;
  constructor(
    private readonly pieces: Piece[],
    private readonly defines: Map<string, Node[]>,
    private readonly file: string,
  ) {}

  /** Parses until `end` or `else` (returned so the caller can tell which). */
  list(): { nodes: Node[]; stop: string | null } {
    const nodes: Node[] = [];
    while (this.i < this.pieces.length) {
      const p = this.pieces[this.i++];
      if (p.kind === "text") {
        if (p.text) nodes.push({ t: "text", text: p.text });
        continue;
      }
      const src = p.src;
      if (src.startsWith("/*")) continue;
      const word = /^[a-z]+/.exec(src)?.[0] ?? "";
      const rest = src.slice(word.length).trim();
      const where = `${this.file} at offset ${p.at}`;
      if (word === "end") return { nodes, stop: "end" };
      if (word === "else") {
        this.pending = rest;
        return { nodes, stop: "else" };
      }
      if (word === "if" || word === "with") nodes.push(this.branch(word, rest));
      else if (word === "range") {
        const tokens = tokenize(rest);
        const vars: string[] = [];
        const assign = tokens.indexOf(":=");
        if (assign >= 0) for (const v of tokens.splice(0, assign + 1)) if (v.startsWith("$")) vars.push(v);
        const body = this.list();
        let other: Node[] = [];
        if (body.stop === "else") other = this.expectEnd(this.list(), where);
        else if (body.stop !== "end") throw new TemplateError(`range without end in ${where}`);
        nodes.push({ t: "range", pipe: parsePipeline(tokens), vars, body: body.nodes, no: other });
      } else if (word === "define") {
        const name = JSON.parse(rest) as string;
        this.defines.set(name, this.expectEnd(this.list(), where));
      } else if (["block", "template", "break", "continue"].includes(word) && !rest.startsWith("("))
        throw new TemplateError(`{{ ${word} }} is not supported by this renderer (${where})`);
      else nodes.push({ t: "out", pipe: parsePipeline(tokenize(src)) });
    }
    return { nodes, stop: null };
  }

  private pending = "";

  private branch(kind: "if" | "with", cond: string): Node {
    const where = `${this.file}`;
    const then = this.list();
    let other: Node[] = [];
    if (then.stop === "else") {
      const tail = this.pending;
      if (tail.startsWith("if ") || tail.startsWith("with ")) {
        const k = tail.startsWith("if ") ? "if" : "with";
        other = [this.branch(k, tail.slice(k.length).trim())];
      } else other = this.expectEnd(this.list(), where);
    } else if (then.stop !== "end") throw new TemplateError(`${kind} without end in ${where}`);
    return { t: kind, pipe: parsePipeline(tokenize(cond)), yes: then.nodes, no: other };
  }

  private expectEnd(r: { nodes: Node[]; stop: string | null }, where: string): Node[] {
    if (r.stop !== "end") throw new TemplateError(`missing {{ end }} in ${where}`);
    return r.nodes;
  }
}

// ---- evaluation -----------------------------------------------------------------------------

function truth(v: Value): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "bigint") return v !== 0n;
  if (typeof v === "string" || Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
}

/** Go's `%v` of a float64: shortest digits, exponent form from 1e+06 (so 1000000 prints 1e+06). */
function formatFloat(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (!Number.isFinite(f)) return f > 0 ? "+Inf" : "-Inf";
  if (f === 0) return "0";
  const [mant, e] = f.toExponential().split("e");
  const exp = Number(e);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? "-" : "+";
    return `${mant}e${sign}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  return String(f);
}

function print(v: Value): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return formatFloat(v);
  if (typeof v === "string" || typeof v === "bigint" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(print).join(" ")}]`;
  return `map[${Object.entries(v as object)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, x]) => `${k}:${print(x)}`)
    .join(" ")}]`;
}

/** sprig's toInt64 (via spf13/cast): floats truncate, strings parse, the rest is 0. */
function toInt(v: Value): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return BigInt(Math.trunc(v));
  if (typeof v === "boolean") return v ? 1n : 0n;
  if (typeof v === "string" && /^-?\d+$/.test(v.trim())) return BigInt(v.trim());
  return 0n;
}

function compare(name: string, a: Value, b: Value): number {
  const kind = (x: Value) => (typeof x === "bigint" ? "int" : typeof x === "number" ? "float" : typeof x);
  if (kind(a) !== kind(b))
    throw new TemplateError(
      `error calling ${name}: incompatible types for comparison (${kind(a)} and ${kind(b)}: wrap values' numbers in int)`,
    );
  if (!["int", "float", "string"].includes(kind(a)))
    throw new TemplateError(`error calling ${name}: invalid type for comparison`);
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

function eq(a: Value, b: Value): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  if (typeof a === "boolean" && typeof b === "boolean") return a === b;
  return compare("eq", a, b) === 0;
}

function indent(n: Value, s: Value): string {
  const pad = " ".repeat(Number(toInt(n)));
  return pad + String(s).replaceAll("\n", `\n${pad}`);
}

type Scope = Map<string, Value>;

export interface RenderContext {
  Values: Record<string, unknown>;
  Release: { Name: string; Namespace: string; Service: string; IsInstall: boolean; IsUpgrade: boolean };
  Chart: Record<string, unknown>;
  Capabilities?: Record<string, unknown>;
}

/** What Helm's `lookup` finds in the cluster; `helm template` sees no cluster and finds nothing. */
export type Lookup = (apiVersion: string, kind: string, namespace: string, name: string) => unknown;

export class ChartTemplates {
  private readonly defines = new Map<string, Node[]>();
  private readonly files = new Map<string, Node[]>();

  /** Parses every file first, so any file may include a template defined in another (as Helm does). */
  constructor(
    files: Record<string, string>,
    private readonly lookup: Lookup = () => undefined,
  ) {
    for (const [name, src] of Object.entries(files)) {
      const r = new Parser(split(src), this.defines, name).list();
      if (r.stop !== null) throw new TemplateError(`unexpected {{ ${r.stop} }} in ${name}`);
      this.files.set(name, r.nodes);
    }
  }

  render(file: string, ctx: RenderContext): string {
    const nodes = this.files.get(file);
    if (!nodes) throw new TemplateError(`no template ${file}`);
    return this.run(nodes, ctx, ctx, new Map());
  }

  /** `root` is what `$` names: the data the file or the included template was given. */
  private run(nodes: Node[], dot: Value, root: Value, scope: Scope): string {
    let out = "";
    for (const n of nodes) {
      if (n.t === "text") out += n.text;
      else if (n.t === "out") {
        const v = this.pipe(n.pipe, dot, root, scope);
        if (!n.pipe.decl) out += print(v);
      } else if (n.t !== "range") {
        const inner = new Map(scope);
        const v = this.pipe(n.pipe, dot, root, inner);
        if (!truth(v)) out += this.run(n.no, dot, root, inner);
        else out += this.run(n.yes, n.t === "with" ? v : dot, root, inner);
      } else {
        const v = this.pipe(n.pipe, dot, root, scope);
        const entries: [Value, Value][] = Array.isArray(v)
          ? v.map((x, i) => [BigInt(i), x])
          : v && typeof v === "object"
            ? Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))
            : [];
        if (entries.length === 0) out += this.run(n.no, dot, root, scope);
        for (const [k, x] of entries) {
          const inner = new Map(scope);
          if (n.vars.length === 1) inner.set(n.vars[0], x);
          if (n.vars.length === 2) {
            inner.set(n.vars[0], k);
            inner.set(n.vars[1], x);
          }
          out += this.run(n.body, x, root, inner);
        }
      }
    }
    return out;
  }

  private pipe(p: Pipeline, dot: Value, root: Value, scope: Scope): Value {
    let piped: Value;
    let first = true;
    for (const cmd of p.cmds) {
      piped = this.command(cmd, dot, root, scope, first ? undefined : { value: piped });
      first = false;
    }
    if (p.decl) scope.set(p.decl, piped);
    return piped;
  }

  private command(
    cmd: Command,
    dot: Value,
    root: Value,
    scope: Scope,
    piped: { value: Value } | undefined,
  ): Value {
    const [head, ...rest] = cmd;
    if (!head) throw new TemplateError("empty command");
    if (head.t !== "ident") {
      if (rest.length > 0 || piped) throw new TemplateError("can't give arguments to a non-function");
      return this.arg(head, dot, root, scope);
    }
    if ((head.name === "and" || head.name === "or") && !piped) {
      // Since Go 1.18 (Helm 3.8) these stop at the first argument that decides, so
      // `and $x $x.field` is safe when $x is empty.
      let v: Value;
      for (const a of rest) {
        v = this.arg(a, dot, root, scope);
        if (truth(v) === (head.name === "or")) return v;
      }
      return v;
    }
    const args = rest.map((a) => this.arg(a, dot, root, scope));
    if (piped) args.push(piped.value);
    return this.call(head.name, args);
  }

  private arg(a: Arg, dot: Value, root: Value, scope: Scope): Value {
    if (a.t === "lit") return a.value;
    if (a.t === "sub") return this.pipe(a.pipe, dot, root, new Map(scope));
    if (a.t === "ident") return this.call(a.name, []);
    let v: Value;
    if (a.base === "dot") v = dot;
    else if (a.base === "$") v = root;
    else {
      if (!scope.has(a.base)) throw new TemplateError(`undefined variable "${a.base}"`);
      v = scope.get(a.base);
    }
    let seen = a.base === "dot" ? "" : a.base;
    for (const key of a.path) {
      if (v === null || v === undefined || typeof v !== "object" || Array.isArray(v))
        throw new TemplateError(`nil pointer evaluating ${seen || "."}.${key}`);
      v = (v as Record<string, unknown>)[key];
      seen += `.${key}`;
    }
    return v;
  }

  private call(name: string, args: Value[]): Value {
    const arity = (n: number) => {
      if (args.length !== n)
        throw new TemplateError(`wrong number of args for ${name}: want ${n} got ${args.length}`);
    };
    switch (name) {
      case "include": {
        arity(2);
        const body = this.defines.get(String(args[0]));
        if (!body) throw new TemplateError(`no template "${String(args[0])}" associated with template`);
        return this.run(body, args[1], args[1], new Map());
      }
      case "fail":
        arity(1);
        throw new HelmFail(String(args[0]));
      case "required":
        arity(2);
        if (args[1] === null || args[1] === undefined || args[1] === "") throw new HelmFail(String(args[0]));
        return args[1];
      case "and":
        return args.find((x) => !truth(x)) ?? args[args.length - 1];
      case "or":
        return args.find((x) => truth(x)) ?? args[args.length - 1];
      case "not":
        arity(1);
        return !truth(args[0]);
      case "eq":
        return args.slice(1).some((b) => eq(args[0], b));
      case "ne":
        arity(2);
        return !eq(args[0], args[1]);
      case "lt":
        arity(2);
        return compare(name, args[0], args[1]) < 0;
      case "le":
        arity(2);
        return compare(name, args[0], args[1]) <= 0;
      case "gt":
        arity(2);
        return compare(name, args[0], args[1]) > 0;
      case "ge":
        arity(2);
        return compare(name, args[0], args[1]) >= 0;
      case "int":
      case "int64":
        arity(1);
        return toInt(args[0]);
      case "add":
        return args.reduce<bigint>((s, x) => s + toInt(x), 0n);
      case "sub":
        arity(2);
        return toInt(args[0]) - toInt(args[1]);
      case "mul":
        return args.reduce<bigint>((s, x) => s * toInt(x), 1n);
      case "div":
        arity(2);
        return toInt(args[0]) / toInt(args[1]);
      case "ternary":
        arity(3);
        if (typeof args[2] !== "boolean")
          throw new TemplateError("error calling ternary: the test must be a bool");
        return args[2] ? args[0] : args[1];
      case "toString":
        arity(1);
        return print(args[0]);
      case "list":
        return args;
      case "join":
        // sprig's join: a list's items printed and joined; anything else as one item, nil as none.
        arity(2);
        if (args[1] === null || args[1] === undefined) return "";
        return (Array.isArray(args[1]) ? args[1] : [args[1]]).map(print).join(print(args[0]));
      case "has":
        arity(2);
        if (!Array.isArray(args[1])) return false;
        return args[1].some((x) => x === args[0]);
      case "lookup":
        arity(4);
        // A map, empty when not found: in a template `if $found` is how charts test for it.
        return this.lookup(String(args[0]), String(args[1]), String(args[2]), String(args[3])) ?? {};
      case "default":
        arity(2);
        return truth(args[1]) ? args[1] : args[0];
      case "empty":
        arity(1);
        return !truth(args[0]);
      case "quote":
        return args
          .filter((x) => x !== null && x !== undefined)
          .map((x) => JSON.stringify(print(x)))
          .join(" ");
      case "squote":
        return args
          .filter((x) => x !== null && x !== undefined)
          .map((x) => `'${print(x)}'`)
          .join(" ");
      case "indent":
        arity(2);
        return indent(args[0], args[1]);
      case "nindent":
        arity(2);
        return `\n${indent(args[0], args[1])}`;
      case "toYaml":
        arity(1);
        return stringify(args[0], (_k, v: unknown) => (typeof v === "bigint" ? Number(v) : v), {
          sortMapEntries: true,
          indentSeq: false,
        }).replace(/\n$/, "");
      case "printf": {
        const [format, ...rest] = args;
        let k = 0;
        return String(format).replace(/%([svdq%])/g, (_m, verb: string) => {
          if (verb === "%") return "%";
          const x = rest[k++];
          return verb === "q" ? JSON.stringify(print(x)) : print(x);
        });
      }
      default:
        throw new TemplateError(
          `function "${name}" not defined (this renderer knows only what the chart uses)`,
        );
    }
  }
}

/** What `fail` and `required` raise: the chart refusing its values, with the chart's message. */
export class HelmFail extends Error {}
