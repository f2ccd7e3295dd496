"""A plain single-process datasketch dedup script: the baseline newsdedup must beat.

Word 5-grams, ``MinHash.bulk`` (128 permutations), ``MinHashLSH`` at threshold 0.5,
connected components with union-find, the kept ids written one per line. This is what
a careful user writes in an afternoon, without newsdedup.

    python benchmarks/datasketch_baseline.py corpus.jsonl kept.txt
"""

from __future__ import annotations

import json
import sys

from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
THRESHOLD = 0.5
BATCH = 2048


def shingles(text: str) -> list[bytes]:
    words = text.lower().split()
    grams = [" ".join(words[i : i + 5]) for i in range(max(1, len(words) - 4))]
    return [g.encode("utf-8") for g in grams]


def main(path: str, out: str) -> None:
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    ids: list[str] = []
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def flush(batch: list[tuple[str, str]]) -> None:
        sigs = MinHash.bulk([shingles(t) for _, t in batch], num_perm=NUM_PERM)
        for (doc_id, _), sig in zip(batch, sigs, strict=True):
            parent[doc_id] = doc_id
            for other in lsh.query(sig):
                a, b = find(doc_id), find(other)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            lsh.insert(doc_id, sig)
            ids.append(doc_id)

    batch: list[tuple[str, str]] = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            batch.append((str(record["id"]), record.get("text") or ""))
            if len(batch) == BATCH:
                flush(batch)
                batch = []
    if batch:
        flush(batch)
    with open(out, "w", encoding="utf-8") as handle:
        handle.writelines(f"{i}\n" for i in ids if find(i) == i)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
