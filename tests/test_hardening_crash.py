"""Crash safety: one crawl, SIGKILLed at 20 seeded points and resumed each time.

The crawl covers the sample web (two hosts), a third loopback host serving incompressible
1.5 MB bodies, and a gate host (127.0.0.3) whose pages link to the next gate page only after a
one-second wait, for as long as the test keeps the gate shut: the crawl cannot end before the
last kill, however fast or slow the machine (a crawl that ended early used to fail the round).
Each round starts ``archive crawl`` (a real process, resuming the same crawl in the same data
directory) and kills it with SIGKILL once the WARC files grew by a seeded number of bytes or, on
some rounds, a seeded time after start (kills then land in start-up recovery and indexing). Two
rounds are mid-write: a test-only slow disk (tests/support/midwrite/sitecustomize.py) pauses a
1.5 MB append halfway and the test kills the group then, so a kill lands inside a record on every
run, not by luck. How it dies is seeded too:
``group`` kills every process; ``crawl`` kills the crawl process alone (its fetcher process sees end
of input, finishes its exchanges and closes its file with no crawl left to index them);
``fetcher`` kills the fetcher process first, lets the crawl go on without it for a while (it must
settle the tasks the dead fetcher held from its files and fetch the rest itself), then kills the
group. After every round, on a copy of the data directory:

(a) the start-up step of the next run (``recover_and_index``) cuts every ``.open`` file back to
    its last complete record (the cut bytes kept aside); every WARC then reads with no break;
(b) every capture complete in a WARC before a kill is still there after recovery (the set of
    ``(record id, URL, payload digest, file, offset)`` only grows), and no index row written
    before the kill points at anything but a complete record;
(c) after that start-up step the index equals ``reindex`` into a fresh database (every capture
    column, every fetch error).
Every fifth round, ``archive recover`` (the command) then runs on the real directory.

A last, un-killed run finishes the crawl. Then every WARC passes ``warcio check``, the crawl has
ended, no frontier URL is left queued, the pages captured equal those of a clean crawl of the same
site, the index equals ``archive reindex`` into a fresh database, and there are no duplicates:
each URL has exactly one capture (response or revisit record) in the crawl's WARCs, except
``robots.txt``, which every fetcher reads again at the start of every run (at most one per host
per fetcher per run); no URL was requested again after its capture was complete in a WARC or its
outcome (done / failed) was committed to the frontier (a URL in flight at a kill, with no record
yet, is fetched again: that is a retry, not a duplicate); a URL's fetch errors are at most one per
run. ``-s`` prints each round's figures; ``ARCHIVE_CRASH_SEED`` picks another kill plan.
"""
from __future__ import annotations

import collections
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from archive.fetch.crawler import recover_and_index
from archive.index.captures import CAPTURE_COLUMNS
from archive.model import Capture
from archive.sampleweb import SampleWeb
from archive.urls import canonicalize
from archive.warc.reader import WarcReader
from archive.index.rebuild import reindex
from support.hardening import check_archive
from support.tiny import TinyServer, html
from support.interop import tool
from support.db import query as _rows

ARCHIVE = str(Path(sys.executable).parent / "archive")
SEED = int(os.environ.get("ARCHIVE_CRASH_SEED", "20261127"))  # another seed: another kill plan
ROUNDS = 20
CASE = "crash: SIGKILL x20 over one resumed crawl"
ROBOTS = "/robots.txt"
BLOBS = 8  # incompressible bodies of BLOB_BYTES on a third host: records long enough to be cut mid-write
BLOB_BYTES = 1_500_000
GATE_WAIT = 1.0  # seconds each gate page waits while the gate is shut
GATE_PAGE = 12_000  # incompressible bytes per gate page: byte-triggered rounds keep moving
MIDWRITE_ROUNDS = (1, 3)  # rounds killed inside a 1.5 MB record (blobs are fetched early)
MIDWRITE_DIR = Path(__file__).resolve().parent / "support" / "midwrite"

pytestmark = pytest.mark.hardening("e2e")


# ------------------------------------------------------------------------------------ helpers

def _warc_bytes(warcs: Path) -> int:
    """Bytes in WARC files (open or closed; not the .cut files recovery sets aside)."""
    total = 0
    try:
        with os.scandir(warcs) as it:
            for e in it:
                if ".cut" not in e.name and ".warc" in e.name:
                    try:
                        total += e.stat().st_size
                    except FileNotFoundError:  # renamed under us
                        continue
    except FileNotFoundError:
        return 0
    return total


