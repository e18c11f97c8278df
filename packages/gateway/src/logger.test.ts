import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createGatewayLogger } from "./logger.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function logFile(): { file: string; fd: number } {
  const dir = mkdtempSync(join(tmpdir(), "seekdesk-log-"));
  dirs.push(dir);
  const file = join(dir, "out.log");
  return { file, fd: openSync(file, "w") };
}

describe("createGatewayLogger", () => {
  it("writes every line whole and in order, multi-byte text included, a write still under way at close too", async () => {
    const { file, fd } = logFile();
    const { logger, close } = createGatewayLogger("info", fd);
    // ~200 lines of 100+ bytes each: well past the 4 KiB write threshold, several times.
    for (let i = 0; i < 200; i++) logger.info({ i, text: `退货申请 #${i} — ünïcödé ✓` }, "request");
    await close();
    closeSync(fd);
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(200);
    const parsed = lines.map(
      (l) => JSON.parse(l) as { i: number; text: string; service: string; msg: string },
    );
    expect(parsed.map((p) => p.i)).toEqual([...Array(200).keys()]);
    expect(parsed[137]).toMatchObject({
      text: "退货申请 #137 — ünïcödé ✓",
      service: "seekdesk",
      msg: "request",
    });
  });

  it("holds a short line until flushed, then writes it", async () => {
    const { file, fd } = logFile();
    const { logger, flush, close } = createGatewayLogger("info", fd);
    logger.info({ one: 1 }, "hello");
    expect(readFileSync(file, "utf8")).toBe("");
    await flush();
    expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ one: 1, msg: "hello" });
    await close();
    closeSync(fd);
  });
});
