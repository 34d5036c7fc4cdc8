"""Watch lists: ``[watch.NAME]`` tables, posts of new matching pairs to a real webhook on
loopback after each ``archive run``, at most once per pair and watch, retried after a failure;
``archive watch list | test NAME``."""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Iterator

import pytest
from support.archive_build import run_sources
from support.sources import sample_config
from support.webhook import Receiver


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    made: list[Receiver] = []
    yield made
    for r in made:
        r.close()


def publisher_pairs(data_dir: Path, publisher: str) -> set[str]:
    """The tags (both capture ids) of every stored pair of the publisher, from ``syndication``."""
    with sqlite3.connect(data_dir / "archive.db") as conn:
        rows = conn.execute(
            "SELECT c.capture_id, o.capture_id FROM syndication s JOIN articles c ON c.id = s.copy_article_id "
            "JOIN articles o ON o.id = s.original_article_id "
            "WHERE coalesce(c.original_publisher, o.sitename, o.site) = ?", (publisher,)).fetchall()
    return {f"tag:syndication-archive,2025:pair:{c}/{o}" for c, o in rows}


def test_two_runs_post_each_new_pair_once_and_a_failed_webhook_gets_it_next_run(
        tmp_path: Path, sample_web: Any, receivers: list[Receiver]) -> None:
    good, flaky, other = Receiver(), Receiver(), Receiver()
    receivers += [good, flaky, other]
    config = sample_config(tmp_path / "sources.toml", sample_web, watches={
        "examiner": {"publisher": "Washington Examiner", "webhook": good.url},
        "examiner-flaky": {"publisher": "washington examiner", "webhook": flaky.url},
        "nypost": {"publisher": "New York Post", "webhook": other.url},
    })
    data = tmp_path / "data"
    flaky.failing = True
    run_sources(config, data, ("agg",))
    first = publisher_pairs(data, "Washington Examiner")
    assert len(first) >= 10
    assert sorted(good.tags()) == sorted(first)
    assert len(flaky.refused) == 1  # one failure stops that watch for the run: no timeout per pair
    assert other.bodies == []      # the aggregator's waexaminer topic copies no Post story

    flaky.failing = False
    sample_web.advance()           # a new story per outlet: new pairs in the second run
    run_sources(config, data, ("agg",))
    both = publisher_pairs(data, "Washington Examiner")
    assert len(both) > len(first)
    assert sorted(good.tags()) == sorted(both)    # each pair exactly once across the two runs
    assert sorted(flaky.tags()) == sorted(both)   # the first run's pairs came with the second
    body = good.bodies[0]
    assert body["watch"] == "examiner" and body["publisher"] == "Washington Examiner"
    assert body["copy_replay"].startswith("/-/replay/") and body["text"].startswith("archive watch examiner:")
    with sqlite3.connect(data / "archive.db") as conn:
        states = dict(conn.execute("SELECT status, count(*) FROM watch_deliveries WHERE watch = 'examiner-flaky' "
                                   "GROUP BY status").fetchall())
    assert states == {"delivered": len(both)}


def test_a_watch_added_later_posts_only_pairs_found_after_it(tmp_path: Path, sample_web: Any,
                                                             receivers: list[Receiver]) -> None:
    late = Receiver()
    receivers.append(late)
    data = tmp_path / "data"
    run_sources(sample_config(tmp_path / "before.toml", sample_web), data, ("agg",))
    before = publisher_pairs(data, "Washington Examiner")
    config = sample_config(tmp_path / "after.toml", sample_web, watches={
        "late": {"aggregator": sample_web.aggregator_url.split("//")[1], "webhook": late.url}})
    sample_web.advance()
    run_sources(config, data, ("agg",))
    after = publisher_pairs(data, "Washington Examiner")
    assert after > before
    assert set(late.tags()) == after - before  # the backlog is in the feeds, not in alerts


def test_phrase_watch_matches_text_of_the_copy_or_original(tmp_path: Path, sample_web: Any,
                                                           receivers: list[Receiver]) -> None:
    hits = Receiver()
    receivers.append(hits)
    data = tmp_path / "data"
    run_sources(sample_config(tmp_path / "seed.toml", sample_web), data, ("agg",))
    with sqlite3.connect(data / "archive.db") as conn:
        title = conn.execute("SELECT o.title FROM syndication s JOIN articles o ON o.id = s.original_article_id "
                             "ORDER BY s.id LIMIT 1").fetchone()[0]
    phrase = " ".join(title.split()[:3])
    config = sample_config(tmp_path / "phrase.toml", sample_web, watches={
        "phrase": {"phrase": phrase, "webhook": hits.url}})
    from archive.config import load_config
    from archive.index import open_db
    from archive.index.fts import fts_phrase
    from archive.watch import run_watch

    db = open_db(data)
    with db.conn:  # forget the pairs' first-seen times: as if dedupe had just found them all
        db.conn.execute("UPDATE copy_seen SET first_seen = '9999-01-01T00:00:00Z'")
        expected = {r[0] for r in db.conn.execute(
            "SELECT ci.tag FROM copy_index ci WHERE ci.copy_article_id IN (SELECT rowid FROM articles_fts WHERE "
            "articles_fts MATCH ?) OR ci.original_article_id IN (SELECT rowid FROM articles_fts WHERE "
            "articles_fts MATCH ?)", (fts_phrase(phrase), fts_phrase(phrase)))}
    db.conn.close()
    run_watch(data, load_config(config), run_started="2000-01-01T00:00:00Z")
    assert expected and set(hits.tags()) == expected


