"""What the bench scripts share about `manualbot eval --dump-candidates` dumps: reading them,
matching a candidate to a query's labels, MRR@k, page-level dedup, and HybridRanker's score
fusion (method score) with the service's parameters as defaults, and an eval index's page texts."""
import json
import math
import sqlite3
from collections import defaultdict


def load(path): return [json.loads(line) for line in open(path)]


def match(q, c): return c['file'] == q['file'] and (not q['pages'] or c['page'] in q['pages'])


def rr(q, ranked, k=5):
    return next((1 / (i + 1) for i, c in enumerate(ranked[:k]) if match(q, c)), 0)


def pages(hits):
    """The first hit of each (file, page), in order."""
    seen, out = set(), []
    for c in hits:
        if (c['file'], c['page']) not in seen:
            seen.add((c['file'], c['page'])); out.append(c)
    return out


def fuse(lexical, dense, a=0.3, b=0.5, T=0.04, depth=80, with_scores=False):
    """Pages scored share × BM25 / best BM25 + (1 − share) × exp((cosine − best) / T), share =
    min(1, a + b × the best passage's coverage): HybridRanker.fuse. With `with_scores`,
    (page, score) pairs."""
    lex, den = pages(lexical), pages(dense)[:depth]
    share = min(1.0, a + b * (lexical[0]['coverage'] if lexical else 0))
    score, meta = {}, {}
    for c in lex:
        k = (c['file'], c['page']); meta[k] = c; score[k] = share * c['score'] / lex[0]['score']
    for c in den:
        k = (c['file'], c['page']); meta.setdefault(k, c)
        score[k] = score.get(k, 0) + (1 - share) * math.exp((c['cosine'] - den[0]['cosine']) / T)
    ranked = sorted(score.items(), key=lambda t: -t[1])
    return [(meta[k], v) for k, v in ranked] if with_scores else [meta[k] for k, _ in ranked]


def page_texts(db):
    """(file, page) → the page's chunks, in order, from an eval index (DIR/standard-500-100.sqlite)."""
    texts = defaultdict(str)
    for f, p, t in sqlite3.connect(db).execute(
            'SELECT d.file_name, c.page, c.text FROM chunks c JOIN documents d ON d.id = c.document_id ORDER BY c.id'):
        texts[(f, p)] += t + '\n'
    return texts
