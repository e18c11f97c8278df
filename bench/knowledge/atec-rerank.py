"""Second-stage prototype for atec-faq (issue 6): a learned scorer over the hybrid candidates.

Reads what atec-rerank-dump.ts wrote (the product's BM25 lists and ParaphraseEmbedder vectors,
per seed: a full model for the evaluation queries and three fold models for the training
queries), builds the knowledge base's hybrid list (convex fusion, w 0.9, top 100 of each list,
exact cosines), and trains a listwise scorer on held-out-safe training queries: each side of a
label-1 pair, as a query over the corpus (itself excluded), scored by the fold embedder that never
saw the pair; the target is its labelled partner among the first-stage candidates.

Usage:
  npx tsx bench/knowledge/atec-rerank-dump.ts /tmp/atec-rr 1            # lists, pairs, seed-1 models
  npx tsx bench/knowledge/atec-rerank-dump.ts /tmp/atec-rr 2 embed-only # more seeds
  python3 bench/knowledge/atec-rerank.py /tmp/atec-rr <seed> [topn=30] [--test] <variant> ...
A variant is features:l2:epochs:lr, features a "+"-joined choice of dense (15 scalar features:
fused score and rank, normalised BM25 and its rank, cosine and its rank, gap to the best cosine,
list membership, character uni/bigram Jaccard, lengths, unshared bigram shares), prod (the
elementwise product of the two sentence vectors) and sparse (hashed indicators of each character
unigram/bigram shared by both texts or in only one); "hit" in it zeroes the features a product
Reranker would not see (BM25's own score and rank, the vector rank, list membership). E.g.
  python3 bench/knowledge/atec-rerank.py /tmp/atec-rr 1 topn=50 dense+prod+sparse:1e-2:200:0.05
Prints dev (even-numbered queries) recall@5 for BM25, vector, hybrid and each variant, with a
paired bootstrap of the difference to hybrid; test (odd) only with --test.
Needs numpy and scipy; minutes per variant on two cores.
"""

import json
import sys
import zlib

import numpy as np
import scipy.sparse as sp

D = sys.argv[1]
SEED = int(sys.argv[2])
ARGS = sys.argv[3:]
SHOW_TEST = "--test" in ARGS
ARGS = [a for a in ARGS if a != "--test"]
DS = "/work/shared/datasets/atec-faq"
DIM = 256
W = 0.9
DEPTH = 100

corpus = [json.loads(l)["text"] for l in open(f"{DS}/corpus.jsonl", encoding="utf8")]
ids = {json.loads(l)["id"]: i for i, l in enumerate(open(f"{DS}/corpus.jsonl", encoding="utf8"))}
qrecs = [json.loads(l) for l in open(f"{DS}/queries.jsonl", encoding="utf8")]
qtexts = [q["query"] for q in qrecs]
qrel = [ids[q["relevant"][0]] for q in qrecs]
pairs = json.load(open(f"{D}/pairs.json"))
anchors = json.load(open(f"{D}/anchors.json"))
N = len(corpus)


def load_bm(name, n):
    k = np.fromfile(f"{D}/{name}.keys.i32", dtype=np.int32).reshape(n, DEPTH)
    s = np.fromfile(f"{D}/{name}.scores.f32", dtype=np.float32).reshape(n, DEPTH)
    return k, s


def emb(name, n):
    return np.fromfile(f"{D}/{name}.f32", dtype=np.float32).reshape(n, DIM)


def vec_top(Q, C, self_idx=None):
    keys = np.zeros((len(Q), DEPTH), np.int32)
    scores = np.zeros((len(Q), DEPTH), np.float32)
    for s in range(0, len(Q), 512):
        S = Q[s : s + 512] @ C.T
        if self_idx is not None:
            S[np.arange(len(S)), self_idx[s : s + 512]] = -9
        p = np.argpartition(-S, DEPTH, axis=1)[:, :DEPTH]
        ps = np.take_along_axis(S, p, 1)
        o = np.argsort(-ps, axis=1, kind="stable")
        keys[s : s + 512] = np.take_along_axis(p, o, 1)
        scores[s : s + 512] = np.take_along_axis(ps, o, 1)
    return keys, scores