def test_watch_config_errors_name_the_table_and_field(tmp_path: Path) -> None:
    from archive.config import load_config
    from archive.errors import ConfigError

    base = '[sources.s]\nstart = ["http://127.0.0.1:9/"]\n'
    cases = {
        '[watch.w]\nwebhook = "http://127.0.0.1:9/h"\n': "needs at least one of publisher",
        '[watch.w]\npublisher = "X"\n': "webhook",
        '[watch.w]\npublisher = "X"\nwebhook = "ftp://x/"\n': "webhook",
        '[watch.w]\npublisher = "X"\nwebhook = "http://127.0.0.1:9/h"\ncolour = "red"\n': "colour",
        '[watch.w]\npublisher = "  "\nwebhook = "http://127.0.0.1:9/h"\n': "publisher",
        '[watch.w]\npublisher = 3\nwebhook = "http://127.0.0.1:9/h"\n': "publisher",
        'watch = 3\n': "watch",
    }
    for text, field in cases.items():
        path = tmp_path / "sources.toml"
        path.write_text(text + base if text.startswith("watch =") else base + text)
        with pytest.raises(ConfigError) as info:
            load_config(path)
        message = str(info.value)
        assert str(path) in message and "watch" in message and field in message, message
    path.write_text(base + '[watch.w]\naggregator = "am1.news"\nphrase = "Hamas"\nwebhook = "http://127.0.0.1:9/h"\n')
    w = load_config(path).watches["w"]
    assert (w.aggregator, w.phrase, w.publisher, w.enabled) == ("am1.news", "Hamas", None, True)


def test_watch_list_and_test_commands(tmp_path: Path, sample_web: Any, receivers: list[Receiver],
                                      capsys: pytest.CaptureFixture[str]) -> None:
    from archive.cli import main

    hook = Receiver()
    receivers.append(hook)
    config = sample_config(tmp_path / "sources.toml", sample_web, watches={
        "examiner": {"publisher": "Washington Examiner", "webhook": hook.url},
        "down": {"publisher": "Washington Examiner", "webhook": "http://127.0.0.1:9/nothing-listens"}})
    data = tmp_path / "data"
    run_sources(config, data, ("agg",))
    posted = len(hook.bodies)
    capsys.readouterr()
    main(["watch", "list", "--config", str(config), "--data", str(data)])
    out = capsys.readouterr().out.splitlines()
    rows = {line.split("\t")[0]: line.split("\t") for line in out[1:]}
    assert out[0].split("\t")[:3] == ["name", "enabled", "publisher"]
    assert rows["examiner"][7] == str(posted) and rows["down"][8] == "1" and rows["down"][9] == str(posted - 1)

    main(["watch", "test", "examiner", "--config", str(config), "--data", str(data)])
    assert "answered 204" in capsys.readouterr().out
    assert hook.bodies[-1]["test"] is True and len(hook.bodies) == posted + 1
    with pytest.raises(SystemExit) as bad:
        main(["watch", "test", "down", "--config", str(config), "--data", str(data)])
    assert bad.value.code != 0 and "did not take the test post" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["watch", "test", "nope", "--config", str(config), "--data", str(data)])
    assert "no such watch (known: down, examiner)" in capsys.readouterr().err


def test_ctrl_c_while_a_webhook_hangs_leaves_the_pair_for_the_next_run(tmp_path: Path, sample_web: Any,
                                                                        receivers: list[Receiver]) -> None:
    import os
    import signal
    import subprocess
    import sys
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    data = tmp_path / "data"
    run_sources(sample_config(tmp_path / "seed.toml", sample_web), data, ("agg",))
    with sqlite3.connect(data / "archive.db") as conn:  # every pair "new" to a watch that begins now
        conn.execute("UPDATE copy_seen SET first_seen = '9999-01-01T00:00:00Z'")
    release, got = threading.Event(), threading.Event()

    class Hang(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            got.set()
            release.wait(60)

        def log_message(self, *args: Any) -> None:
            pass

    hang = ThreadingHTTPServer(("127.0.0.1", 0), Hang)
    threading.Thread(target=hang.serve_forever, daemon=True).start()
    config = sample_config(tmp_path / "hang.toml", sample_web, watches={
        "w": {"publisher": "Washington Examiner", "webhook": f"http://127.0.0.1:{hang.server_address[1]}/h"}})
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen([sys.executable, "-m", "archive.cli", "watch", "run", "--config", str(config),
                             "--data", str(data)], cwd=str(root), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))
    try:
        assert got.wait(60), "the webhook never got a post"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        release.set()
        hang.shutdown()
        hang.server_close()
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err, err
    with sqlite3.connect(data / "archive.db") as conn:
        assert conn.execute("SELECT count(*) FROM watch_deliveries WHERE status = 'delivered'").fetchone()[0] == 0
    good = Receiver()
    receivers.append(good)
    config.write_text(config.read_text().replace(f"http://127.0.0.1:{hang.server_address[1]}/h", good.url))
    from archive.config import load_config
    from archive.watch import run_watch

    run_watch(data, load_config(config))
    assert sorted(good.tags()) == sorted(publisher_pairs(data, "Washington Examiner"))
