#!/usr/bin/env python3
"""How late interaction's depth and weight were set: re-orders each query's fused pages
(HybridRanker's score fusion, bench/dumps.py) by z(fused score) + weight × z(MaxSim), as
LateInteraction.reorder does, over the token states the eval index stores, for a grid of depths
and weights, and prints MRR@5 per set (refusals aside). Dev halves unless --split test.

    manualbot eval --pdfs samples/manuals --pdfs ../shared/corpus/hotel-manuals --data DIR \
        --queries bench/hotel/paraphrased.jsonl --modes hybrid --rerank-depth 0 --dump-candidates /tmp/paraphrased.jsonl
    (the same for queries.jsonl and typos.jsonl)
    python3 bench/late_interaction_grid.py DIR/standard-500-100.sqlite \
        /tmp/paraphrased.jsonl=bench/hotel/paraphrased.jsonl /tmp/queries.jsonl=bench/hotel/queries.jsonl \
        /tmp/typos.jsonl=bench/hotel/typos.jsonl [--split test]

Needs numpy and the engine scripts/setup.sh builds (/opt/manualbot/e5, with e5_embed_batch_tokens)
for the questions' token states.
"""
import argparse, collections, ctypes, json, os, sqlite3, sys
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dumps import fuse, pages, rr

E5 = '/opt/manualbot/e5'
lib = ctypes.CDLL(f'{E5}/lib/libe5.so')
lib.e5_load.restype = ctypes.c_void_p
lib.e5_load.argtypes = [ctypes.c_char_p]
lib.e5_embed_batch_tokens.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                                      ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
model = lib.e5_load(f'{E5}/e5-small-q4.bin'.encode())
MAX_TOKENS = 256


def question_tokens(text):
    texts = (ctypes.c_char_p * 1)(text.encode())
    vector, states, count = (ctypes.c_float * 384)(), (ctypes.c_float * (MAX_TOKENS * 384))(), (ctypes.c_int * 1)()
    assert lib.e5_embed_batch_tokens(model, texts, 1, 1, vector, states, count, MAX_TOKENS) == 0
    rows = np.frombuffer(states, np.float32, count[0] * 384).reshape(-1, 384)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def decode(blob):
    """TokenStates.encoded(): per token a Float16 scale, then 384 Int8 values."""
    raw = np.frombuffer(blob, np.uint8).reshape(-1, 386)
    rows = raw[:, 2:].view(np.int8).astype(np.float32) * raw[:, :2].copy().view(np.float16).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


parser = argparse.ArgumentParser()
parser.add_argument('index')
parser.add_argument('sets', nargs='+', help='DUMP=QUERIES: a --dump-candidates file and its queries')
parser.add_argument('--split', default='dev', help='dev (where the setting was chosen) or test (to report)')
args = parser.parse_args()

con = sqlite3.connect(args.index)
states = {h: decode(b) for h, b in con.execute('SELECT text_hash, tokens FROM passage_vectors WHERE tokens IS NOT NULL')}
windows = collections.defaultdict(list)
for name, page, h in con.execute('''SELECT d.file_name, c.page, p.text_hash FROM embed_passages p
        JOIN chunks c ON c.id = p.chunk_id JOIN documents d ON d.id = c.document_id'''):
    windows[(name, page)].append(h)


def page_score(question, page):
    """The page's best window's MaxSim (HybridSearch.lateScores)."""
    return max([0.0] + [float((question @ states[h].T).max(1).mean()) for h in windows[page] if h in states])


def z(values):
    deviation = values.std()
    return (values - values.mean()) / deviation if deviation > 1e-12 else np.zeros_like(values)


sets = {}
for spec in args.sets:
    dump, queries = spec.split('=')
    text = {j['id']: j['question'] for j in map(json.loads, open(queries))}
    qs = [q for q in map(json.loads, open(dump)) if q['split'] == args.split and q['answerable']]
    for q in qs:
        q['fused'] = fuse(q['lexical'], q['dense'], with_scores=True)[:15]
        question = question_tokens(text[q['id']])
        q['late'] = [page_score(question, (c['file'], c['page'])) for c, _ in q['fused']]
    sets[queries.rsplit('/', 1)[-1]] = qs


def mrr(qs, depth, weight):
    total = 0
    for q in qs:
        top = q['fused'][:depth]
        if len(top) < 2:
            total += rr(q, [c for c, _ in q['fused']]); continue
        combined = z(np.array([s for _, s in top])) + weight * z(np.array(q['late'][:depth]))
        order = sorted(range(len(top)), key=lambda i: (-round(combined[i], 9), i))
        total += rr(q, [top[i][0] for i in order] + [c for c, _ in q['fused'][depth:]])
    return total / len(qs)


print(f'{"depth weight (" + args.split + " MRR@5)":24s}', '  '.join(sets), ' mean')
for depth in (0, 5, 8, 10, 12, 15):
    for weight in ((0,) if depth == 0 else (0.5, 0.75, 1.0, 1.5, 2.0)):
        row = [mrr(qs, depth, weight) for qs in sets.values()]
        print(f'{depth:5d} {weight:5}             ', '  '.join(f'{x:.3f}'.rjust(len(n)) for x, n in zip(row, sets)), f' {np.mean(row):.3f}')
