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
            ok = s.error is not None
            s.precision = s.recall = s.f1 = 1.0 if ok else 0.0
            if not ok:
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


def report(scored: list[Scored]) -> str:
    lines = [f"{'page':34} {'P':>6} {'R':>6} {'F1':>6}  issues"]
    for s in scored:
        lines.append(f"{s.case.name:34} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f}  {'; '.join(s.mismatches)}")
    n = len(scored)
    lines.append(f"{'mean (' + str(n) + ' pages)':34} {sum(s.precision for s in scored) / n:6.3f} "
                 f"{sum(s.recall for s in scored) / n:6.3f} {sum(s.f1 for s in scored) / n:6.3f}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(evaluate()))
    base = baseline()
    print(f"bare trafilatura (no rules) on the {len(base)} text pages: mean F1 {sum(base.values()) / len(base):.3f}")
