import { describe, expect, it } from "vitest";
import { GgmlType } from "../gguf/ggml-types.ts";
import { quantizeRows } from "./codec.ts";
import { quantizeRowsParallel } from "./parallel.ts";

describe("quantizeRowsParallel", () => {
  it("gives the same bytes as quantizeRows, through real worker threads", async () => {
    const rowLength = 1024;
    const data = new Float32Array(rowLength * 1100); // > 1M values: the pool is used
    let s = 12345;
    for (let i = 0; i < data.length; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      data[i] = (s / 2 ** 32 - 0.5) * 0.1;
    }
    const parallel = await quantizeRowsParallel(GgmlType.Q6_K, data, rowLength, 2);
    const serial = quantizeRows(GgmlType.Q6_K, data, rowLength);
    expect(parallel.length).toBe(serial.length);
    expect(Buffer.compare(Buffer.from(parallel), Buffer.from(serial))).toBe(0);
  }, 120_000);
});
