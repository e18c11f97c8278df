import type { Citation } from "./chat-state.ts";

/** A citation's label: the document title and, when it adds something, the section (without repeating the title). */
export function citationLabel(c: Pick<Citation, "title" | "section">): string {
  if (!c.section) return c.title;
  const section = c.section.startsWith(`${c.title} > `) ? c.section.slice(c.title.length + 3) : c.section;
  return section === c.title ? c.title : `${c.title} · ${section}`;
}

/** What the source viewer shows: the cited document with the cited span marked. */
export interface SourceView {
  title: string;
  before: string;
  cited: string;
  after: string;
}

/** Cuts a document around the cited offsets so the viewer can mark the span; long texts are trimmed around it. */
export function sourceView(doc: { title: string; text: string }, c: Citation, context = 600): SourceView {
  const start = Math.max(0, Math.min(c.start, doc.text.length));
  const end = Math.max(start, Math.min(c.end, doc.text.length));
  const from = Math.max(0, start - context);
  const to = Math.min(doc.text.length, end + context);
  return {
    title: citationLabel({ title: doc.title, section: c.section }),
    before: (from > 0 ? "… " : "") + doc.text.slice(from, start),
    cited: doc.text.slice(start, end),
    after: doc.text.slice(end, to) + (to < doc.text.length ? " …" : ""),
  };
}
