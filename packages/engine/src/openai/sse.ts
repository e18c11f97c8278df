/**
 * A Server-Sent Events reader for OpenAI-style streams. Servers differ in small ways (vLLM,
 * SGLang, Ollama, llama-server): `data:` with or without a space, CRLF or LF, comment lines as
 * keep-alives, `event:` lines, a data field split over several lines. Per the SSE spec an event
 * ends at a blank line and its data lines are joined with "\n".
 */
export class SseParser {
  private buffer = "";
  private data: string[] = [];

  /** Feed decoded text; returns the data payloads of every event completed by it. */
  push(text: string): string[] {
    this.buffer += text;
    const events: string[] = [];
    let start = 0;
    for (;;) {
      const nl = this.buffer.indexOf("\n", start);
      if (nl < 0) break;
      let line = this.buffer.slice(start, nl);
      start = nl + 1;
      if (line.endsWith("\r")) line = line.slice(0, -1);
      this.line(line, events);
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  /** End of body: a last event without its blank line still counts. */
  end(): string[] {
    const events: string[] = [];
    if (this.buffer.length > 0) this.line(this.buffer.replace(/\r$/, ""), events);
    this.buffer = "";
    this.line("", events);
    return events;
  }

  private line(line: string, events: string[]): void {
    if (line === "") {
      if (this.data.length > 0) events.push(this.data.join("\n"));
      this.data = [];
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
  }
}
