"""Lucene's BM25 ranking as OmniSQL gets it from pyserini 0.22.1, without a Java runtime.

OmniSQL (and the formats built on it) show a model the database values a question mentions,
found by searching a BM25 index of every short text value with each n-gram of the question. To
give the same values, this module ranks exactly as that index does:

* **analysis** (Anserini's default English analyzer): Unicode word segmentation (UAX #29, as
  Lucene's ``StandardTokenizer``), English possessive ``'s`` removed, lower case, Lucene's 33
  English stop words dropped, Porter stemming (Martin Porter's revised algorithm, which is what
  Lucene's ``PorterStemmer`` implements: NLTK's ``MARTIN_EXTENSIONS`` mode);
* **query**: a bag of words, each distinct term boosted by its count (``BagOfWordsQueryGenerator``);
* **score**: BM25 with k1 = 0.9 and b = 0.4, each term's score computed in 32-bit floats as
  Lucene 9's ``BM25Similarity`` does (``weight - weight / (1 + freq * normInverse)``, lengths
  encoded in one byte), the terms summed in 64 bits and rounded to 32;
* **order**: score descending, ties by document id in byte order (Anserini sorts on the id
  field), the first ``k`` kept.

Checked against pyserini itself: see ``tests/test_prompt_formats_omnisql.py`` and the README.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
import regex
from nltk.stem.porter import PorterStemmer

#: Lucene's ``EnglishAnalyzer.ENGLISH_STOP_WORDS_SET``, Anserini's default stop words.
STOP_WORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their "
    "then there these they this to was will with".split()
)
K1 = np.float32(0.9)
B = np.float32(0.4)

_BREAK = regex.compile(r"\b", flags=regex.V1 | regex.WORD)  # UAX #29 word boundaries
# A segment is a token when it holds a letter, digit, kana, ideograph, South-East Asian letter or
# pictograph (StandardTokenizer's token types); punctuation, symbols and spaces are skipped.
_TOKEN = regex.compile(
    r"[\p{WB=ALetter}\p{WB=Hebrew_Letter}\p{WB=Numeric}\p{WB=Katakana}\p{Ideographic}"
    r"\p{Script=Hiragana}\p{Line_Break=Complex_Context}\p{Extended_Pictographic}]"
)
_APOSTROPHES = "'\u2019\uff07"
_STEMMER = PorterStemmer(PorterStemmer.MARTIN_EXTENSIONS)


@lru_cache(maxsize=200_000)
def _stem(term: str) -> str:
    return _STEMMER.stem(term, to_lowercase=False)


def _lower(text: str) -> str:
    # Java lowers one code point at a time: U+0130 becomes "i", not Python's "i" + dot above.
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else "".join(c.lower()[0] for c in text)


def analyze(text: str) -> list[str]:
    """The index terms of ``text``, as Anserini's default analyzer makes them.

    >>> analyze("The Singer's NAMES, e-mail and U.S.A. in 3.5 runs")
    ['singer', 'name', 'e', 'mail', 'u.s.a', '3.5', 'run']
    """
    terms = []
    for segment in _BREAK.split(text):
        if not segment or not _TOKEN.search(segment):
            continue
        if len(segment) >= 2 and segment[-2] in _APOSTROPHES and segment[-1] in "sS":
            segment = segment[:-2]
        term = _lower(segment)
        if term and term not in STOP_WORDS:
            terms.append(_stem(term))
    return terms


# -- Lucene's one-byte document lengths (SmallFloat.intToByte4 / byte4ToInt) -----------------------
def _long_to_int4(i: int) -> int:
    bits = i.bit_length()
    if bits < 4:
        return i
    shift = bits - 4
    return ((i >> shift) & 0x07) | ((shift + 1) << 3)


def _int4_to_long(i: int) -> int:
    bits, shift = i & 0x07, (i >> 3) - 1
    return bits if shift == -1 else (bits | 0x08) << shift


_FREE = 255 - _long_to_int4(2**31 - 1)  # 24 lengths are stored exactly


def encode_length(length: int) -> int:
    return length if length < _FREE else _FREE + _long_to_int4(length - _FREE)


def decode_length(byte: int) -> int:
    return byte if byte < _FREE else _FREE + _int4_to_long(byte - _FREE)


_LENGTH_TABLE = np.array([decode_length(i) for i in range(256)], dtype=np.float32)


class BM25Index:
    """Documents (id, text) ranked for bag-of-words queries as Lucene ranks them.

    Args:
        ids: each document's id (ties are broken by it, in UTF-8 byte order).
        terms: each document's analyzed terms (:func:`analyze` of its text).
    """

    def __init__(self, ids: Sequence[str], terms: Sequence[Sequence[str]]):
        self.ids = list(ids)
        lengths = np.array([len(t) for t in terms], dtype=np.int64)
        doc_count = int((lengths > 0).sum())
        avgdl = np.float32(lengths.sum() / doc_count) if doc_count else np.float32(1)
        # Lucene: cache[i] = 1f / (k1 * ((1 - b) + b * LENGTH_TABLE[i] / avgdl)), all in floats
        cache = np.float32(1) / (K1 * ((np.float32(1) - B) + B * _LENGTH_TABLE / avgdl))
        self._norm_inverse = cache[[encode_length(int(n)) for n in lengths]].astype(np.float32)
        postings: dict[str, dict[int, int]] = {}
        for doc, doc_terms in enumerate(terms):
            for term, freq in Counter(doc_terms).items():
                postings.setdefault(term, {})[doc] = freq
        self._postings = {
            term: (
                np.fromiter(docs.keys(), dtype=np.int64, count=len(docs)),
                np.fromiter(docs.values(), dtype=np.float32, count=len(docs)),
            )
            for term, docs in postings.items()
        }
        self._idf = {
            term: np.float32(math.log(1 + (doc_count - len(d) + 0.5) / (len(d) + 0.5)))
            for term, d in postings.items()
        }
        order = sorted(range(len(self.ids)), key=lambda i: self.ids[i].encode("utf-8"))
        self._id_rank = np.empty(len(self.ids), dtype=np.int64)
        self._id_rank[order] = np.arange(len(self.ids))
        self._term_scores: dict[tuple[str, int], np.ndarray] = {}

    def _scores(self, term: str, boost: int) -> np.ndarray:
        """One term's 32-bit score in every document that holds it (memoised)."""
        key = (term, boost)
        cached = self._term_scores.get(key)
        if cached is None:
            docs, freqs = self._postings[term]
            weight = np.float32(boost) * self._idf[term]
            cached = weight - weight / (np.float32(1) + freqs * self._norm_inverse[docs])
            self._term_scores[key] = cached
        return cached

    def search(self, query_terms: Iterable[str], k: int = 10) -> list[int]:
        """The best ``k`` documents (indices) for the query, best first."""
        bag = Counter(t for t in query_terms if t in self._postings)
        if not bag:
            return []
        parts = [(self._postings[t][0], self._scores(t, n)) for t, n in bag.items()]
        if len(parts) == 1:
            docs, scores = parts[0]
        else:
            all_docs = np.concatenate([d for d, _ in parts])
            docs, where = np.unique(all_docs, return_inverse=True)
            total = np.zeros(len(docs), dtype=np.float64)
            np.add.at(total, where, np.concatenate([s for _, s in parts]).astype(np.float64))
            scores = total.astype(np.float32)
        if len(docs) > k:  # only the documents that can reach the first k are sorted
            threshold = np.partition(scores, len(scores) - k)[len(scores) - k]
            keep = scores >= threshold
            docs, scores = docs[keep], scores[keep]
        order = np.lexsort((self._id_rank[docs], -scores))[:k]
        return [int(d) for d in docs[order]]