def convex(bk, bs, vk, vs, w=W):
    """The product's convexFusion for one query: BM25/best and cosine, floors for absent entries."""
    top = bs[0] if bs[0] > 0 else 1.0
    lex_floor = bs[-1] / top
    sem_floor = vs[-1]
    both = {}
    for k, s in zip(bk, bs):
        if k >= 0:
            both[int(k)] = [s / top, sem_floor]
    for k, s in zip(vk, vs):
        e = both.get(int(k))
        if e is not None:
            e[1] = s
        else:
            both[int(k)] = [lex_floor, s]
    items = sorted(both.items(), key=lambda kv: (-((1 - w) * kv[1][0] + w * kv[1][1]), kv[0]))
    return items


def grams(t):
    t = "".join(t.lower().split())
    return set(t), set(t[i : i + 2] for i in range(len(t) - 1))


def build(qtext_list, bk, bs, vk, vs, Qe, Ce, topn):
    """Candidates and features for each query: the hybrid top `topn`."""
    rows = []  # (query index, doc, features dense, sparse feature ids)
    for qi in range(len(qtext_list)):
        items = convex(bk[qi], bs[qi], vk[qi], vs[qi])[:topn]
        bpos = {int(k): r for r, k in enumerate(bk[qi]) if k >= 0}
        vpos = {int(k): r for r, k in enumerate(vk[qi])}
        q = qtext_list[qi]
        qu, qb = grams(q)
        coss = [float(Qe[qi] @ Ce[d]) for d, _ in items]
        best_cos = max(coss)
        cand = []
        for r, (d, (lex, sem)) in enumerate(items):
            t = corpus[d]
            du, db = grams(t)
            cos = coss[r]
            ju = len(qu & du) / max(1, len(qu | du))
            jb = len(qb & db) / max(1, len(qb | db))
            lq, ld = len(q), len(t)
            dense = [
                (1 - W) * lex + W * sem,
                lex,
                cos,
                best_cos - cos,
                np.log1p(r),
                np.log1p(bpos.get(d, 150)),
                np.log1p(vpos.get(d, 150)),
                float(d in bpos),
                ju,
                jb,
                min(lq, ld) / max(lq, ld, 1),
                np.log1p(abs(lq - ld)),
                np.log1p(ld),
                len(qb - db) / max(1, len(qb)),
                len(db - qb) / max(1, len(db)),
            ]
            cand.append((d, dense, qu, du, qb, db))
        rows.append(cand)
    return rows


NDENSE = 15
HB = 1 << 18


def h(s):
    return zlib.crc32(s.encode("utf8")) % HB


def matrices(rows, Qe, Ce, use_prod, use_sparse):
    dense, prod, sr, sc, group = [], [], [], [], []
    docs = []
    n = 0
    for qi, cand in enumerate(rows):
        for d, f, qu, du, qb, db in cand:
            dense.append(f)
            if use_prod:
                prod.append(Qe[qi] * Ce[d])
            if use_sparse:
                feats = set()
                for g in (qb & db) | (qu & du):
                    feats.add("s:" + g)
                for g in (qb ^ db):
                    feats.add("x:" + g)
                for g in (qu ^ du):
                    feats.add("x:" + g)
                for f2 in feats:
                    sr.append(n)
                    sc.append(h(f2))
            group.append(qi)
            docs.append(d)
            n += 1
    dense = np.asarray(dense, np.float32)
    if HIT_ONLY:
        # What a reranker sees in the product: the fused score and rank, and the texts.
        dense[:, [1, 5, 6, 7]] = 0
    X = [sp.csr_matrix(dense)]
    if use_prod:
        X.append(sp.csr_matrix(np.asarray(prod, np.float32) * 16))
    if use_sparse:
        X.append(sp.csr_matrix((np.ones(len(sr), np.float32), (sr, sc)), shape=(n, HB)))
    return sp.hstack(X).tocsr(), np.asarray(group), np.asarray(docs)


