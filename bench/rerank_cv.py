#!/usr/bin/env python3
"""A learned re-ranking of the fused candidates, cross-validated on the dev halves: does any page
feature beyond the fused score help? Pairwise logistic regression over the fused score, each
side's share of it and its rank, the best passage's coverage, a page's second window and window
count, the share of the question's character bigrams on the page, the neighbouring pages' and
the file's fused scores. Prints 5-fold CV MRR@5 (fused → re-ranked) per set, then each feature
added alone to the fused score at a grid of weights (dev mean), then, once, the model trained on
all of dev scored on the test halves. Neither helped (README).

    python3 bench/rerank_cv.py HOTEL_INDEX.sqlite ALLGANIZE_INDEX.sqlite \
        /tmp/paraphrased.jsonl=bench/hotel/paraphrased.jsonl /tmp/queries.jsonl=bench/hotel/queries.jsonl \
        /tmp/typos.jsonl=bench/hotel/typos.jsonl allganize:/tmp/allganize.jsonl=../shared/bench/allganize/queries.jsonl

(dumps from `manualbot eval --modes hybrid --dump-candidates`; a set prefixed "allganize:" takes
its page texts from the second index). Needs numpy.
"""
import json, math, os, re, sqlite3, sys
from collections import defaultdict
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dumps import match, page_texts, pages


def bigrams(s):
    s = re.sub(r'\s+', '', s.lower()); return {s[i:i + 2] for i in range(len(s) - 1)}


NAMES = ['fused', 'lexical', 'dense', 'lexical_rank', 'dense_rank', 'coverage', 'second_window', 'windows',
         'bigrams', 'file', 'neighbour']


def candidates(q, texts):
    lex, den = pages(q['lexical']), pages(q['dense'])[:80]
    share = min(1.0, 0.3 + 0.5 * (q['lexical'][0]['coverage'] if q['lexical'] else 0))
    best, top_cos = (lex[0]['score'] if lex else 1), (den[0]['cosine'] if den else 0)
    cand = {}
    for r, c in enumerate(lex):
        cand[(c['file'], c['page'])] = dict(lex=c['score'] / best, lrank=1 / (r + 1), cov=c['coverage'], cos=top_cos - 0.2, drank=0)
    windows = defaultdict(list)
    for c in q['dense']: windows[(c['file'], c['page'])].append(c['cosine'])
    for r, c in enumerate(den):
        d = cand.setdefault((c['file'], c['page']), dict(lex=0, lrank=0, cov=0, cos=top_cos - 0.2, drank=0))
        d['cos'], d['drank'] = c['cosine'], 1 / (r + 1)
    qb = bigrams(q['text'])
    for k, d in cand.items():
        den_score = math.exp((d['cos'] - top_cos) / 0.04)
        d['fused'] = share * d['lex'] + (1 - share) * den_score
        d['lexs'], d['dens'] = share * d['lex'], (1 - share) * den_score
        w = windows.get(k, [])
        d['cos2'] = (w[1] - top_cos) if len(w) > 1 else -0.2
        d['nwin'] = math.log1p(len(w))
        d['bigram'] = len(qb & bigrams(texts.get(k, ''))) / max(1, len(qb))
    top = dict(sorted(((k, d['fused']) for k, d in cand.items()), key=lambda t: -t[1])[:20])
    per_file = defaultdict(float)
    for k, s in top.items(): per_file[k[0]] += s
    for k, d in cand.items():
        d['file'] = per_file[k[0]] - top.get(k, 0)
        d['nbr'] = max(cand.get((k[0], k[1] - 1), {}).get('fused', 0), cand.get((k[0], k[1] + 1), {}).get('fused', 0))
    keys = list(cand)
    X = np.array([[cand[k][n] for n in ('fused', 'lexs', 'dens', 'lrank', 'drank', 'cov', 'cos2', 'nwin', 'bigram', 'file', 'nbr')]
                  for k in keys])
    y = np.array([float(match(q, dict(file=k[0], page=k[1]))) for k in keys])
    return X, y


def mrr(items, w):
    total = 0
    for X, y, _ in items:
        order = np.argsort(-(X @ w), kind='stable')[:5]
        total += next((1 / (i + 1) for i, j in enumerate(order) if y[j]), 0)
    return total / len(items)


def train(items, l2=1e-2, epochs=300, rate=0.5):
    pos_rows, neg_rows = [], []
    for X, y, _ in items:
        pos = np.where(y > 0)[0]
        if len(pos) == 0: continue
        for n in (j for j in np.argsort(-X[:, 0])[:30] if y[j] == 0):
            pos_rows.append(X[pos[0]]); neg_rows.append(X[n])
    D = np.array(pos_rows) - np.array(neg_rows)
    scale = np.abs(D).mean(0) + 1e-9
    w = np.zeros(D.shape[1]); w[0] = 1
    for _ in range(epochs):
        g = -(D * (1 / (1 + np.exp(D @ w)))[:, None]).mean(0) + l2 * w
        w -= rate * g / scale
    return w


hotel, allganize = page_texts(sys.argv[1]), page_texts(sys.argv[2])
data, held_out = [], []
for spec in sys.argv[3:]:
    texts = hotel
    if spec.startswith('allganize:'): spec, texts = spec[len('allganize:'):], allganize
    dump, queries = spec.split('=')
    name = '/'.join(queries.split('/')[-2:])
    text = {j['id']: j['question'] for j in map(json.loads, open(queries))}
    for q in map(json.loads, open(dump)):
        if q['answerable']:
            q['text'] = text[q['id']]
            X, y = candidates(q, texts)
            (data if q['split'] == 'dev' else held_out).append((X, y, (name, q['id'])))
data.sort(key=lambda item: item[2][1])
base = np.zeros(len(NAMES)); base[0] = 1
folds = [data[i::5] for i in range(5)]
result = defaultdict(lambda: [0.0, 0.0, 0])
for f in range(5):
    w = train([item for g in range(5) if g != f for item in folds[g]])
    for item in folds[f]:
        r = result[item[2][0]]; r[0] += mrr([item], base); r[1] += mrr([item], w); r[2] += 1
print('5-fold CV on dev, MRR@5 fused → re-ranked:')
for name, (a, b, n) in result.items(): print(f'  {name}: {a / n:.3f} → {b / n:.3f} ({n} questions)')


def dev_mean(w):
    by = defaultdict(list)
    for item in data: by[item[2][0]].append(item)
    return np.mean([mrr(v, w) for v in by.values()])


print(f'fused alone: dev mean {dev_mean(base):.4f}; each feature added at its best weight of -0.3…1:')
for i, name in enumerate(NAMES[1:], 1):
    best = max((dev_mean(base + np.eye(len(NAMES))[i] * lam), lam) for lam in (-0.3, -0.1, -0.03, 0.03, 0.1, 0.3, 1.0))
    print(f'  + {name}: {best[0]:.4f} at {best[1]}')


# Once, to report: trained on every dev question, scored on the test halves it never saw.
w = train(data)
by = defaultdict(list)
for item in held_out: by[item[2][0]].append(item)
print('trained on dev, test halves, MRR@5 fused → re-ranked:')
for name, items in by.items(): print(f'  {name}: {mrr(items, base):.3f} → {mrr(items, w):.3f} ({len(items)} questions)')
