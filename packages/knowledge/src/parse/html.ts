import * as cheerio from "cheerio";
import type { AnyNode, Element } from "domhandler";
import { decodeOrThrow, titleFromName } from "./text.ts";
import type { Block, DocumentParser, ParsedDocument } from "./types.ts";

const NOISE =
  "script,style,noscript,template,svg,nav,header,footer,aside,form,iframe,[aria-hidden=true],[role=navigation]";

export interface HtmlContent {
  title: string;
  blocks: Block[];
  links: string[];
}

/**
 * The main content of a page as blocks: boilerplate (navigation, header, footer, forms) is
 * removed, and the content root is <main>, <article> or [role=main] when the page has one.
 */
export function parseHtml(html: string): HtmlContent {
  const $ = cheerio.load(html);
  const links = $("a[href]")
    .map((_, a) => $(a).attr("href") ?? "")
    .get()
    .filter(Boolean);
  const title = $("title").first().text().trim() || $("h1").first().text().trim();
  $(NOISE).remove();
  const root = $("main").first().length
    ? $("main").first()
    : $("article").first().length
      ? $("article").first()
      : $("[role=main]").first().length
        ? $("[role=main]").first()
        : $("body").first().length
          ? $("body").first()
          : $.root();
  const blocks: Block[] = [];
  const clean = (s: string) => s.replace(/\s+/g, " ").trim();
  const walk = (node: AnyNode) => {
    if (node.type !== "tag") return;
    const el = node as Element;
    const tag = el.tagName.toLowerCase();
    const h = tag.match(/^h([1-6])$/);
    if (h) {
      const text = clean($(el).text());
      if (text) blocks.push({ kind: "heading", level: Number(h[1]), text });
      return;
    }
    if (tag === "table") {
      const rows = $(el)
        .find("tr")
        .map((_, tr) =>
          $(tr)
            .find("th,td")
            .map((__, c) => clean($(c).text()))
            .get()
            .join(" | "),
        )
        .get()
        .filter((r) => r.replace(/[|\s]/g, ""));
      if (rows.length) blocks.push({ kind: "table", rows });
      return;
    }
    if (tag === "pre") {
      const text = $(el).text().trim();
      if (text) blocks.push({ kind: "paragraph", text });
      return;
    }
    if (
      tag === "p" ||
      tag === "li" ||
      tag === "dt" ||
      tag === "dd" ||
      tag === "blockquote" ||
      tag === "figcaption"
    ) {
      // A list item or paragraph that holds block children is walked instead, so nested
      // headings and tables keep their structure.
      if ($(el).children("p,ul,ol,table,h1,h2,h3,h4,h5,h6,div").length === 0) {
        const text = clean($(el).text());
        if (text) blocks.push({ kind: "paragraph", text });
        return;
      }
    }
    const before = blocks.length;
    for (const child of el.children) walk(child);
    // Text sitting directly in a <div> or <section> (no <p>) is content too.
    if (blocks.length === before && (tag === "div" || tag === "section" || tag === "td" || tag === "span")) {
      const text = clean($(el).text());
      if (text) blocks.push({ kind: "paragraph", text });
    }
  };
  const rootNode = (root as unknown as { get(i: number): unknown }).get(0) as
    | { children?: AnyNode[] }
    | undefined;
  for (const child of rootNode?.children ?? []) {
    if (child.type === "text") {
      const text = clean((child as unknown as { data: string }).data);
      if (text) blocks.push({ kind: "paragraph", text });
    } else walk(child);
  }
  return { title, blocks, links };
}

export const htmlParser: DocumentParser = {
  name: "html",
  extensions: [".html", ".htm", ".xhtml"],
  mimeTypes: ["text/html", "application/xhtml+xml"],
  async parse(bytes, ctx): Promise<ParsedDocument[]> {
    const { title, blocks } = parseHtml(decodeOrThrow(bytes));
    return [{ title: title || titleFromName(ctx.name), blocks }];
  },
};
