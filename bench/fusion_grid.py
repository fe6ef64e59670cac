#!/usr/bin/env python3
# Calibrates HybridRanker offline: reads `manualbot eval --modes hybrid --dump-candidates FILE`
# dumps (each query's lexical and dense candidates with its labels and split) and grids the
# page-level weighted RRF (k, lexical weight base a and slope b on the best coverage, dense
# depth) on the dev split, printing the best settings with their test-split figures.
#   python3 bench/fusion_grid.py DUMP.jsonl
import json, sys, itertools
def load(p): return [json.loads(l) for l in open(p)]
def match(q, c): return c['file']==q['file'] and (not q['pages'] or c['page'] in q['pages'])
def rr(q, ranked, k=5):
    for i,c in enumerate(ranked[:k]):
        if match(q,c): return 1/(i+1)
    return 0
def pages(lst):
    seen=set(); out=[]
    for c in lst:
        key=(c['file'],c['page'])
        if key in seen: continue
        seen.add(key); out.append(c)
    return out
def fuse(q, K=10, a=0.3, b=2, depth=80, page=True, dw=1.0):
    lex = q['lexical']; den = q['dense'][:depth]
    if page: lex, den = pages(lex), pages(den)
    cov = q['lexical'][0]['coverage'] if q['lexical'] else 0
    wl = a + b*cov
    sc={}; meta={}
    key=(lambda c:(c['file'],c['page'])) if page else (lambda c:c['chunk'])
    for i,c in enumerate(lex): k=key(c); sc[k]=sc.get(k,0)+wl/(K+i+1); meta[k]=c
    for i,c in enumerate(den): k=key(c); sc[k]=sc.get(k,0)+dw/(K+i+1); meta.setdefault(k,c)
    return [meta[x] for x,_ in sorted(sc.items(), key=lambda t:-t[1])]
def ev(qs, **P):
    ans=[q for q in qs if q['answerable']]
    r=[rr(q,fuse(q,**P)) for q in ans]
    return round(sum(r)/len(r),3), round(sum(1 for x in r if x>0)/len(r),3)
qs=load(sys.argv[1])
for split in ('dev','test'):
    sel=[q for q in qs if q['split']==split]
    ans=[q for q in sel if q['answerable']]
    print(split, 'lex chunk', round(sum(rr(q,q['lexical']) for q in ans)/len(ans),3), 'lex page', round(sum(rr(q,pages(q['lexical'])) for q in ans)/len(ans),3),
          'dense chunk', round(sum(rr(q,q['dense']) for q in ans)/len(ans),3), 'dense page', round(sum(rr(q,pages(q['dense'])) for q in ans)/len(ans),3))
    print(' rrf60 chunk', ev(sel,K=60,a=1,b=0,page=False), 'rrf60 page', ev(sel,K=60,a=1,b=0,page=True))
dev=[q for q in qs if q['split']=='dev']; test=[q for q in qs if q['split']=='test']
res=[]
for K in (3,5,10,20,40,60):
  for a in (0.2,0.5,1):
    for b in (0,1,2,4):
      for page in (True,False):
        for depth in (20,80):
          res.append((ev(dev,K=K,a=a,b=b,page=page,depth=depth),dict(K=K,a=a,b=b,page=page,depth=depth)))
res.sort(key=lambda t:(-t[0][0],-t[0][1]))
for r in res[:8]: print(r, 'test', ev(test,**r[1]))
