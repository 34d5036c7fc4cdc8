"""The ``[dedupe]`` table of the sources file, typed and checked at load time, with the site
registry of the rules file merged in (:mod:`archive.config.registry`).

Hashing fields decide the persisted band keys: changing any of them makes the stored LSH state
unusable (``archive dedupe --rebuild`` recomputes it). Thresholds may change between runs.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .fields import Where, at_least, read_table

SECTION = "dedupe"


@dataclass(frozen=True)
class DedupeParams:
    # hashing (persisted beside the band keys)
    shingle_size: int = 5          # words per shingle
    num_perm: int = 128            # MinHash permutations of the whole-text sketch
    bands: int = 16                # LSH bands (num_perm / bands rows each: 8 rows, threshold ≈ 0.7)
    seed: int = 1
    opening_words: int = 40        # opening-words sketch over the first N words (0: off)
    opening_perm: int = 16
    opening_bands: int = 16        # one row per band: any equal opening min-hash is a match
    anchor_words: int = 8          # paragraph anchors: first N words of each paragraph (0: off)
    max_anchors: int = 16
    # candidates and verification
    max_bucket: int = 200          # band/anchor buckets larger than this are boilerplate: skipped
    min_shared_keys: int = 3       # a similarity candidate shares at least this many keys
    min_words: int = 15            # shorter texts are only matched exactly
    min_containment: float = 0.5   # share of the shorter text's shingles found in the longer
    min_shared: int = 8            # shingles the two texts must share at least
    attribution_containment: float = 0.3  # the check on an explicitly attributed pair
    lede_words: int = 80           # a text's opening, for the checks below (verify.py)
    min_lede: float = 0.3          # share of one text's opening found in the other, at least
    excerpt_words: int = 40        # ... or an excerpt by its opening (below min_containment):
    excerpt_lede: float = 0.7      # this share of one text's first excerpt_words found (0: off)
    excerpt_min_shared: int = 30   # and this many shingles shared, at least
    full_coverage: float = 0.8     # share of the original in the copy: full at or above
    truncated_coverage: float = 0.35  # truncated at or above, excerpt below
    known_aggregators: tuple[str, ...] = ()
    # direction (dedupe/direction.py, dedupe/sites.py): the registry is read from the rules file
    # when the config loads (archive/config/registry.py); the other fields are thresholds
    known_publishers: tuple[str, ...] = ()     # hosts (host[:port][/path]) of publishers' own pages
    site_names: tuple[tuple[str, tuple[str, ...]], ...] = ()  # host pattern -> publisher names
    learn_min_pairs: int = 3       # a host that is the copy in this many attributed pairs ...
    capture_margin: int = 86400    # seconds one first capture must precede the other's to count
    # reworded ("spinner") copies, see spin.py: keys (hashing) ...
    spin_window: int = 3           # entities per skeleton window (0: spinner search off)
    spin_keys: int = 8             # smallest window hashes kept per article
    spin_opening: int = 2          # first windows kept per article (truncated copies)
    # ... and verification
    spin_min_shared_keys: int = 1  # a spinner candidate shares at least this many keys
    spin_min_entities: int = 4     # entities matched in order, at least
    spin_min_skeleton: float = 0.6  # consistent entity links / entities of the smaller text
    spin_min_overlap: float = 0.7  # share of the smaller text's entities found in the larger
    spin_min_span_ratio: float = 0.8  # shorter / longer matched span, in words
    spin_min_sentences: float = 0.6  # mapped sentence ends that are sentence ends
    spin_min_kept: float = 0.25    # mapped words found in place (a spinner keeps function words)
    # execution
    workers: int = 2               # processes for hashing and verification
    parallel_min: int = 20000      # fewer new articles than this: one process
    batch: int = 100000            # articles per committed round (bounds memory)

    HASH_FIELDS = ("shingle_size", "num_perm", "bands", "seed", "opening_words", "opening_perm",
                   "opening_bands", "anchor_words", "max_anchors", "spin_window", "spin_keys",
                   "spin_opening")

    @property
    def rows(self) -> int:
        return self.num_perm // self.bands

    @property
    def opening_rows(self) -> int:
        return self.opening_perm // self.opening_bands if self.opening_bands else 0

    def hashing(self) -> dict[str, Any]:
        d = asdict(self)
        return {k: d[k] for k in self.HASH_FIELDS}


_NOT_CONFIG = frozenset({"site_names"})  # read from the rules file, never from [dedupe]
_FRACTIONS = ("spin_min_skeleton", "spin_min_overlap", "spin_min_span_ratio", "spin_min_sentences",
              "spin_min_kept", "min_lede", "excerpt_lede")
_SHARES = ("min_containment", "attribution_containment", "full_coverage", "truncated_coverage")


def parse_params(raw: dict[str, Any] | None, path: str = "config", *,
                 extra_aggregators: tuple[str, ...] = ()) -> DedupeParams:
    """Validate a raw ``[dedupe]`` table; unknown fields and bad values raise ConfigError.
    Host lists are kept lower-cased; ``extra_aggregators`` come before the table's own."""
    where = Where(path, SECTION)
    values = read_table(DedupeParams, dict(raw or {}), where, skip=_NOT_CONFIG)
    for key in ("known_aggregators", "known_publishers"):
        if key in values:
            values[key] = tuple(v.strip().lower() for v in values[key] if v.strip())
    aggs = tuple(dict.fromkeys(tuple(a.strip().lower() for a in extra_aggregators if a.strip())
                               + values.get("known_aggregators", ())))
    values["known_aggregators"] = aggs
    p = DedupeParams(**values)
    _check_bounds(p, where)
    return p


def _check_bounds(p: DedupeParams, where: Where) -> None:
    at_least(p, ("shingle_size", "num_perm", "bands", "workers", "batch", "max_bucket", "min_shared_keys"), 1, where)
    at_least(p, ("opening_words", "opening_perm", "opening_bands", "anchor_words", "max_anchors",
                 "min_words", "min_shared", "parallel_min", "seed", "excerpt_min_shared",
                 "capture_margin", "spin_window", "spin_keys", "spin_opening", "spin_min_entities"), 0, where)
    at_least(p, ("spin_min_shared_keys", "lede_words", "excerpt_words", "learn_min_pairs"), 1, where)
    for name in _FRACTIONS:
        if not 0.0 <= getattr(p, name) <= 1.0:
            raise where.error(name, f"must be in [0, 1], not {getattr(p, name)!r}")
    if p.num_perm % p.bands:
        raise where.error("bands", f"must divide num_perm ({p.num_perm}), not {p.bands}")
    if p.opening_words:
        if p.opening_bands < 1 or p.opening_perm < 1:
            raise where.error("opening_bands", "opening_perm and opening_bands must be >= 1 "
                              "when opening_words is set")
        if p.opening_perm % p.opening_bands:
            raise where.error("opening_bands", f"must divide opening_perm ({p.opening_perm}), not {p.opening_bands}")
    for name in _SHARES:
        v = getattr(p, name)
        if not 0.0 < v <= 1.0:
            raise where.error(name, f"must be in (0, 1], not {v!r}")
    if p.truncated_coverage > p.full_coverage:
        raise where.error("truncated_coverage",
                          f"must not exceed full_coverage ({p.full_coverage}), not {p.truncated_coverage}")
