#!/usr/bin/env python3
"""An answer-type check as a refusal signal, measured on the dev halves (then once on test): a
question that asks for an amount, a clock time or a count ("얼마", "몇 시", "몇 명") is refused when
none of the fused ranking's first N pages holds such a value within W characters of one of the
question's character bigrams. It is the issue's near-miss ("the manual names the shuttle bus, not
its hours") in its plainest form. Prints, per set, split, N and W: unanswerables refused,
answerables refused, MRR@5 lost. Not adopted (README, "Refusal").

    manualbot eval --pdfs samples/manuals --pdfs ../shared/corpus/hotel-manuals --data DIR \
        --queries bench/hotel/paraphrased.jsonl --modes hybrid --dump-candidates /tmp/paraphrased.jsonl
    (the same for queries.jsonl)
    python3 bench/answer_type_refusal.py DIR/standard-500-100.sqlite \
        /tmp/paraphrased.jsonl=bench/hotel/paraphrased.jsonl /tmp/queries.jsonl=bench/hotel/queries.jsonl
"""
import json, os, re, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dumps import fuse, load, page_texts, pages, rr

ASKS = {
    'amount': re.compile(r'얼마|가격|몇\s*원|how much|price', re.I),
    'clock': re.compile(r'몇\s*시(?!간)|영업\s*시간|운영\s*시간|시간표|막차|첫차|what time', re.I),
    'count': re.compile(r'몇\s*(?:명|장|개|번|회|잔|박|대|호)|how many', re.I),
}
HOLDS = {
    'amount': re.compile(r'\d[\d,.]*\s*(?:만\s*)?(?:천\s*)?원|₩\s*\d|\$\s*\d|\d\s*(?:달러|USD|KRW)|무료|유료|\d+\s*%'),
    'clock': re.compile(r'\d{1,2}\s*시|\d{1,2}:\d\d|정오|자정|24\s*시간'),
    'count': re.compile(r'\d+\s*(?:명|장|개|번|회|잔|박|대|호|인|매|실|석)|[한두세네다섯]\s*(?:명|장|개|번|회|잔)'),
}
# The question's own asking words, so that "몇시" does not find itself on the page.
ASKING_BIGRAMS = set('얼마 가격 몇시 영업 시간 요금 어떻 떻게 해요 까지 부터 주세 알려 있어 어요 예요 인가 나요 되나 돼요 받아 아요'.split())


def question_bigrams(question):
    words = re.sub(r'[^가-힣A-Za-z0-9]', ' ', question).split()
    return {w[i:i + 2] for w in words for i in range(len(w) - 1)
            if re.fullmatch(r'[가-힣]{2}', w[i:i + 2]) and w[i:i + 2] not in ASKING_BIGRAMS}


def refuses(question, ranked, texts, n, width):
    """None when the question asks for no value; else True when no page near its words holds one."""
    asked = [kind for kind, pattern in ASKS.items() if pattern.search(question)]
    if not asked:
        return None
    for c in ranked[:n]:
        text = re.sub(r'\s+', ' ', texts.get((c['file'], c['page']), ''))
        for gram in question_bigrams(question):
            for m in re.finditer(re.escape(gram), text):
                near = text[max(0, m.start() - width): m.end() + width]
                if all(HOLDS[kind].search(near) for kind in asked):
                    return False
    return True


def main():
    texts = page_texts(sys.argv[1])
    for arg in sys.argv[2:]:
        dump, labels = arg.split('=')
        questions = {json.loads(line)['id']: json.loads(line)['question'] for line in open(labels)}
        rows = load(dump)
        for split in ('dev', 'test'):
            for n in (3, 5):
                for width in (30, 60, 100):
                    none = none_refused = answerable = false_refused = 0; lost = 0.0
                    for r in (r for r in rows if r['split'] == split):
                        ranked = pages(fuse(r['lexical'], r['dense']))
                        refused = bool(refuses(questions[r['id']], ranked, texts, n, width))
                        if r['answerable']:
                            answerable += 1; false_refused += refused; lost += refused * rr(r, ranked)
                        else:
                            none += 1; none_refused += refused
                    print(f'{os.path.basename(labels)} {split} N={n} W={width}: unanswerable refused '
                          f'{none_refused}/{none}, answerable refused {false_refused}/{answerable}, '
                          f'MRR@5 lost {lost / max(answerable, 1):.3f}')


if __name__ == '__main__':
    main()
