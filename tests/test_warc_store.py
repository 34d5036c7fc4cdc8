"""The shared WARC store (archive/warc/store.py) on a real S3 API: moto's server on 127.0.0.1
and s3fs. Two "machines" (two data directories) crawl the sample web under their own WARC
prefixes and publish into one bucket; a third, fresh data directory indexes the store with
``archive reindex --from s3://…``: every capture once, nothing on a second run, replay byte-exact.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from support.archive_serve import Served
from support.db import query as rows
from support.paths import ROOT
from support.ports import refused_port
from support.raw_record import record_block
from support.s3 import BUCKET, S3
from support.sources import sample_sources, write_config
from support.waiting import wait_for


@pytest.fixture
def down_url() -> Iterator[str]:
    """An endpoint where nothing listens, reserved for the test (``support.ports.refused_port``)."""
    with refused_port() as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def s3() -> Iterator[S3]:
    with S3() as server:
        yield server


@pytest.fixture(scope="module")
def machines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """Two data directories, each with one crawl of its own source of the sample web."""
    from archive.config import load_config
    from archive.fetch import crawl
    from archive.sampleweb import SampleWeb

    base = tmp_path_factory.mktemp("machines")
    web = SampleWeb(articles=40, seed=1)
    web.start()
    try:
        sources = sample_sources(web, ["sw-topic", "sw-feed"])
        sources["sw-topic"]["max_pages"] = 15
        sources["sw-feed"]["max_pages"] = 15
        config = load_config(write_config(base / "sources.toml", sources))
        out = {"config": base / "sources.toml"}
        for machine, source in (("w1", "sw-topic"), ("w2", "sw-feed")):
            data = base / machine
            stats = crawl(config, data, source=source, warc_prefix=f"{machine}-run-{source}")
            assert stats.pages > 0
            out[machine] = data
        yield out
    finally:
        web.stop()


def archive_cmd(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "archive.cli", *args], cwd=str(ROOT), env=env,
                          capture_output=True, text=True, timeout=120)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def capture_ids(fh: Any) -> list[str]:
    """The response/revisit record ids of one WARC stream, read with warcio (not our reader)."""
    from warcio.archiveiterator import ArchiveIterator

    return [rec.rec_headers.get_header("WARC-Record-ID").strip("<>").removeprefix("urn:uuid:")
            for rec in ArchiveIterator(fh) if rec.rec_type in ("response", "revisit")]


def test_two_machines_publish_and_a_fresh_indexer_merges_them_once(s3: S3, machines: dict[str, Path],
                                                                   tmp_path: Path) -> None:
    from archive.warc.store import WarcStore
    from archive.warc.sync import local_warcs, publish_pending

    store = WarcStore(s3.url("merge"), s3.options)
    assert store.list() == []
    local = {m: local_warcs(machines[m]) for m in ("w1", "w2")}
    for m in ("w1", "w2"):
        result = publish_pending(machines[m], store)
        assert result.failed == []
        assert sorted(result.published) == [p.name for p in local[m]]
    names = [w.name for w in store.list()]
    assert len(names) == len(set(names)) == len(local["w1"]) + len(local["w2"])
    assert {n.split("-", 1)[0] for n in names} == {"w1", "w2"}
    # nothing half-written is left, and each file carries its publisher's digest
    raw = [p.rsplit("/", 1)[-1] for p in s3.fs().ls(f"{BUCKET}/merge")]
    assert not [n for n in raw if n.endswith(".part")]
    for m in ("w1", "w2"):
        for p in local[m]:
            assert store.digest(p.name) == sha256(p)
            assert p.exists()  # the local copy stays
    # publishing again uploads nothing
    again = publish_pending(machines["w1"], store)
    assert again.published == [] and sorted(again.already) == [p.name for p in local["w1"]]

    in_store: list[str] = []
    for name in names:
        with store.open(name) as fh:
            in_store += capture_ids(fh)
    assert len(in_store) == len(set(in_store)) > 0

    fresh = tmp_path / "indexer"
    done = archive_cmd("reindex", "--from", s3.url("merge"), "--data", str(fresh),
                       "--config", str(machines["config"]), env=s3.env())
    assert done.returncode == 0, done.stderr
    assert f"{len(names)} fetched" in done.stdout
    indexed = rows(fresh, "SELECT id, warc_file FROM captures")
    assert len(indexed) == len(in_store)
    assert {r[0] for r in indexed} == set(in_store)
    assert {r[1] for r in indexed} == set(names)
    assert rows(fresh, "SELECT count(*) FROM (SELECT warc_file, warc_offset FROM captures "
                       "GROUP BY 1, 2 HAVING count(*) > 1)")[0][0] == 0
    assert {r[0] for r in rows(fresh, "SELECT DISTINCT source FROM captures")} == {"sw-topic", "sw-feed"}
    assert {r[0]: r[1] for r in rows(fresh, "SELECT name, store_url FROM warc_store_files")} == {
        n: f"{s3.url('merge')}/{n}" for n in names}
    for n in names:  # the indexer's copies are the published files, byte for byte
        src = next(p for m in ("w1", "w2") for p in local[m] if p.name == n)
        assert sha256(fresh / "warcs" / n) == sha256(src)

    second = archive_cmd("reindex", "--from", s3.url("merge"), "--data", str(fresh),
                         "--config", str(machines["config"]), env=s3.env())
    assert second.returncode == 0, second.stderr
    assert "0 fetched" in second.stdout and f"{len(names)} already indexed" in second.stdout
    assert "indexed 0 new files: 0 captures" in second.stdout
    assert rows(fresh, "SELECT count(*) FROM captures")[0][0] == len(in_store)

    # replay on the indexer gives the exact recorded bytes; so does a range read of the stored object
    url, name, offset, stamp = rows(fresh, "SELECT url, warc_file, warc_offset, timestamp FROM captures WHERE "
                                           "record_type = 'response' AND status = 200 AND source = 'sw-feed' "
                                           "ORDER BY warc_offset DESC LIMIT 1")[0]
    src = next(p for p in local["w2"] if p.name == name)
    recorded = record_block(src, offset)
    out = tmp_path / "replayed"
    rep = archive_cmd("replay", url, "--raw", "--out", str(out), "--data", str(fresh),
                      "--config", str(machines["config"]))
    assert rep.returncode == 0, rep.stderr
    assert out.read_bytes() == recorded
    head, _, body = recorded.partition(b"\r\n\r\n")
    if b"\ncontent-encoding: gzip" in head.lower():
        body = gzip.decompress(body)
    with Served(fresh) as served:  # the Datasette replay route of the indexer
        r = httpx.get(f"{served.base}/-/replay/{''.join(c for c in stamp if c.isdigit())[:14]}/{url}", timeout=30)
    assert r.status_code == 200 and r.content == body and len(body) > 0
    with store.open(name) as fh:
        fh.seek(offset)
        member = fh.read(src.stat().st_size - offset)
    assert member == src.read_bytes()[offset:]


def test_publish_is_idempotent_and_never_overwrites(s3: S3, machines: dict[str, Path], tmp_path: Path) -> None:
    from archive.errors import WarcError
    from archive.warc.store import WarcStore
    from archive.warc.sync import local_warcs

    store = WarcStore(s3.url("same"), s3.options)
    path = local_warcs(machines["w1"])[0]
    url = store.publish(path)
    assert url == f"{s3.url('same')}/{path.name}"
    assert store.publish(path) == url  # the same file again: nothing to do
    other = tmp_path / path.name
    other.write_bytes(path.read_bytes()[:-10])  # a different file under the same name
    with pytest.raises(WarcError, match="different file of that name"):
        store.publish(other)
    assert [(w.name, w.size) for w in store.list()] == [(path.name, path.stat().st_size)]
    assert store.digest(path.name) == sha256(path)


def test_an_open_file_is_never_published(s3: S3, tmp_path: Path) -> None:
    from archive.errors import WarcError
    from archive.model import CrawlStats, iso, utcnow
    from archive.warc.store import WarcStore
    from archive.warc.sync import publish_pending
    from archive.warc.writer import WarcWriter

    data = tmp_path / "data"
    store = WarcStore(s3.url("open"), s3.options)
    writer = WarcWriter(data / "warcs", "live", source="s", crawl_id="c1")
    writer.write_crawl_end(CrawlStats(id="c1", source="s", started=iso(utcnow())))
    open_file = data / "warcs" / (writer.files[0] + ".open")
    assert open_file.is_file()
    assert publish_pending(data, store).published == []
    with pytest.raises(WarcError, match="still being written"):
        store.publish(open_file)
    assert store.list() == []
    writer.close()
    assert publish_pending(data, store).published == [writer.files[0]]
    assert [w.name for w in store.list()] == [writer.files[0]]


def test_files_rotated_out_during_a_crawl_are_published_before_it_ends(s3: S3, tmp_path: Path) -> None:
    from archive.model import CrawlStats, iso, utcnow
    from archive.warc.store import WarcStore
    from archive.warc.sync import BackgroundPublisher
    from archive.warc.writer import WarcWriter

    data = tmp_path / "data"
    store = WarcStore(s3.url("rotate"), s3.options)
    with WarcWriter(data / "warcs", "other", source="s", crawl_id="c0") as other:  # another run's file
        other.write_crawl_end(CrawlStats(id="c0", source="s", started=iso(utcnow())))
    writer = WarcWriter(data / "warcs", "run1", source="s", crawl_id="c1", max_size=1024)
    with BackgroundPublisher(data, store, "run1", interval=0.2) as bg:
        while len(writer.files) < 3:  # rotates every ~1 KB
            writer.write_crawl_end(CrawlStats(id="c1", source="s", started=iso(utcnow())))
        closed = writer.files[:-1]
        wait_for("the rotated-out files in the store", lambda: sorted(bg.published) == closed, timeout=60,
                 every=0.2)
        assert (data / "warcs" / (writer.files[-1] + ".open")).is_file()  # still being written
        assert [w.name for w in store.list()] == closed
    writer.close()
    assert bg.errors == []
    assert [w.name for w in store.list()] == closed  # the last file waits for the run's final pass


def test_upload_to_a_store_that_is_down_keeps_the_files_and_says_so(machines: dict[str, Path],
                                                                     tmp_path: Path, down_url: str) -> None:
    from archive.warc.store import WarcStore
    from archive.warc.sync import local_warcs, publish_pending

    down = down_url  # nothing listens there
    options = {"endpoint_url": down, "key": "testing", "secret": "testing",
               "client_kwargs": {"region_name": "eu-west-1"},
               "config_kwargs": {"retries": {"max_attempts": 1}, "connect_timeout": 2}}
    before = {p.name: sha256(p) for p in local_warcs(machines["w1"])}
    result = publish_pending(machines["w1"], WarcStore(f"s3://{BUCKET}/down", options))
    assert result.published == [] and sorted(n for n, _ in result.failed) == sorted(before)
    assert all("cannot reach the store's endpoint" in e and f"s3://{BUCKET}/down" in e for _, e in result.failed)
    assert {p.name: sha256(p) for p in local_warcs(machines["w1"])} == before

    env = dict(os.environ, ARCHIVE_WARC_STORE_OPTIONS=json.dumps(options))
    cli = archive_cmd("warc-publish", "--to", f"s3://{BUCKET}/down", "--data", str(machines["w1"]),
                      "--config", str(machines["config"]), env=env)
    assert cli.returncode != 0
    assert f"0 published" in cli.stdout and f"{len(before)} failed (kept locally)" in cli.stdout
    assert "not published" in cli.stderr and "cannot reach" in cli.stderr
    assert {p.name: sha256(p) for p in local_warcs(machines["w1"])} == before


def test_bad_urls_and_credentials_are_named(s3: S3, monkeypatch: pytest.MonkeyPatch) -> None:
    import moto.settings

    from archive.errors import InputError
    from archive.warc.store import WarcStore

    with pytest.raises(InputError, match=r"nosuch://x/warcs: cannot open: unknown storage protocol"):
        WarcStore("nosuch://x/warcs")
    with pytest.raises(InputError, match=r"s3://no-such-bucket/w: cannot list: not found"):
        WarcStore("s3://no-such-bucket/w", s3.options).list()
    with pytest.raises(InputError, match=r"storage option 'key' reads \$ARCHIVE_TEST_NO_SUCH_VAR"):
        WarcStore(s3.url(), {**s3.options, "key": "env:ARCHIVE_TEST_NO_SUCH_VAR"})

    # wrong keys, with the server checking them
    monkeypatch.setattr(moto.settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
    wrong = {**s3.options, "key": "AKIAWRONGWRONGWRONG0", "secret": "wrong"}
    with pytest.raises(InputError, match=rf"{s3.url()}: cannot list: access denied"):
        WarcStore(s3.url(), wrong).list()
    monkeypatch.undo()

    # no credentials anywhere
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    anonymous = {k: v for k, v in s3.options.items() if k not in ("key", "secret")}
    with pytest.raises(InputError, match=rf"{s3.url()}: cannot list: no credentials found"):
        WarcStore(s3.url(), anonymous).list()


def test_config_names_the_store_and_the_env_overrides_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from archive.config import load_config
    from archive.errors import ConfigError
    from archive.warc.store import open_store

    cfg = tmp_path / "sources.toml"
    cfg.write_text('[settings]\nwarc_store = "s3://bucket/warcs"\n'
                   '[settings.warc_store_options]\nendpoint_url = "http://127.0.0.1:1"\nkey = "k"\nsecret = "s"\n')
    settings = load_config(cfg).settings
    assert settings.warc_store == "s3://bucket/warcs" and settings.warc_store_options["key"] == "k"
    monkeypatch.delenv("ARCHIVE_WARC_STORE", raising=False)
    store = open_store(settings)
    assert store is not None and store.url == "s3://bucket/warcs"
    monkeypatch.setenv("ARCHIVE_WARC_STORE", str(tmp_path / "shared"))
    local = open_store(settings)  # another protocol: the S3 options do not apply
    assert local is not None and local.local and local.url == str(tmp_path / "shared")
    assert open_store(None, None) is not None  # the env alone
    monkeypatch.delenv("ARCHIVE_WARC_STORE")
    assert open_store(None, None) is None
    cfg.write_text('[settings]\nwarc_store = "bucket/warcs"\n')
    with pytest.raises(ConfigError, match="warc_store: 'bucket/warcs' is not an fsspec URL"):
        load_config(cfg)


def test_a_local_directory_store_round_trip(machines: dict[str, Path], tmp_path: Path) -> None:
    """The same code over fsspec's local filesystem (a shared mount): publish, pull, index."""
    from archive.index.rebuild import index_from_store
    from archive.warc.store import WarcStore
    from archive.warc.sync import local_warcs, publish_pending

    shared = tmp_path / "mnt" / "warcs"
    store = WarcStore(f"file://{shared}")
    assert publish_pending(machines["w2"], store).failed == []
    names = sorted(p.name for p in shared.iterdir())
    assert [n for n in names if not n.endswith(".sha256")] == [p.name for p in local_warcs(machines["w2"])]
    pulled, stats = index_from_store(tmp_path / "indexer", store)
    assert len(pulled.fetched) == stats.files == len(local_warcs(machines["w2"]))
    assert stats.captures == rows(machines["w2"], "SELECT count(*) FROM captures")[0][0]
    assert not list((tmp_path / "indexer" / "warcs" / ".incoming").iterdir())


