import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { demoDomainDir, domainExamples, loadDomain } from "./load.ts";

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

function copyOfDemo(): string {
  const dir = mkdtempSync(join(tmpdir(), "seekdesk-domain-"));
  temps.push(dir);
  cpSync(demoDomainDir, dir, { recursive: true });
  return dir;
}

describe("the demo shop domain", () => {
  const domain = loadDomain(demoDomainDir);

  it("has at least 30 intents with 12+ Chinese and 12+ English examples each", () => {
    expect(domain.intents.length).toBeGreaterThanOrEqual(30);
    for (const intent of domain.intents) {
      expect(intent.examples.zh.length, intent.name).toBeGreaterThanOrEqual(12);
      expect(intent.examples.en.length, intent.name).toBeGreaterThanOrEqual(12);
    }
    expect(domainExamples(domain).length).toBeGreaterThanOrEqual(30 * 24);
  });

  it("has no example shared by two intents", () => {
    const seen = new Map<string, string>();
    for (const e of domainExamples(domain)) {
      const key = e.text.toLowerCase();
      expect(seen.get(key) ?? e.intent, `"${e.text}"`).toBe(e.intent);
      seen.set(key, e.intent);
    }
  });

  it("covers every reply policy, slots and sensitive intents", () => {
    const types = new Set(domain.intents.map((i) => i.reply.type));
    expect([...types].sort()).toEqual(["action", "form", "handoff", "kb", "template"]);
    expect(domain.intents.filter((i) => i.sensitive).map((i) => i.name)).toContain("account_security");
    const slotted = domain.intents.filter((i) => i.slots.length > 0).map((i) => i.name);
    expect(slotted).toEqual(
      expect.arrayContaining(["track_order", "return_request", "schedule_delivery", "change_phone"]),
    );
  });

  it("ships knowledge articles in both languages with titles", () => {
    const zh = domain.articles.filter((a) => a.language === "zh");
    const en = domain.articles.filter((a) => a.language === "en");
    expect(zh.length).toBeGreaterThanOrEqual(10);
    expect(en.length).toBe(zh.length);
    expect(zh.find((a) => a.id === "zh/return-policy")?.title).toBe("退换货政策");
    expect(en.find((a) => a.id === "en/refund-times")?.text).toContain("Alipay");
  });

  it("loads the order table the lookup actions read", () => {
    expect(domain.tables.orders.some((row) => row.order_id === "SD20260001")).toBe(true);
  });
});

describe("loadDomain rejects a broken domain with the file and field", () => {
  it("reports a missing folder", () => {
    expect(() => loadDomain(join(tmpdir(), "no-such-domain-here"))).toThrow(/No domain.json/);
  });

  it("reports an intent that uses an undefined slot", () => {
    const dir = copyOfDemo();
    const file = join(dir, "intents", "orders.json");
    const data = JSON.parse(readFileSync(file, "utf8"));
    data.intents[0].slots.push({ name: "shoe_size", required: true });
    writeFileSync(file, JSON.stringify(data));
    expect(() => loadDomain(dir)).toThrow(/track_order uses the undefined slot shoe_size/);
  });

  it("reports a schema violation with its path", () => {
    const dir = copyOfDemo();
    const file = join(dir, "intents", "general.json");
    const data = JSON.parse(readFileSync(file, "utf8"));
    data.intents[1].reply = { type: "template" };
    writeFileSync(file, JSON.stringify(data));
    expect(() => loadDomain(dir)).toThrow(/general\.json: intents\.1\.reply\.text/);
  });

  it("trains the background out-of-scope class only when domain.json asks (the demo does)", () => {
    expect(loadDomain(demoDomainDir).backgroundOos).toBe(true);
    const dir = copyOfDemo();
    const file = join(dir, "domain.json");
    const { backgroundOos: _, ...rest } = JSON.parse(readFileSync(file, "utf8"));
    writeFileSync(file, JSON.stringify(rest));
    expect(loadDomain(dir).backgroundOos).toBe(false);
    writeFileSync(file, JSON.stringify({ ...rest, backgroundOos: "yes" }));
    expect(() => loadDomain(dir)).toThrow(/domain\.json: backgroundOos/);
  });

  it("reports invalid JSON", () => {
    const dir = copyOfDemo();
    writeFileSync(join(dir, "data", "orders.json"), "[{");
    expect(() => loadDomain(dir)).toThrow(/orders\.json/);
  });
});
