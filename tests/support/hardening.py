"""The hardening ledger: what the hardening cases did, counted so that a figure can be trusted.

A hardening test carries ``@pytest.mark.hardening("e2e")`` (the real program or a real crawl,
files and sockets, end to end) or ``@pytest.mark.hardening("unit")`` (one predicate, parser or
validation check). Every marked test that pytest collected is *registered*; the summary line
counts, per kind, how many were registered, how many ran and how many passed. A registered case
that did not run (skipped, or not reached) makes the session fail: a case cannot drop out of the
figures silently.

Lost records are never taken from the test's own bookkeeping: a test hands its archive to
``check_archive`` *before* asserting anything, and the count comes from an independent reading
(warcio over the WARCs, the index compared: tests/support/archive_check.py). A test that fails
still contributes its loss to the line.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from support.archive_check import ArchiveCheck, verify_archive

KINDS = {"e2e": "end-to-end cases", "unit": "unit checks"}


@dataclass
class Ledger:
    registered: dict[str, str] = field(default_factory=dict)  # test node id -> kind
    outcome: dict[str, str] = field(default_factory=dict)     # test node id -> passed / failed / skipped
    checks: list[ArchiveCheck] = field(default_factory=list)

    def record(self, nodeid: str, when: str, outcome: str) -> None:
        if nodeid not in self.registered:
            return
        if outcome == "failed":
            self.outcome[nodeid] = "failed"
        elif outcome == "skipped" and self.outcome.get(nodeid) != "failed":
            self.outcome[nodeid] = "skipped"
        elif when == "call" and outcome == "passed" and nodeid not in self.outcome:
            self.outcome[nodeid] = "passed"

    def ran(self, nodeid: str) -> bool:
        return self.outcome.get(nodeid) in ("passed", "failed")

    def not_run(self) -> list[str]:
        return sorted(n for n in self.registered if not self.ran(n))

    def lost(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for c in self.checks:
            if c.lost:
                out[c.case] += c.lost
        return out

    def line(self) -> str:
        parts = []
        for kind, label in KINDS.items():
            ids = [n for n, k in self.registered.items() if k == kind]
            ran = sum(1 for n in ids if self.ran(n))
            passed = sum(1 for n in ids if self.outcome.get(n) == "passed")
            parts.append(f"{label} {passed} passed of {ran} run of {len(ids)} registered")
        lost = self.lost()
        records = sum(c.records for c in self.checks)
        text = (f"hardening summary: {', '.join(parts)}; lost records {sum(lost.values())} "
                f"(independent checks: {len(self.checks)} archives, {records} records read back)")
        failed = sorted(n for n, o in self.outcome.items() if o == "failed")
        if failed:
            text += f"; failed: {', '.join(failed)}"
        if self.not_run():
            text += f"; NOT RUN: {', '.join(self.not_run())}"
        if lost:
            text += f"; lost in: {', '.join(sorted(lost))}"
        return text


LEDGER = Ledger()


def check_archive(case: str, data: Path, expected: Iterable[str] = (), *,
                  warcs: Path | None = None) -> ArchiveCheck:
    """Read the archive back independently and count what it lost; call it before asserting."""
    result = verify_archive(case, data, expected, warcs=warcs)
    LEDGER.checks.append(result)
    return result
