import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "@seekdesk/core";
import { seededRandom } from "@seekdesk/core/random.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GgmlType } from "../gguf/ggml-types.ts";
import { quantizeRows } from "./index.ts";

/**
 * The strongest check there is: llama.cpp's own quantize_row_*_ref, compiled from the llama.cpp
 * source that node-llama-cpp ships (its git bundle), against ours on the same input.
 */
const HARNESS = `#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include "ggml-quants.h"
#include "ggml.h"
/* The reference quantizers never reach these ggml.c helpers; the linker still wants them. */
void ggml_abort(const char *file, int line, const char *fmt, ...) { abort(); }
size_t ggml_row_size(enum ggml_type type, int64_t ne) { abort(); }
const char *ggml_type_name(enum ggml_type type) { return ""; }
size_t ggml_type_size(enum ggml_type type) { abort(); }
int main(int argc, char **argv) {
  int t = atoi(argv[1]); long n = atol(argv[2]);
  float *x = malloc(n * 4); void *y = malloc(n * 2); size_t bytes = 0;
  if (fread(x, 4, n, stdin) != (size_t)n) return 2;
  switch (t) {
    case 8: quantize_row_q8_0_ref(x, y, n); bytes = n / 32 * 34; break;
    case 2: quantize_row_q4_0_ref(x, y, n); bytes = n / 32 * 18; break;
    case 6: quantize_row_q5_0_ref(x, y, n); bytes = n / 32 * 22; break;
    case 12: quantize_row_q4_K_ref(x, y, n); bytes = n / 256 * 144; break;
    case 14: quantize_row_q6_K_ref(x, y, n); bytes = n / 256 * 210; break;
    default: return 3;
  }
  fwrite(y, 1, bytes, stdout);
  return 0;
}
`;

let work = "";
let harness = "";

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "seekdesk-qref-"));
  const bundle = join(repoRoot, "node_modules", "node-llama-cpp", "llama", "gitRelease.bundle");
  const git = (args: string[]) => execFileSync("git", args, { cwd: work, encoding: "utf8" });
  git(["init", "-q"]);
  const head = git(["bundle", "unbundle", bundle]).trim().split(/\s+/)[0];
  const paths = [
    "ggml/include",
    "ggml/src/ggml-quants.c",
    "ggml/src/ggml-quants.h",
    "ggml/src/ggml-common.h",
  ];
  execFileSync(
    "sh",
    [
      "-c",
      `git archive ${head} ${paths.join(" ")} ggml/src/ggml-impl.h ggml/src/ggml-cpu/ggml-cpu-impl.h | tar x`,
    ],
    {
      cwd: work,
    },
  );
  writeFileSync(join(work, "harness.c"), HARNESS);
  harness = join(work, "harness");
  execFileSync(
    "gcc",
    [
      "-O2",
      "-w",
      "-Iggml/include",
      "-Iggml/src",
      "-Iggml/src/ggml-cpu",
      "harness.c",
      "ggml/src/ggml-quants.c",
      "-o",
      harness,
      "-lm",
    ],
    {
      cwd: work,
    },
  );
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function testTensor(seed: number): Float32Array {
  const r = seededRandom(seed);
  const n = 256 * 48;
  const x = new Float32Array(n);
  const scale = [0.02, 1, 300, 1e-7][seed % 4];
  for (let i = 0; i < n; i++)
    x[i] = scale * Math.sqrt(-2 * Math.log(Math.max(r(), 1e-12))) * Math.cos(2 * Math.PI * r());
  for (let b = 0; b < n; b += 2048) x.fill(0, b, b + 48); // all-zero blocks and sub-blocks
  for (let b = 700; b < n; b += 3001) x[b] = -scale * 500; // negative outliers
  for (let b = 1300; b < n; b += 2999) x[b] = scale * 800; // positive outliers
  return x;
}

describe("quantizers equal llama.cpp's compiled C reference (from node-llama-cpp's llama.cpp source)", () => {
  for (const type of [GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q5_0, GgmlType.Q4_K, GgmlType.Q6_K]) {
    it(`${GgmlType[type]} byte for byte`, () => {
      for (const seed of [1, 2, 3, 4]) {
        const x = testTensor(seed);
        const c = execFileSync(harness, [String(type), String(x.length)], {
          input: Buffer.from(x.buffer),
          maxBuffer: 1 << 26,
        });
        const ours = Buffer.from(quantizeRows(type, x, 512));
        expect(ours.length).toBe(c.length);
        const firstDiff = ours.findIndex((v, i) => v !== c[i]);
        expect(firstDiff, `seed ${seed}`).toBe(-1);
      }
    });
  }
});