def _link_or_copy(src: str, dst: str) -> None:
    """Closed WARC files are never written again: hard links. The rest (the database, ``.open``
    files that recovery will cut) are copied."""
    if src.endswith((".warc.gz", ".cut")) or ".cut." in os.path.basename(src):
        os.link(src, dst)
    else:
        shutil.copy2(src, dst)


def _procs() -> list[tuple[int, str, int, int]]:
    """(pid, state, ppid, process group) of every process."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = Path(f"/proc/{d}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        out.append((int(d), fields[0], int(fields[1]), int(fields[2])))
    return out


def _group_alive(pgid: int) -> bool:
    """Any live (non-zombie) process in the process group ``pgid``."""
    return any(state != "Z" and group == pgid for _, state, _, group in _procs())


def _children(pid: int) -> list[int]:
    return [p for p, state, ppid, _ in _procs() if ppid == pid and state != "Z"]


def _wait_group(pgid: int, timeout: float = 60.0) -> None:
    """Wait until every process of the group ended (an orphaned fetcher closes its file first)."""
    end = time.monotonic() + timeout
    while _group_alive(pgid):
        if time.monotonic() > end:
            os.killpg(pgid, signal.SIGKILL)
            raise AssertionError(f"processes of the crawl (group {pgid}) still running after {timeout} s")
        time.sleep(0.02)


@dataclass
class Complete:
    """What the WARCs hold after recovery: complete captures and fetch-error records."""

    captures: dict[str, tuple[str, str | None, str, int]] = field(default_factory=dict)  # id -> (url, digest, file, off)
    records: list[Capture] = field(default_factory=list)
    failures: list[tuple] = field(default_factory=list)


def _read_warcs(warcs: Path) -> Complete:
    out = Complete()
    for f in sorted(warcs.glob("*.warc.gz")):
        reader = WarcReader(f)
        for row in reader.captures():
            if isinstance(row, Capture):
                out.captures[row.id] = (row.url, row.payload_digest, row.warc_file, row.warc_offset)
                out.records.append(row)
            else:
                out.failures.append((row.crawl_id, row.url, row.timestamp, row.error, row.detail))
        assert reader.problems == [], f"{f.name}: {[str(p) for p in reader.problems]}"
    return out


def _index(db: Path) -> tuple[set[tuple], set[tuple]]:
    caps = set(_rows(db, f"SELECT {', '.join(CAPTURE_COLUMNS)} FROM captures"))
    fails = set(_rows(db, "SELECT crawl_id, url, timestamp, error, detail FROM fetch_errors"))
    return caps, fails


def _fresh_reindex(warcs: Path, where: Path) -> tuple[set[tuple], set[tuple]]:
    """``reindex`` of ``warcs`` into a database that did not exist before."""
    if where.exists():
        shutil.rmtree(where)
    where.mkdir()
    (where / "warcs").symlink_to(warcs.resolve(), target_is_directory=True)
    stats = reindex(where)
    assert stats.breaks == [], stats.breaks
    return _index(where / "archive.db")


def _warcio_check(files: list[Path]) -> None:
    if files:
        out = subprocess.run([tool("warcio"), "check", *map(str, files)], capture_output=True, text=True,
                             timeout=120)
        assert out.returncode == 0, out.stdout + out.stderr


class _QuietServer(TinyServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client SIGKILLed mid-response: expected here, not worth a traceback


@pytest.fixture
def blob_srv():
    """A third host: a page linking BLOBS incompressible bodies (each written as one long record)."""
    rnd = random.Random(SEED + 1)
    blobs = [rnd.randbytes(BLOB_BYTES) for _ in range(BLOBS)]
    routes = {"/": html(*(f"/blob/{k}" for k in range(BLOBS)))}
    for k, body in enumerate(blobs):
        routes[f"/blob/{k}"] = (lambda b: lambda h, n: (200, [("Content-Type", "application/octet-stream")], b))(body)
    srv = _QuietServer(routes)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


class Gate:
    """The gate host: ``/hold/K`` answers after GATE_WAIT with a link to ``/hold/K+1`` while the
    gate is shut; once opened, every gate page (and a waiting one) answers with no link, and the
    crawl can end. The chain stops by itself after 2 000 pages (a hang guard)."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        pad = random.Random(SEED + 2).randbytes(GATE_PAGE // 4 * 3).hex()[:GATE_PAGE]
        routes = {f"/hold/{k}": self._route(k, pad) for k in range(2000)}
        self.srv = _QuietServer(routes, host="127.0.0.3")
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def _route(self, k: int, pad: str):  # type: ignore[no-untyped-def]
        def route(h: object, n: int) -> tuple[int, list[tuple[str, str]], bytes]:
            if not self.opened.is_set():
                self.opened.wait(GATE_WAIT)
            more = "" if self.opened.is_set() or k == 1999 else f'<a href="/hold/{k + 1}">next</a>'
            body = f"<html><body><p>{pad}</p>{more}</body></html>".encode()
            return 200, [("Content-Type", "text/html")], body
        return route

    @property
    def url(self) -> str:
        return self.srv.url

    def stop(self) -> None:
        self.opened.set()
        self.srv.shutdown()
        self.srv.server_close()


