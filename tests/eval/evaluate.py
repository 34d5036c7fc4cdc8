"""Run the extractor over the evaluation pages and score it (token precision / recall / F1).

``python tests/eval/evaluate.py`` prints a table; the test suite calls :func:`evaluate`.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


@dataclass
class Case:
    name: str
    url: str
    body: bytes
    headers: list[tuple[str, str]]
    rules: str | None
    expected: dict[str, Any]


@dataclass
class Scored:
    case: Case
    result: Any = None         # ExtractResult
    error: str | None = None
    precision: float = 0.0
    recall: float = 0.0
    f1: float = 0.0
    mismatches: list[str] = field(default_factory=list)

    @property
    def expects_error(self) -> bool:
        """A page that must be refused: checked apart (``refused_as_expected``), never scored
        as an extraction (counting a refusal as F1 1.0 lifted the mean by what it never read)."""
        return "error" in self.case.expected

    @property
    def refused_as_expected(self) -> bool:
        return self.expects_error and self.error is not None and self.result is None


def load_cases() -> list[Case]:
    out = []
    for meta_path in sorted((HERE / "pages").glob("*.json")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        out.append(Case(meta["name"], meta["url"], (HERE / "pages" / f"{meta['name']}.body").read_bytes(),
                        [tuple(h) for h in meta["headers"]], meta["rules"], meta["expected"]))
    return out


def prf(expected: str, got: str) -> tuple[float, float, float]:
    from archive.extract.text import tokens

    e, g = Counter(tokens(expected)), Counter(tokens(got))
    overlap = sum((e & g).values())
    p = overlap / max(sum(g.values()), 1)
    r = overlap / max(sum(e.values()), 1)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def evaluate(config_path: Path | None = None) -> list[Scored]:
    from archive.config import load_config
    from archive.errors import ExtractError
    from archive.extract import extract_page, load_rules

    ruleset = load_rules(load_config(config_path or ROOT / "config" / "sources.toml"))
    scored = []
    for case in load_cases():
        s = Scored(case)
        try:
            s.result = extract_page(case.body, url=case.url, headers=case.headers,
                                    rules=ruleset.get(case.rules), captured="2025-06-21T00:00:00Z",
                                    publishers=ruleset.publishers, capture_id=case.name)
        except ExtractError as exc:
            s.error = str(exc)
        exp = case.expected
        if "error" in exp:
            if s.error is None:
                s.mismatches.append("expected an error, got a result")
        elif "digest_items" in exp:
            got = s.result.digest_items if s.result else []
            want = exp["digest_items"]
            hits = sum(1 for w in want if any(
                (g.publisher, g.headline, g.summary, g.link) == (w["publisher"], w["headline"], w["summary"], w["link"])
                for g in got))
            s.precision = hits / max(len(got), 1)
            s.recall = hits / max(len(want), 1)
            s.f1 = 2 * s.precision * s.recall / (s.precision + s.recall) if hits else 0.0
            if hits != len(want) or len(got) != len(want):
                s.mismatches.append(f"digest items: {hits}/{len(want)} right, {len(got)} found")
        else:
            art = s.result.article if s.result else None
            if art is None:
                s.mismatches.append(f"no article ({s.error or (s.result.skipped if s.result else '')})")
            else:
                s.precision, s.recall, s.f1 = prf(exp["text"], art.text)
                for key in ("title", "author", "original_publisher", "attribution", "original_url",
                            "aggregator_date", "published"):
                    if getattr(art, key) != exp.get(key):
                        s.mismatches.append(f"{key}: {getattr(art, key)!r} != {exp.get(key)!r}")
        scored.append(s)
    return scored


def baseline(cases: list[Case] | None = None) -> dict[str, float]:
    """Token F1 of bare trafilatura (no rules; bodies decoded the archive's way) per text page."""
    import trafilatura

    from archive.errors import ExtractError
    from archive.extract.decode import decode_body
    from archive.extract.htmlpage import parse_html

    out = {}
    for case in cases or load_cases():
        if "text" not in case.expected:
            continue
        try:
            tree = parse_html(decode_body(case.body, case.headers).text)
        except ExtractError:
            out[case.name] = 0.0
            continue
        doc = trafilatura.bare_extraction(tree, url=case.url, with_metadata=True)
        out[case.name] = prf(case.expected["text"], doc.text if doc is not None else "")[2]
    return out


def extractions(scored: list[Scored]) -> list[Scored]:
    """The pages scored by F1 (articles and digests); pages that must be refused are not."""
    return [s for s in scored if not s.expects_error]


def report(scored: list[Scored]) -> str:
    lines = [f"{'page':34} {'P':>6} {'R':>6} {'F1':>6}  issues"]
    for s in extractions(scored):
        lines.append(f"{s.case.name:34} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f}  {'; '.join(s.mismatches)}")
    pages = extractions(scored)
    n = len(pages)
    lines.append(f"{'mean (' + str(n) + ' pages)':34} {sum(s.precision for s in pages) / n:6.3f} "
                 f"{sum(s.recall for s in pages) / n:6.3f} {sum(s.f1 for s in pages) / n:6.3f}")
    refusals = [s for s in scored if s.expects_error]
    ok = sum(s.refused_as_expected for s in refusals)
    lines.append(f"pages that must be refused: {ok} of {len(refusals)} refused"
                 + "".join(f"\n  {s.case.name}: {'; '.join(s.mismatches)}" for s in refusals if not s.refused_as_expected))
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(evaluate()))
    base = baseline()
    print(f"bare trafilatura (no rules) on the {len(base)} text pages: mean F1 {sum(base.values()) / len(base):.3f}")
