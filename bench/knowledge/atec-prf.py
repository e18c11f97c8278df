"""Query-side feedback for atec-faq (issue 6, idea c): the query vector moved towards the vectors of
hybrid search's own top k (which mixes BM25 and vector evidence), then searched and fused again.

Usage: python3 bench/knowledge/atec-prf.py <dumpDir from atec-rerank-dump.ts> <seed> [--test]
Prints dev recall@5 of hybrid and of each feedback setting (k, beta).
"""

import importlib.util
import sys

import numpy as np

spec = importlib.util.spec_from_file_location("rr", __file__.replace("atec-prf.py", "atec-rerank.py"))
src = open(spec.origin, encoding="utf8").read().split("# ---- training queries ----")[0]
show_test = "--test" in sys.argv
sys.argv = [sys.argv[0], sys.argv[1], sys.argv[2]] + (["--test"] if show_test else [])
ns = {"__name__": "rr", "__file__": spec.origin}
exec(src, ns)  # the first stage exactly as atec-rerank.py builds it
qrel, dev, test, hyb = ns["qrel"], ns["dev"], ns["test"], ns["hyb_docs"]
Qe, Ce, bk, bs, convex, vec_top = ns["Qe_full"], ns["Ce_full"], ns["bk_e"], ns["bs_e"], ns["convex"], ns["vec_top"]

for k in (3, 5, 10):
    fb = np.stack([Ce[h[:k]].mean(0) for h in hyb])
    for beta in (0.2, 0.5, 1.0):
        q2 = Qe + beta * fb
        q2 /= np.linalg.norm(q2, axis=1, keepdims=True)
        vk, vs = vec_top(q2.astype(np.float32), Ce)
        rd = [[d for d, _ in convex(bk[i], bs[i], vk[i], vs[i])] for i in range(len(qrel))]
        r = np.mean([qrel[i] in rd[i][:5] for i in dev])
        line = f"hybrid feedback k {k:2d} beta {beta}: dev r@5 {r:.4f}"
        if show_test:
            line += f"  test {np.mean([qrel[i] in rd[i][:5] for i in test]):.4f}"
        print(line, flush=True)
