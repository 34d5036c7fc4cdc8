"""One ledger for every hardening module (hostile servers, crashes, bad input, security).

A hardening test names its case with ``tried(name)`` and, as its last step, ``survived(name)``;
a test that finds archived records missing reports them with ``lost(name, n)``. The conftest's
``pytest_terminal_summary`` prints the totals at the end of the run, so a partial run (one module)
prints its own share. A case tried but never marked survived counts as failed, not as lost.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Ledger:
    tried: set[str] = field(default_factory=set)
    survived: set[str] = field(default_factory=set)
    lost_records: Counter[str] = field(default_factory=Counter)

    def line(self) -> str:
        failed = sorted(self.tried - self.survived)
        lost = sum(self.lost_records.values())
        text = (f"hardening summary: cases tried {len(self.tried)}, survived {len(self.survived)}, "
                f"lost records {lost}")
        if failed:
            text += f"; not survived: {', '.join(failed)}"
        if lost:
            text += f"; lost in: {', '.join(sorted(self.lost_records))}"
        return text


LEDGER = Ledger()


def tried(name: str) -> None:
    LEDGER.tried.add(name)


def survived(name: str) -> None:
    LEDGER.tried.add(name)
    LEDGER.survived.add(name)


def lost(name: str, n: int) -> None:
    if n:
        LEDGER.lost_records[name] += n
