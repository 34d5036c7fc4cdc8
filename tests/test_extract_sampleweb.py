"""A real crawl of the bundled sample web, then ``run_extract``: the am1 rules hold on another
host built the same way (a --seed crawl with --rules am1), checked against the sample web's truth."""
from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "eval"))
from evaluate import prf  # noqa: E402

from archive.config import load_config  # noqa: E402
from archive.extract import run_extract  # noqa: E402
from archive.extract.text import normalize_space  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def test_sample_web_crawled_with_am1_rules(sample_web, tmp_path):
    from archive.fetch.crawler import CrawlOptions, crawl

    config = load_config(ROOT / "config" / "sources.toml")
    data = tmp_path / "data"
    agg = sample_web.aggregator_url
    crawl(config, data, seeds=[f"{agg}/usconservative/topic/waexaminer", f"{agg}/usconservative/topic/nypost",
                               f"{agg}/usconservative/topic/fq"],
          options=CrawlOptions(rules="am1", depth=2, follow_original=True, per_host=4, delay=0.0))
    stats = run_extract(data, config, workers=2, batch_size=16)
    assert stats.errors == 0 and stats.articles >= 40 and stats.digests >= 1
    truth = sample_web.truth()
    by_copy, by_orig = truth.by_copy(), truth.by_original()
    con = sqlite3.connect(data / "archive.db")
    con.row_factory = sqlite3.Row
    copies = originals = 0
    for r in con.execute("SELECT * FROM articles"):
        s, kind = by_copy.get(r["url"]), "copy"
        if s is None:
            s, kind = by_orig.get(r["url"]), "original"
        if s is None:
            continue  # the script-only live page: not a story
        expected = "\n".join(s.copy_paragraphs if kind == "copy" else s.paragraphs)
        f1 = prf(expected, r["text"])[2]
        assert f1 >= 0.98, (r["url"], f1)
        assert (r["title"], r["author"], r["original_publisher"]) == (s.headline, s.author, s.publisher), r["url"]
        if kind == "copy":
            copies += 1
            assert r["rules"] == "am1" and r["site"] == agg.split("://")[1]
            assert r["aggregator_date"] == s.aggregator_date
            assert r["published"] == (s.published[:10] if s.source_lines else None)  # never the aggregator's
            if s.canonical or s.og_url:
                assert r["original_url"] == s.original_url
            lines = {normalize_space(x) for x in r["text"].split("\n")}
            assert not lines & {"THE AMERICA ONE NEWS", "0", "back", "topic", "| Remer,MN"}
            assert not any(x.startswith("Sponsor:") for x in lines)
            if s.promo_line and s.promo_line in s.copy_paragraphs:
                assert s.promo_line in lines
        else:
            originals += 1
            assert r["rules"] == "sample-publisher" and r["attribution"] == "self"
            assert r["published"] == s.published
    assert copies >= 15 and originals >= 15
    want = {(i.publisher, i.headline, i.summary, i.link) for d in truth.digests for i in d.items}
    got = {tuple(r) for r in con.execute("SELECT publisher, headline, summary, link FROM digest_items")}
    assert got and got <= want
    con.close()