def train_listwise(X, group, y, l2=1e-4, epochs=30, lr=0.05, seed=0):
    """Softmax over each query's candidates, the labelled partner(s) as the target; Adam, full batch."""
    n, F = X.shape
    mu = np.zeros(F, np.float32)
    sd = np.ones(F, np.float32)
    # Standardise the dense columns only (the first NDENSE).
    Xd = X[:, :NDENSE].toarray()
    mu[:NDENSE] = Xd.mean(0)
    sd[:NDENSE] = Xd.std(0) + 1e-6
    w = np.zeros(F, np.float32)
    m1 = np.zeros(F, np.float32)
    m2 = np.zeros(F, np.float32)
    ng = group.max() + 1
    has = np.bincount(group, weights=y, minlength=ng) > 0
    keep = has[group]
    Xk, gk, yk = X[keep], group[keep], y[keep]
    # renumber groups
    _, gk = np.unique(gk, return_inverse=True)
    G = gk.max() + 1
    ysum = np.bincount(gk, weights=yk, minlength=G)
    yn = yk / ysum[gk]
    XkT = Xk.T.tocsr()
    for t in range(1, epochs + 1):
        ws = w / sd
        s = Xk @ ws - float(mu @ ws)
        mx = np.full(G, -1e9)
        np.maximum.at(mx, gk, s)
        e = np.exp(s - mx[gk])
        z = np.bincount(gk, weights=e, minlength=G)
        p = e / z[gk]
        r = (p - yn) / G
        g = (XkT @ r - mu * r.sum()) / sd + l2 * w
        m1 = 0.9 * m1 + 0.1 * g
        m2 = 0.999 * m2 + 0.001 * g * g
        w -= lr * (m1 / (1 - 0.9**t)) / (np.sqrt(m2 / (1 - 0.999**t)) + 1e-8)
        if t % 50 == 0 or t == epochs:
            loss = -np.sum(yn * np.log(p + 1e-12)) / G
            print(f"  epoch {t} loss {loss:.4f}", file=sys.stderr)
    ws = w / sd
    return ws, float(mu @ ws)


def recall_at5(rows_docs, rel, idx):
    hit = [1.0 if rel[i] in rows_docs[i][:5] else 0.0 for i in idx]
    return float(np.mean(hit))


# ---- first stage ----
bk_e, bs_e = load_bm("bm25_eval", len(qtexts))
Ce_full = emb(f"emb_full_s{SEED}.corpus", N)
Qe_full = emb(f"emb_full_s{SEED}.queries", len(qtexts))
vk_e, vs_e = vec_top(Qe_full, Ce_full)
dev = list(range(0, len(qtexts), 2))
test = list(range(1, len(qtexts), 2))

bm_docs = [list(bk_e[i]) for i in range(len(qtexts))]
vec_docs = [list(vk_e[i]) for i in range(len(qtexts))]
hyb_docs = [[d for d, _ in convex(bk_e[i], bs_e[i], vk_e[i], vs_e[i])] for i in range(len(qtexts))]
for name, rd in (("bm25", bm_docs), ("vector", vec_docs), ("hybrid", hyb_docs)):
    line = f"{name:8s} dev r@5 {recall_at5(rd, qrel, dev):.4f}"
    if SHOW_TEST:
        line += f"  test {recall_at5(rd, qrel, test):.4f}"
    print(line)
for n in (10, 20, 30, 50, 100):
    print(f"hybrid dev r@{n} {np.mean([qrel[i] in hyb_docs[i][:n] for i in dev]):.4f}")

# ---- training queries ----
pos = pairs["pos"]
neg = pairs["neg"]
partners = {}
fold = {}
for a, b, f in pos:
    if a < 0 or b < 0:
        continue
    partners.setdefault(a, set()).add(b)
    partners.setdefault(b, set()).add(a)
    fold[a] = f
    fold[b] = f
