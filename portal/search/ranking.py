"""BM25F ranking over Whoosh postings, with decoded posting lists cached per segment.

Whoosh's own collectors spend ~3.5 µs of Python per posting; in a help centre the common words
("order", "commande") occur in thousands of articles, which would put a search page far above
its 25 ms budget. Segments are immutable, so each posting list is decoded once per process and
then scored in a tight loop; a write only adds a small segment that is decoded on first use.
"""
import heapq
import math
from array import array
from collections import OrderedDict

K1 = 1.2
B = 0.75
CACHED_POSTINGS = 2_000_000  # ~16 MB per process at 8 bytes per posting
CACHED_SCORES = 200_000  # (term, document) scores kept until the index changes, ~20 MB


class Ranker:
    """Ranks a QueryPlan: documents matching more query words first, then by BM25F score.

    Title and tags weigh more because their schema field_boost multiplies the indexed term
    weights; per-field length normalisation happens before the single tf saturation (BM25F).
    """

    def __init__(self, budget: int = CACHED_POSTINGS):
        self._postings = OrderedDict()  # (segment id, field, term) -> (ids, weights)
        self._lengths = {}  # (segment id, field) -> array of field lengths by docnum
        self._scores = OrderedDict()  # (fields, term) -> {docnum: score}, for the current reader
        self._scored = 0
        self._deleted = None  # deleted docnums of the current reader
        self._cached = 0
        self._budget = budget

    def rank(self, reader, plan, allow, limit: int):
        """Return (total, [(docnum, score), ...] best first, at most `limit`)."""
        ranked = {}  # docnum -> [score, words matched]
        for lang in plan.langs:
            for terms in filter(None, plan.clauses[lang]):
                word = self._word_scores(reader, terms)
                get = ranked.get
                for docnum, score in word.items():
                    entry = get(docnum)
                    if entry is None:
                        ranked[docnum] = [score, 1]
                    else:
                        entry[0] += score
                        entry[1] += 1
        deleted = self._deleted_docs(reader)
        candidates = [d for d in ranked if (allow is None or d in allow) and d not in deleted]
        top = heapq.nlargest(limit, ((ranked[d][1], ranked[d][0], -d) for d in candidates))
        return len(candidates), [(-negdoc, score) for _, score, negdoc in top]

    def _word_scores(self, reader, terms) -> dict:
        """BM25F contribution of one query word (its stems summed) for every document."""
        stems = dict.fromkeys(stem for _, stem in terms)
        per_stem = [self._term_scores(reader, tuple(n for n, t in terms if t == stem), stem)
                    for stem in stems]
        if len(per_stem) == 1:
            return per_stem[0]
        combined = dict(per_stem[0])
        for scores in per_stem[1:]:
            for docnum, score in scores.items():
                combined[docnum] = combined.get(docnum, 0.0) + score
        return combined

    def _term_scores(self, reader, fields: tuple, stem: str) -> dict:
        key = (fields, stem)
        scores = self._scores.get(key)
        if scores is not None:
            self._scores.move_to_end(key)
        else:
            tf = self._weighted_tf(reader, reader.leaf_readers(), fields, stem)
            idf = math.log(1 + (max(1, reader.doc_count_all()) - len(tf) + 0.5) / (len(tf) + 0.5))
            scores = {docnum: idf * t * (K1 + 1) / (K1 + t) for docnum, t in tf.items()}
            self._scores[key] = scores
            self._scored += len(scores) + 1
            while self._scored > CACHED_SCORES and len(self._scores) > 1:
                self._scored -= len(self._scores.popitem(last=False)[1]) + 1
        return scores

    def docs_with(self, reader, fieldname: str, values) -> set:
        """Docnums whose `fieldname` holds one of `values` (deleted ones included), for filters."""
        docs = set()
        for leaf, offset in reader.leaf_readers():
            for value in values:
                ids, _ = self._posting_list(leaf, fieldname, value)
                docs.update(map(offset.__add__, ids))
        return docs

    def _weighted_tf(self, reader, leaves, fields, stem) -> dict:
        """Sum over fields of boosted term frequency / length normalisation, per document."""
        tf = {}
        for fieldname in fields:
            average = reader.field_length(fieldname) / max(1, reader.doc_count()) or 1.0
            flat, slope = 1 - B, B / average
            for leaf, offset in leaves:
                ids, weights = self._posting_list(leaf, fieldname, stem)
                if not ids:
                    continue
                lengths = self._field_lengths(leaf, fieldname)
                get = tf.get
                for docnum, weight in zip(ids, weights):
                    key = offset + docnum
                    tf[key] = get(key, 0.0) + weight / (flat + slope * lengths[docnum])
        return tf

    def _posting_list(self, leaf, fieldname, stem):
        key = (_segment_id(leaf), fieldname, stem)
        cached = self._postings.get(key)
        if cached is not None:
            self._postings.move_to_end(key)
            return cached
        ids, weights = array("I"), array("f")
        if (fieldname, stem) in leaf:
            postings = leaf.postings(fieldname, stem)
            while postings.is_active():
                ids.append(postings.id())
                weights.append(postings.weight())
                postings.next()
        self._postings[key] = (ids, weights)
        self._cached += len(ids) + 1
        while self._cached > self._budget and len(self._postings) > 1:
            _, (old_ids, _) = self._postings.popitem(last=False)
            self._cached -= len(old_ids) + 1
        return ids, weights

    def _field_lengths(self, leaf, fieldname):
        key = (_segment_id(leaf), fieldname)
        lengths = self._lengths.get(key)
        if lengths is None:
            lengths = array("f", (leaf.doc_field_length(d, fieldname, 0) or 0
                                  for d in range(leaf.doc_count_all())))
            self._lengths[key] = lengths
        return lengths

    def _deleted_docs(self, reader) -> set:
        if self._deleted is None:
            self._deleted = {offset + docnum for leaf, offset in reader.leaf_readers()
                             if leaf.has_deletions() for docnum in leaf.segment().deleted_docs()}
        return self._deleted

    def forget_segments(self, reader) -> None:
        """Drop scores and the caches of segments merged away; call when the reader changes."""
        self._scores.clear()
        self._scored = 0
        self._deleted = None
        live = {_segment_id(leaf) for leaf, _ in reader.leaf_readers()}
        for key in [k for k in self._postings if k[0] not in live]:
            self._cached -= len(self._postings.pop(key)[0]) + 1
        for key in [k for k in self._lengths if k[0] not in live]:
            del self._lengths[key]


def _segment_id(leaf):
    segment = leaf.segment() if hasattr(leaf, "segment") else None
    return segment.segment_id() if segment is not None else None  # None: the empty reader