def test_archive_crawl_and_run_publish_to_the_configured_store(machines: dict[str, Path], tmp_path: Path,
                                                               down_url: str) -> None:
    """A hand-run `archive crawl` (or `archive run`) ends like a scheduled run: closed WARCs published (here to a
    local-directory store named by ARCHIVE_WARC_STORE); with the store down it exits 1 and the
    WARCs stay local, the captures indexed."""
    from archive.warc.sync import local_warcs

    shared = tmp_path / "shared-store"
    data = tmp_path / "data"
    env = dict(os.environ, ARCHIVE_WARC_STORE=f"file://{shared}")
    env.pop("ARCHIVE_WARC_STORE_OPTIONS", None)
    done = archive_cmd("crawl", "--source", "sw-topic", "--data", str(data), "--config", str(machines["config"]),
                       env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    local = {p.name: sha256(p) for p in local_warcs(data)}
    assert local and f"{len(local)} published" in done.stdout
    assert {p.name: sha256(p) for p in shared.glob("*.warc.gz")} == local

    down = dict(os.environ, ARCHIVE_WARC_STORE=f"s3://{BUCKET}/down", ARCHIVE_WARC_STORE_OPTIONS=json.dumps(
        {"endpoint_url": down_url, "key": "k", "secret": "s",
         "config_kwargs": {"retries": {"max_attempts": 1}, "connect_timeout": 2}}))
    data2 = tmp_path / "data2"
    failed = archive_cmd("crawl", "--source", "sw-topic", "--data", str(data2), "--config",
                         str(machines["config"]), env=down)
    assert failed.returncode == 1 and "not published" in failed.stderr and "Traceback" not in failed.stderr
    assert local_warcs(data2) and rows(data2, "SELECT count(*) FROM captures")[0][0] > 0

    data3 = tmp_path / "data3"  # `archive run` too, after its extract and dedupe
    ran = archive_cmd("run", "--source", "sw-feed", "--data", str(data3), "--config", str(machines["config"]),
                      env=env)
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert rows(data3, "SELECT count(*) FROM articles")[0][0] > 0
    assert {p.name for p in local_warcs(data3)} <= {p.name for p in shared.glob("*.warc.gz")}