negp = {}
for a, b in neg:
    if a < 0 or b < 0:
        continue
    negp.setdefault(a, set()).add(b)
    negp.setdefault(b, set()).add(a)
bk_a, bs_a = load_bm("bm25_anchor", len(anchors))
anchors_np = np.asarray(anchors)
fold_arr = np.asarray([fold[a] for a in anchors])


def train_rows(topn):
    out_rows, out_Qe, out_Ce_rows, labels, qt = [], [], [], [], []
    all_rows = []
    all_y = []
    all_dense_prod = []
    for k in range(3):
        Ck = emb(f"emb_fold{k}_s{SEED}.corpus", N)
        sel = np.nonzero(fold_arr == k)[0]
        a_idx = anchors_np[sel]
        Qk = Ck[a_idx]
        vk, vs = vec_top(Qk, Ck, self_idx=a_idx)
        texts = [corpus[a] for a in a_idx]
        rows = build(texts, bk_a[sel], bs_a[sel], vk, vs, Qk, Ck, topn)
        yield k, a_idx, rows, Qk, Ck


def run(variant, topn, use_prod, use_sparse, l2, epochs, lr, negw=0.0):
    Xs, gs, ys = [], [], []
    goff = 0
    for k, a_idx, rows, Qk, Ck in TRAIN:
        X, g, docs = matrices(rows, Qk, Ck, use_prod, use_sparse)
        y = np.asarray([1.0 if d in partners.get(int(a_idx[qi]), ()) else 0.0 for qi, d in zip(g, docs)])
        Xs.append(X)
        gs.append(g + goff)
        ys.append(y)
        goff += len(rows)
    X = sp.vstack(Xs).tocsr()
    g = np.concatenate(gs)
    y = np.concatenate(ys)
    print(f"  train: {goff} queries, {X.shape[0]} candidates, partner present in {int((np.bincount(g, weights=y) > 0).sum())}", file=sys.stderr)
    w, b = train_listwise(X, g, y, l2=l2, epochs=epochs, lr=lr)
    Xe, ge, de = matrices(EVAL_ROWS, Qe_full, Ce_full, use_prod, use_sparse)
    s = Xe @ w
    rr = []
    for qi in range(len(qtexts)):
        m = ge == qi
        order = np.argsort(-s[m], kind="stable")
        rr.append(list(de[m][order]))
    line = f"{variant:40s} dev r@5 {recall_at5(rr, qrel, dev):.4f}"
    if SHOW_TEST:
        line += f"  test {recall_at5(rr, qrel, test):.4f}"
    line += f"  dev r@1 {np.mean([qrel[i] in rr[i][:1] for i in dev]):.4f} r@10 {np.mean([qrel[i] in rr[i][:10] for i in dev]):.4f}"
    # Paired bootstrap of the dev difference to the shipped hybrid (same queries, resampled).
    diff = np.asarray([float(qrel[i] in rr[i][:5]) - float(qrel[i] in hyb_docs[i][:5]) for i in dev])
    rng = np.random.default_rng(0)
    boots = diff[rng.integers(0, len(diff), (2000, len(diff)))].mean(1)
    line += f"  dev vs hybrid {diff.mean() * 100:+.2f} pts (95% {np.percentile(boots, 2.5) * 100:+.2f}..{np.percentile(boots, 97.5) * 100:+.2f})"
    print(line, flush=True)
    return w


TOPN = int(next((a.split("=")[1] for a in ARGS if a.startswith("topn=")), 30))
EVAL_ROWS = build(qtexts, bk_e, bs_e, vk_e, vs_e, Qe_full, Ce_full, TOPN)
TRAIN = list(train_rows(TOPN))
print(f"topn {TOPN}", flush=True)
for v in [a for a in ARGS if not a.startswith("topn=")]:
    kind, l2, ep, lr = v.split(":")
    HIT_ONLY = "hit" in kind
    run(v, TOPN, "prod" in kind, "sparse" in kind, float(l2), int(ep), float(lr))
