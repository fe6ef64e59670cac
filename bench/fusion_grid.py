#!/usr/bin/env python3
# Calibrates HybridRanker offline: reads `manualbot eval --modes hybrid --dump-candidates FILE`
# dumps (each query's lexical and dense candidates with its labels and split), one per set, and
# grids the page-level score fusion (lexical share = min(1, a + b × best coverage), lexical
# BM25 / best BM25, dense exp((cosine − best cosine) / T)) on the dev splits, keeping settings
# under which no set's dev split falls below lexical alone. Prints the best by mean dev MRR@5,
# then their test-split figures beside plain RRF and lexical (look at test once, at the end).
#   python3 bench/fusion_grid.py para.jsonl hotel.jsonl typos.jsonl allganize.jsonl
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dumps import load, match, pages, rr, fuse
def score_fusion(q, a=0.3, b=0.5, T=0.04, depth=80): return fuse(q['lexical'], q['dense'], a, b, T, depth)
def plain_rrf(q, K=60, depth=80):
    sc = {}; meta = {}
    for lst in (pages(q['lexical']), pages(q['dense'])[:depth]):
        for i, c in enumerate(lst):
            k = (c['file'], c['page']); meta.setdefault(k, c); sc[k] = sc.get(k, 0) + 1 / (K + i + 1)
    return [meta[x] for x, _ in sorted(sc.items(), key=lambda t: -t[1])]
def mrr(qs, rank):
    ans = [q for q in qs if q['answerable']]
    return round(sum(rr(q, rank(q)) for q in ans) / len(ans), 3)
sets = {p.rsplit('/', 1)[-1].removesuffix('.jsonl'): load(p) for p in sys.argv[1:]}
def half(name, split): return [q for q in sets[name] if q['split'] == split]
lexical = {n: mrr(half(n, 'dev'), lambda q: pages(q['lexical'])) for n in sets}
print('dev lexical', lexical)
grid = []
for T in (0.02, 0.03, 0.04, 0.06, 0.08):
    for a in (0.1, 0.2, 0.3, 0.4, 0.5):
        for b in (0, 0.25, 0.5, 1.0):
            for depth in (20, 80):
                P = dict(a=a, b=b, T=T, depth=depth)
                dev = {n: mrr(half(n, 'dev'), lambda q: score_fusion(q, **P)) for n in sets}
                if all(dev[n] >= lexical[n] for n in sets):
                    grid.append((round(sum(dev.values()) / len(dev), 3), dev, P))
grid.sort(key=lambda t: -t[0])
for mean, dev, P in grid[:8]: print('dev', mean, dev, P)
print('test lexical', {n: mrr(half(n, 'test'), lambda q: pages(q['lexical'])) for n in sets})
print('test plain RRF', {n: mrr(half(n, 'test'), plain_rrf) for n in sets})
for mean, dev, P in grid[:3]: print('test', {n: mrr(half(n, 'test'), lambda q: score_fusion(q, **P)) for n in sets}, P)