@pytest.fixture
def gate():
    g = Gate()
    yield g
    g.stop()


def _config(path: Path, sw: SampleWeb, blob_url: str, gate_url: str) -> Path:
    agg, pub, blob, hold = (u.split("://", 1)[1] for u in (sw.aggregator_url, sw.publisher_url, blob_url, gate_url))
    path.write_text(f"""
[settings]
warc_max_size = 40000   # rotate often: kills land in closed and in open files
warc_prefix = "crash"

[sources.crashweb]
start = ["{sw.aggregator_url}/", "{blob_url}/", "{gate_url}/hold/0"]
feeds = ["{sw.publisher_url}/feed.xml"]
scope = ["{agg}", "{pub}", "{blob}", "{hold}"]
depth = 2500   # the gate's chain is one hop per page
follow_original = true
per_host = 2
delay = 0
ssrf_guard = false
""")
    return path


def _cmd(data: Path, config: Path, fetchers: int) -> list[str]:
    return [ARCHIVE, "crawl", "--data", str(data), "--config", str(config), "--source", "crashweb",
            "--per-host", "2", "--delay", "0", "--fetchers", str(fetchers)]


@dataclass
class Plan:
    kill: str  # "group" (every process), "crawl" (the crawl process alone: its fetcher process
    #            outlives it), "fetcher" (the fetcher process first, the crawl goes on, then the group)
    fetchers: int
    trigger: str  # "bytes" (WARC bytes written in the round), "time" (seconds after start) or
    #               "midwrite" (a 1.5 MB append paused halfway by the test's slow disk)
    amount: float
    then: int = 0  # "fetcher": WARC bytes the crawl writes after its fetcher died, before the group kill


def _plans(rnd: random.Random) -> list[Plan]:
    plans = []
    for _ in range(ROUNDS):
        fetchers = rnd.choice([1, 2])
        kill = rnd.choice(["group", "crawl", "fetcher"] if fetchers == 2 else ["group", "crawl"])
        if kill != "fetcher" and rnd.random() < 0.25:
            plans.append(Plan(kill, fetchers, "time", round(rnd.uniform(0.3, 1.6), 3)))
        else:
            plans.append(Plan(kill, fetchers, "bytes", rnd.randint(3_000, 30_000),
                              then=rnd.randint(10_000, 60_000) if kill == "fetcher" else 0))
    for i in MIDWRITE_ROUNDS:  # the whole group: a fetcher left alive would finish the write
        plans[i] = Plan("group", plans[i].fetchers, "midwrite", 0)
    return plans


def _wait_bytes(proc: subprocess.Popen, warcs: Path, plan: Plan, amount: float, trigger: str,
                marks: Path | None = None) -> int:
    """Poll until the round's kill point (or the crawl's end); the WARC bytes written by then."""
    base, t0 = _warc_bytes(warcs), time.monotonic()
    grown = 0
    while proc.poll() is None and time.monotonic() - t0 < 120:  # a hang guard: the gate keeps it going
        grown = _warc_bytes(warcs) - base
        if trigger == "bytes" and grown >= amount:
            break
        if trigger == "time" and time.monotonic() - t0 >= amount:
            break
        if trigger == "midwrite" and marks is not None and any(marks.glob("midwrite-*")):
            break
        time.sleep(0.002)
    return grown


