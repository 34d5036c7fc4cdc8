"""What a dedupe run reports: :class:`DedupeStats` (counted by every step of a round) and the
progress callback the CLI and the bench pass in."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class DedupeStats:
    new_articles: int = 0
    representatives: int = 0      # new articles that are the first capture of their URL
    later_captures: int = 0       # new articles that are later captures of a known URL
    sketches: int = 0             # MinHash sketches computed
    lsh_inserts: int = 0          # candidate keys added to the stored runs (keystore)
    candidates: int = 0
    candidates_by_source: dict[str, int] = field(default_factory=dict)
    oversized_buckets: int = 0
    verified: int = 0
    rejected: int = 0
    pairs: int = 0
    pairs_by_method: dict[str, int] = field(default_factory=dict)
    pairs_by_kind: dict[str, int] = field(default_factory=dict)
    pairs_by_direction: dict[str, int] = field(default_factory=dict)
    copy_of_copy_removed: int = 0
    versions: int = 0
    failed: int = 0               # articles recorded in dedupe_failures (a step raised on them)
    redecided: int = 0            # stored pairs a site role learned since decided anew
    rounds: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        by = ", ".join(f"{k} {v}" for k, v in sorted(self.pairs_by_method.items())) or "none"
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.pairs_by_kind.items())) or "none"
        failed = f", {self.failed} articles skipped (see dedupe_failures)" if self.failed else ""
        return (f"dedupe: {self.new_articles} new articles ({self.representatives} first captures), "
                f"{self.candidates} candidates, {self.pairs} pairs ({by}; {kinds}), "
                f"{self.versions} versions{failed}, {self.seconds:.1f}s")


def bump(d: dict[str, int], key: str, n: int = 1) -> None:
    """Add ``n`` to one count of a ``by`` dict of the stats."""
    d[key] = d.get(key, 0) + n


def note(progress: Progress | None, stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(stage, done, total)
