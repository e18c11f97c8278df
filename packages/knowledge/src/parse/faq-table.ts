import { csvRecords } from "@seekdesk/core/csv.ts";
import ExcelJS from "exceljs";
import { decodeOrThrow, titleFromName } from "./text.ts";
import { type DocumentParser, type ParsedDocument, ParseError } from "./types.ts";

const QUESTION = /^(q|question|questions|问题|问|标准问|标准问题|提问|title|标题)$/i;
const ANSWER = /^(a|answer|answers|答案|答|回答|标准答案|回复|content|内容)$/i;

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines. */
export function parseCsv(text: string): string[][] {
  const delim =
    (text.split("\n", 1)[0] ?? "").includes("\t") && !text.split("\n", 1)[0]?.includes(",") ? "\t" : ",";
  return csvRecords(text, delim).filter((r) => r.some((f) => f.trim() !== ""));
}

/**
 * Rows with a question and an answer column become one FAQ document each (so one FAQ entry is
 * one citation); any other table becomes one document of table rows.
 */
export function rowsToDocuments(rows: string[][], name: string): ParsedDocument[] {
  const header = (rows[0] ?? []).map((h) => h.trim());
  const q = header.findIndex((h) => QUESTION.test(h));
  const a = header.findIndex((h) => ANSWER.test(h));
  if (q >= 0 && a >= 0 && q !== a) {
    const docs: ParsedDocument[] = [];
    rows.slice(1).forEach((r, i) => {
      const question = (r[q] ?? "").trim();
      const answer = (r[a] ?? "").trim();
      if (!question || !answer) return;
      docs.push({ title: question, key: `row${i + 2}`, blocks: [{ kind: "faq", question, answer }] });
    });
    if (docs.length === 0)
      throw new ParseError("the FAQ table has no rows with both a question and an answer", "empty");
    return docs;
  }
  const table = rows.map((r) => r.map((c) => c.trim()).join(" | "));
  if (table.length === 0) throw new ParseError("the table is empty", "empty");
  return [{ title: titleFromName(name), blocks: [{ kind: "table", rows: table }] }];
}

export const csvParser: DocumentParser = {
  name: "csv",
  extensions: [".csv", ".tsv"],
  mimeTypes: ["text/csv", "text/tab-separated-values"],
  async parse(bytes, ctx) {
    return rowsToDocuments(parseCsv(decodeOrThrow(bytes)), ctx.name);
  },
};

function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "object") {
    if ("richText" in v) return v.richText.map((r) => r.text).join("");
    if ("text" in v && typeof v.text === "string") return v.text;
    if ("result" in v) return String(v.result ?? "");
    if (v instanceof Date) return v.toISOString().slice(0, 10);
  }
  return String(v);
}

export const xlsxParser: DocumentParser = {
  name: "xlsx",
  extensions: [".xlsx"],
  mimeTypes: ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
  async parse(bytes, ctx) {
    if (bytes[0] === 0xd0 && bytes[1] === 0xcf)
      throw new ParseError("the workbook is encrypted or in the old .xls format", "encrypted");
    const wb = new ExcelJS.Workbook();
    try {
      await wb.xlsx.load(Buffer.from(bytes) as unknown as ArrayBuffer);
    } catch (err) {
      throw new ParseError(`unreadable XLSX: ${(err as Error).message}`, "unreadable");
    }
    const docs: ParsedDocument[] = [];
    for (const ws of wb.worksheets) {
      const rows: string[][] = [];
      ws.eachRow((row) => {
        const values = Array.isArray(row.values) ? row.values.slice(1) : [];
        rows.push(values.map((v) => cellText(v as ExcelJS.CellValue)));
      });
      if (rows.length === 0) continue;
      try {
        for (const d of rowsToDocuments(rows, ctx.name))
          docs.push({ ...d, key: `${ws.name}:${d.key ?? ""}` });
      } catch (err) {
        if (!(err instanceof ParseError)) throw err;
      }
    }
    if (docs.length === 0) throw new ParseError("the workbook has no readable rows", "empty");
    return docs;
  },
};