def _log_marks(sw: SampleWeb, blob: TinyServer) -> tuple[int, int]:
    return len(sw.request_log), len(blob.log)


def _requested(sw: SampleWeb, blob: TinyServer, marks: tuple[int, int]) -> set[str]:
    """URLs the servers were asked for since ``marks`` (robots.txt aside)."""
    urls = {canonicalize((sw.aggregator_url if r.role == "aggregator" else sw.publisher_url) + r.path)
            for r in sw.request_log[marks[0]:]}
    urls |= {canonicalize(blob.url + path) for path, _, _ in blob.log[marks[1]:]}
    return {u for u in urls if not u.endswith(ROBOTS)}


# ------------------------------------------------------------------------------------ the test

def test_sigkill_twenty_times_over_one_resumed_crawl(tmp_path, blob_srv, gate):
    rnd = random.Random(SEED)
    plans = _plans(rnd)
    data = tmp_path / "data"
    warcs = data / "warcs"
    check = tmp_path / "check"
    with SampleWeb(articles=40, seed=3, latency_ms=20) as sw:
        config = _config(tmp_path / "sources.toml", sw, blob_srv.url, gate.url)

        # the reference: the same crawl, never killed, in its own data directory (gate open)
        gate.opened.set()
        ref = subprocess.run(_cmd(tmp_path / "ref", config, 1), capture_output=True, text=True, timeout=600)
        gate.opened.clear()
        assert ref.returncode == 0, ref.stderr
        ref_urls = {u for (u,) in _rows(tmp_path / "ref" / "archive.db", "SELECT url FROM captures")}
        ref_pages = {u for u in ref_urls if not u.endswith(ROBOTS) and not u.startswith(gate.url)}
        ref_errors = set(_rows(tmp_path / "ref" / "archive.db", "SELECT url, error FROM fetch_errors"))

        known: dict[str, tuple] = {}  # every complete capture seen so far: id -> (url, digest, file, offset)
        settled: set[str] = set()  # URLs that must never be requested again
        runs_fetchers: list[int] = []
        totals = collections.Counter()
        lost = 0
        recovered_names: set[str] = set()  # files recovery cut back in some round (warcio check at the end)
        for i, plan in enumerate(plans):
            marks = _log_marks(sw, blob_srv)
            t0 = time.monotonic()
            err = tmp_path / f"round{i:02d}.err"
            env = dict(os.environ)
            markdir = tmp_path / f"marks{i:02d}"
            if plan.trigger == "midwrite":
                markdir.mkdir()
                env["ARCHIVE_TEST_MIDWRITE"] = str(markdir)
                env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(MIDWRITE_DIR), env.get("PYTHONPATH")]))
            with err.open("wb") as err_fh:
                proc = subprocess.Popen(_cmd(data, config, plan.fetchers), stdout=subprocess.DEVNULL,
                                        stderr=err_fh, start_new_session=True, env=env)
            runs_fetchers.append(plan.fetchers)
            grown = _wait_bytes(proc, warcs, plan, plan.amount, plan.trigger, markdir)
            if plan.trigger == "midwrite":
                assert any(markdir.glob("midwrite-*")), f"round {i}: no 1.5 MB record was being written"
            if plan.kill == "fetcher":  # the fetcher process dies; the crawl must carry on without it
                helpers = _children(proc.pid)
                assert proc.poll() is None and helpers, f"round {i}: no fetcher process to kill"
                for pid in helpers:
                    os.kill(pid, signal.SIGKILL)
                totals["fetcher kills"] += len(helpers)
                grown += _wait_bytes(proc, warcs, plan, plan.then, "bytes")
            assert proc.poll() is None, (f"round {i}: the crawl ended before its kill point "
                                         f"({proc.returncode}): {err.read_text()[-2000:]}")
            if plan.kill == "crawl":
                os.kill(proc.pid, signal.SIGKILL)
            else:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            _wait_group(proc.pid)
            totals["fetcher deaths settled"] += "a fetcher process died" in err.read_text(errors="replace")
            totals["kills"] += 1
            case = f"crash: SIGKILL round {i:02d} ({plan.kill}, {plan.trigger})"
            # no settled URL was requested again in this round
            again = _requested(sw, blob_srv, marks) & settled
            assert not again, f"round {i}: requested again after being settled: {sorted(again)[:5]}"

            t_check = time.monotonic()
            # what the kill left, on a copy (the real directory is left for the next run's start-up)
            if check.exists():
                shutil.rmtree(check)
            shutil.copytree(data, check, copy_function=_link_or_copy)
            opened = sorted(p.name for p in (check / "warcs").glob("*.open"))
            cuts_before = set((check / "warcs").glob("*.cut*"))
            indexed_at_kill = _rows(check / "archive.db",
                                    "SELECT id, warc_file, warc_offset FROM captures") if (check / "archive.db").exists() else []
            recovered = recover_and_index(check)  # what the next run does first
            assert not list((check / "warcs").glob("*.open"))
            new_cuts = sorted(set((check / "warcs").glob("*.cut*")) - cuts_before)
            cut_bytes = sum(p.stat().st_size for p in new_cuts)
            independent = check_archive(case, check, expected=known)  # warcio, before any assert
            complete = _read_warcs(check / "warcs")  # (a) every file reads to its end, no break
            recovered_names.update(p.name for p in recovered)
            # (b) nothing complete lost; no index row points at a cut or missing record
            missing = [k for k, v in known.items() if complete.captures.get(k) != v]
            lost += len(missing)
            assert independent.lost == 0, f"round {i}: {independent}"
            assert not missing, f"round {i}: complete captures lost: {missing[:5]}"
            if plan.trigger == "midwrite":
                assert new_cuts and cut_bytes > 0, f"round {i}: killed mid-write, but nothing was cut"
            dangling = [r for r in indexed_at_kill if complete.captures.get(r[0], (None,) * 4)[2:] != (r[1], r[2])]
            assert not dangling, f"round {i}: index rows pointing at no complete record: {dangling[:5]}"
            # (c) after start-up recovery, the index is what a fresh reindex gives
            caps, fails = _index(check / "archive.db")
            fresh_caps, fresh_fails = _fresh_reindex(check / "warcs", tmp_path / "fresh")
            assert caps == fresh_caps, (f"round {i}: index != reindex: only in index {sorted(caps - fresh_caps)[:3]}, "
                                        f"only in reindex {sorted(fresh_caps - caps)[:3]}")
            assert fails == fresh_fails, f"round {i}: fetch errors differ: {fails ^ fresh_fails}"

            assert _rows(check / "archive.db", "SELECT count(*) FROM crawls WHERE finished IS NOT NULL") == [(0,)], \
                f"round {i}: the crawl ended before the last kill: the sample web is too small for the plan"
            grew = len(complete.captures) - len(known)
            known = dict(complete.captures)
            settled |= {url for url, *_ in known.values() if not url.endswith(ROBOTS)}
            settled |= {u for (u,) in _rows(check / "archive.db",
                                            "SELECT url FROM frontier WHERE state IN ('done', 'failed')")}
            totals["opened"] += len(opened)
            totals["records cut"] += len(new_cuts)
            totals["bytes cut"] += cut_bytes
            totals["files recovered"] += len(recovered)
            print(f"round {i:2d}: kill {plan.kill} fetchers={plan.fetchers} "
                  f"{plan.trigger}={plan.amount} at +{grown} B / {time.monotonic() - t0:.2f} s: "
                  f".open {len(opened)}, recovered {len(recovered)}, cut {len(new_cuts)} records "
                  f"({cut_bytes} B), captures {len(known)} (+{grew}), indexed at kill {len(indexed_at_kill)}; "
                  f"checked in {time.monotonic() - t_check:.2f} s")

            if i % 5 == 4:  # the command a user runs after a crash, on the real directory
                out = subprocess.run([ARCHIVE, "recover", "--data", str(data)], capture_output=True, text=True,
                                     timeout=120)
                assert out.returncode == 0, out.stderr
                assert not list(warcs.glob("*.open"))

        # the last run, not killed, finishes the crawl (the gate opens: its chain ends)
        gate.opened.set()
        marks = _log_marks(sw, blob_srv)
        fin = subprocess.run(_cmd(data, config, 2), capture_output=True, text=True, timeout=600)
        runs_fetchers.append(2)
        assert fin.returncode == 0, fin.stderr
        again = _requested(sw, blob_srv, marks) & settled
        assert not again, f"last run: requested again after being settled: {sorted(again)[:5]}"

    db = data / "archive.db"
    assert not list(warcs.glob("*.open"))
    files = sorted(warcs.glob("*.warc.gz"))
    assert recovered_names <= {f.name for f in files}
    _warcio_check(files)  # every file, the recovered ones among them
    independent = check_archive(CASE, data, expected=known)
    complete = _read_warcs(warcs)
    missing = [k for k, v in known.items() if complete.captures.get(k) != v]
    lost += len(missing)
    assert independent.lost == 0, str(independent)
    assert not missing
    (crawl_id, finished), = _rows(db, "SELECT id, finished FROM crawls")
    assert finished, "the crawl did not end"
    assert _rows(db, "SELECT count(*) FROM frontier WHERE state NOT IN ('done', 'failed')") == [(0,)]

    # no duplicates: one capture per URL, robots.txt once per host per fetcher per run
    per_url = collections.Counter(c.url for c in complete.records)
    gate_pages = {u for u in per_url if u.startswith(gate.url) and not u.endswith(ROBOTS)}
    dup = {u: n for u, n in per_url.items() if n > 1 and not u.endswith(ROBOTS)}
    assert not dup, f"URLs captured more than once: {dup}"
    robots_cap = sum(runs_fetchers)
    over = {u: n for u, n in per_url.items() if u.endswith(ROBOTS) and n > robots_cap}
    assert not over, f"robots.txt read more often than once per fetcher per run ({robots_cap}): {over}"
    # fetch errors: the clean crawl's, each recorded once (one kept from before a kill is not redone)
    errors = collections.Counter((f[1], f[3]) for f in complete.failures)
    assert set(errors) == ref_errors and set(errors.values()) <= {1}, (errors, ref_errors)
    # the same pages as the clean crawl (the gate's chain aside: it is as long as the rounds took)
    pages = {u for u in per_url if not u.endswith(ROBOTS) and u not in gate_pages}
    assert pages == ref_pages, (f"only in the killed crawl: {sorted(pages - ref_pages)[:5]}; "
                                f"only in the clean one: {sorted(ref_pages - pages)[:5]}")
    assert {s.original_url for s in sw.truth()} <= pages

    # the index equals `archive reindex` into a fresh database
    caps, fails = _index(db)
    fresh = tmp_path / "fresh-cli"
    fresh.mkdir()
    shutil.copytree(warcs, fresh / "warcs")
    rx = subprocess.run([ARCHIVE, "reindex", "--data", str(fresh)], capture_output=True, text=True, timeout=300)
    assert rx.returncode == 0, rx.stderr
    fresh_caps, fresh_fails = _index(fresh / "archive.db")
    # files the crawl registered as read (warc_files) hold what reindex finds in them
    cols = "name, size, records, captures, failures"
    registered = set(_rows(db, f"SELECT {cols} FROM warc_files"))
    assert registered and registered <= set(_rows(fresh / "archive.db", f"SELECT {cols} FROM warc_files"))
    crawl_cols = "id, source, started, finished, pages, bytes, errors, rules, seeds"
    assert _rows(db, f"SELECT {crawl_cols} FROM crawls") == _rows(fresh / "archive.db", f"SELECT {crawl_cols} FROM crawls")
    assert _rows(db, "SELECT pages, errors FROM crawls") == [(len(pages) + len(gate_pages), sum(errors.values()))]
    assert caps == fresh_caps, (f"index != archive reindex: only in index {sorted(caps - fresh_caps)[:3]}, "
                                f"only in reindex {sorted(fresh_caps - caps)[:3]}")
    assert fails == fresh_fails

    print(f"fetch errors: {sorted(e for _, e in errors)}")
    print(f"crash summary: {totals['kills']} kills ({totals['fetcher kills']} fetcher processes killed "
          f"first, {totals['fetcher deaths settled']} times with tasks to settle), {totals['opened']} .open files left, "
          f"{totals['files recovered']} recovered, {totals['records cut']} partial records cut "
          f"({totals['bytes cut']} B), {len(complete.records)} captures kept, {lost} lost, "
          f"{len(pages)} pages (clean crawl {len(ref_pages)}) + {len(gate_pages)} gate pages, {len(files)} WARC files")
    assert lost == 0
    # the README's claim: kills land inside records (the mid-write rounds guarantee it)
    assert totals["records cut"] >= len(MIDWRITE_ROUNDS)
