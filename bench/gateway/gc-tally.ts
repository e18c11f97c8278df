/**
 * Totals of V8's `--trace-gc-nvp` lines from one server process: bytes allocated, bytes that
 * survived and were promoted by scavenges, and scavenge pauses. What found the objects each proxied
 * request left behind past a scavenge (docs/API.md, Performance); `main.ts --gc` prints it per
 * request for the gateway and its peer.
 *
 * Lines come per isolate (a tsx loader thread has its own); the isolate that allocated most during
 * a window is taken as the server's.
 */
export interface GcTotals {
  allocated: number;
  survived: number;
  promoted: number;
  scavenges: number;
  pauseMs: number;
  maxPauseMs: number;
}

const empty = (): GcTotals => ({
  allocated: 0,
  survived: 0,
  promoted: 0,
  scavenges: 0,
  pauseMs: 0,
  maxPauseMs: 0,
});

function field(line: string, name: string): number {
  const m = new RegExp(`\\b${name}=([0-9.]+)`).exec(line);
  return m ? Number(m[1]) : 0;
}

export class GcTally {
  private readonly byIsolate = new Map<string, GcTotals>();

  /** Takes one line of the process's output; returns false if it is not a GC line. */
  feed(line: string): boolean {
    if (!line.includes(" pause=")) return false;
    const isolate = line.slice(0, line.indexOf("]") + 1);
    const t = this.byIsolate.get(isolate) ?? empty();
    this.byIsolate.set(isolate, t);
    t.allocated += field(line, "allocated");
    if (line.includes(" gc=s ")) {
      const pause = field(line, "pause");
      t.survived += field(line, "new_space_survived");
      t.promoted += field(line, "promoted");
      t.scavenges++;
      t.pauseMs += pause;
      t.maxPauseMs = Math.max(t.maxPauseMs, pause);
    }
    return true;
  }

  /** A copy of the running totals, to subtract from a later one. */
  snapshot(): Map<string, GcTotals> {
    return new Map([...this.byIsolate].map(([k, v]) => [k, { ...v }]));
  }

  /** What the busiest isolate did since `before` (its max pause is over the whole run). */
  since(before: Map<string, GcTotals>): GcTotals {
    let best = empty();
    for (const [k, now] of this.byIsolate) {
      const b = before.get(k) ?? empty();
      const d: GcTotals = {
        allocated: now.allocated - b.allocated,
        survived: now.survived - b.survived,
        promoted: now.promoted - b.promoted,
        scavenges: now.scavenges - b.scavenges,
        pauseMs: now.pauseMs - b.pauseMs,
        maxPauseMs: now.maxPauseMs,
      };
      if (d.allocated > best.allocated) best = d;
    }
    return best;
  }
}
