/**
 * A Server-Sent Events reader for OpenAI-style streams. Servers differ in small ways (vLLM,
 * SGLang, Ollama, llama-server): `data:` with or without a space, CRLF or LF, comment lines as
 * keep-alives, `event:` lines, a data field split over several lines. Per the SSE spec an event
 * ends at a blank line and its data lines are joined with "\n".
 */
export class SseParser {
  private buffer = "";
  /** The current event's data lines joined with "\n"; null before its first data line. */
  private data: string | null = null;

  /** Feed decoded text; returns the data payloads of every event completed by it. */
  push(text: string): string[] {
    // Lines are read in place: only a data line's value is sliced out (per-line strings were the
    // largest allocation of a proxied request).
    const buf = this.buffer === "" ? text : this.buffer + text;
    const events: string[] = [];
    let start = 0;
    for (;;) {
      const nl = buf.indexOf("\n", start);
      if (nl < 0) break;
      const end = nl > start && buf.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.line(buf, start, end, events);
      start = nl + 1;
    }
    this.buffer = start === 0 ? buf : buf.slice(start);
    return events;
  }

  /** End of body: a last event without its blank line still counts. */
  end(): string[] {
    const events: string[] = [];
    const buf = this.buffer;
    if (buf.length > 0) this.line(buf, 0, buf.endsWith("\r") ? buf.length - 1 : buf.length, events);
    this.buffer = "";
    this.line("", 0, 0, events);
    return events;
  }

  /** One line, buf[start, end) without its line break. */
  private line(buf: string, start: number, end: number, events: string[]): void {
    if (start === end) {
      if (this.data !== null) events.push(this.data);
      this.data = null;
      return;
    }
    // Only data lines matter: "data:value", "data: value", or a bare "data" (an empty value);
    // comments (":"), event:, id: and retry: lines are skipped.
    if (!buf.startsWith("data", start)) return;
    let from = start + 4;
    if (from < end) {
      if (buf.charCodeAt(from) !== 58 /* : */) return;
      from++;
      if (from < end && buf.charCodeAt(from) === 32 /* space */) from++;
    }
    const value = buf.slice(from, end);
    this.data = this.data === null ? value : `${this.data}\n${value}`;
  }
}
