#!/usr/bin/env python3
"""Writes bench/hotel/typos.jsonl: every answerable question of queries.jsonl with one typo of
the kind staff make on a phone, in its longest Hangul word (the word that usually carries the
topic). Same labels, ids suffixed "-typo", kind "typo". Deterministic (seeded), so the file
can be regenerated and compared.

Typo kinds, one per question, in rotation:
  - batchim: the final consonant changes to one that sounds alike or sits next to it
    (아웃 → 아욷, 객실 → 객싱), or a missing one is added / a present one dropped;
  - vowel: ㅐ ↔ ㅔ, ㅗ ↔ ㅓ, ㅜ ↔ ㅡ, ㅕ ↔ ㅑ (메시지 ↔ 메세지);
  - initial: the first consonant becomes its 2-beolsik keyboard neighbour or its
    tense/aspirated partner (ㄱ ↔ ㅋ ↔ ㄲ, ㄷ ↔ ㅌ, ㅂ ↔ ㅍ, ㅈ ↔ ㅊ, ㅅ ↔ ㅆ);
  - spacing: the word is split in two ("레이트체크아웃" → "레이트 체크아웃") — not a misspelling,
    but the same robustness question.

    python3 bench/hotel/make_typos.py      # rewrites bench/hotel/typos.jsonl
"""
import json
import random
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASE, L_COUNT, V_COUNT, T_COUNT = 0xAC00, 19, 21, 28

# Jamo indices (Unicode order).
INITIAL_SWAPS = {0: [15, 1], 15: [0], 1: [0], 3: [16, 4], 16: [3], 4: [3], 7: [17, 8], 17: [7], 8: [7],
                 12: [14, 13], 14: [12], 13: [12], 9: [10], 10: [9], 2: [5], 5: [2], 6: [11], 11: [6], 18: [11]}
VOWEL_SWAPS = {1: [5], 5: [1], 8: [4], 4: [8], 13: [18], 18: [13], 6: [2], 2: [6], 3: [7], 7: [3]}
# Finals: ㄱ1 ㄴ4 ㄷ7 ㄹ8 ㅁ16 ㅂ17 ㅅ19 ㅆ20 ㅇ21 ㅈ22 ㅊ23 ㅌ25 ㅎ27
FINAL_SWAPS = {19: [7, 20], 7: [19, 25], 20: [19], 21: [4, 16], 4: [21, 16], 16: [4, 21], 1: [21, 17],
               17: [16, 1], 8: [4], 22: [7], 23: [7], 25: [7], 27: [0]}


def split(syllable):
    code = ord(syllable) - BASE
    return code // (V_COUNT * T_COUNT), (code % (V_COUNT * T_COUNT)) // T_COUNT, code % T_COUNT


def join(l, v, t):
    return chr(BASE + (l * V_COUNT + v) * T_COUNT + t)


def typo(word, kind, rng):
    positions = list(range(len(word)))
    rng.shuffle(positions)
    if kind == "spacing":
        return word[: len(word) // 2] + " " + word[len(word) // 2:] if len(word) >= 4 else None
    for i in positions:
        l, v, t = split(word[i])
        if kind == "batchim":
            options = FINAL_SWAPS.get(t, [21] if t == 0 else [0])
            return word[:i] + join(l, v, rng.choice(options)) + word[i + 1:]
        if kind == "vowel" and v in VOWEL_SWAPS:
            return word[:i] + join(l, rng.choice(VOWEL_SWAPS[v]), t) + word[i + 1:]
        if kind == "initial" and l in INITIAL_SWAPS:
            return word[:i] + join(rng.choice(INITIAL_SWAPS[l]), v, t) + word[i + 1:]
    return None


def main():
    rng = random.Random(20261128)
    kinds = ["batchim", "vowel", "initial", "spacing"]
    out = []
    with open(HERE / "queries.jsonl", encoding="utf-8") as f:
        queries = [json.loads(line) for line in f if line.strip()]
    turn = 0
    for query in queries:
        if query.get("kind") == "none":
            continue
        words = re.findall(r"[가-힣]+", query["question"])
        longest = max(words, key=len) if words else ""
        if len(longest) < 2:
            continue
        changed = None
        for attempt in range(len(kinds)):
            kind = kinds[(turn + attempt) % len(kinds)]
            changed = typo(longest, kind, rng)
            if changed and changed != longest:
                break
        turn += 1
        if not changed or changed == longest:
            continue
        record = dict(query)
        record["id"] = query["id"] + "-typo"
        record["question"] = query["question"].replace(longest, changed, 1)
        record["kind"] = "typo"
        record["typo"] = f"{kind}: {longest} → {changed}"
        out.append(record)
    with open(HERE / "typos.jsonl", "w", encoding="utf-8") as f:
        for record in out:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"{len(out)} typo questions → {HERE / 'typos.jsonl'}")


if __name__ == "__main__":
    main()
