"""Hardening, bad input (issue 7, item 3): Ctrl-C in every command. Each command runs as a
terminal's foreground job would (its own process group) and gets one SIGINT in the middle of
its work: it prints ``interrupted`` (servers: ``stopped …``) and exits 130, never a traceback,
and what it had archived is all there after the next run's recovery; a SIGINT during start-up
(while modules import) is handled the same. End-to-end cases of the hardening ledger
(tests/support/hardening.py)."""
from __future__ import annotations

import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from support.crawled import archive_state, copy_data, crawl_args
from support.hardening import check_archive
from support.paths import ROOT
from support.program import PY, cli
from support.sources import write_sources
from support.warcs import write_warc

pytestmark = pytest.mark.hardening("e2e")


@pytest.fixture(scope="module")
def slow_web() -> Any:
    """The sample web answering after 300 ms: a crawl of it is still working when Ctrl-C comes."""
    from archive.sampleweb import SampleWeb

    sw = SampleWeb(articles=12, seed=2, latency_ms=300)
    sw.start()
    try:
        yield sw
    finally:
        sw.stop()


@pytest.fixture(scope="module")
def big(small_crawl: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The crawled archive plus 2 500 captures of one URL, one 8 MB page and 3 000 synthetic
    articles: enough work for every command to be interrupted in the middle of it."""
    import random
    import sqlite3

    data = copy_data(small_crawl, tmp_path_factory.mktemp("big") / "data")
    write_warc(data / "warcs", "many", 2500, same_url=True)
    write_warc(data / "warcs", "large", 1, body_size=8 * 1024 * 1024)
    assert cli("reindex", "--data", str(data)).returncode == 0
    rng = random.Random(7)
    words = [f"w{i}" for i in range(5000)]
    with sqlite3.connect(data / "archive.db") as conn:
        conn.executemany(
            "INSERT INTO articles (capture_id, url, site, text, word_count, captured) VALUES (?, ?, ?, ?, ?, ?)",
            [(f"synthetic-{i}", f"http://127.0.0.9/a/{i}", "127.0.0.9",
              " ".join(rng.choice(words) for _ in range(300)), 300, "2025-01-01T00:00:00Z")
             for i in range(3000)])
    return data


def _pids(pid: int) -> list[int]:
    """The process and its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for t in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{t}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except OSError:
            pass
    return out


def _has_open(pid: int, needle: str) -> bool:
    for p in _pids(pid):
        try:
            for fd in os.listdir(f"/proc/{p}/fd"):
                try:
                    if needle in os.readlink(f"/proc/{p}/fd/{fd}"):
                        return True
                except OSError:
                    pass
        except OSError:
            pass
    return False


class Interrupted:
    """A command started in its own process group (like a terminal's foreground job), one
    SIGINT to the group once ``ready`` says it is working (the group is stopped while the
    signal is sent, so it arrives in the middle of the work), then its output and exit status."""

    def __init__(self, args: list[str], ready: Any, *, hold_stdout: bool = False) -> None:
        import signal
        import threading
        import time

        self.args = args
        self.err: list[str] = []
        self.out = b""
        self.first_out = threading.Event()
        # SIGINT at its default in the child: a pytest started in the background (SIGINT ignored,
        # inherited) would otherwise start programs that ignore the very signal under test
        self.proc = subprocess.Popen([PY, "-m", "archive.cli", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=str(ROOT), start_new_session=True,
                                     preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        self.resume = threading.Event()
        threading.Thread(target=self._read_err, daemon=True).start()
        out_thread = threading.Thread(target=self._read_out, args=(hold_stdout,), daemon=True)
        out_thread.start()
        deadline = time.monotonic() + 300  # a hang guard: start-up is slow on a loaded machine
        try:
            while not ready(self):
                assert self.proc.poll() is None, (args, "ended before it was interrupted",
                                                  self.proc.returncode, "".join(self.err))
                assert time.monotonic() < deadline, (args, "never got to work", "".join(self.err))
                time.sleep(0.01)
            # freeze the group where it was seen working, so the signal lands there and not
            # after a quick command already finished; SIGINT is delivered on SIGCONT
            os.killpg(self.proc.pid, signal.SIGSTOP)
            assert self.proc.poll() is None, (args, "ended before it was interrupted", "".join(self.err))
            os.killpg(self.proc.pid, signal.SIGINT)
            os.killpg(self.proc.pid, signal.SIGCONT)
            self.resume.set()
            self.returncode = self.proc.wait(300)
        finally:
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        out_thread.join(10)
        self.stderr = "".join(self.err)

    def _read_err(self) -> None:
        assert self.proc.stderr is not None
        for line in iter(self.proc.stderr.readline, b""):
            self.err.append(line.decode("utf-8", "replace"))

    def _read_out(self, hold: bool) -> None:
        assert self.proc.stdout is not None
        first = self.proc.stdout.read1(65536) if hasattr(self.proc.stdout, "read1") else b""
        self.out += first
        if first:
            self.first_out.set()
        if hold:  # stop reading: the command blocks writing, in the middle of its output
            self.resume.wait(60)
        self.out += self.proc.stdout.read()


def warcs_open(it: Interrupted, data: Path) -> bool:
    return any(p.name.endswith(".open") for p in (data / "warcs").iterdir()) if (data / "warcs").exists() else False


# Commands whose SIGINT is covered elsewhere, and why.
INTERRUPT_ELSEWHERE = {
    "schedule": "tests/test_prefect_schedule.py: 'archive schedule serve' stops on one SIGINT",
    "watch": "tests/test_watch.py: 'archive watch run' stops on Ctrl-C while a webhook hangs",
}
# Long-running servers: Ctrl-C is how they are stopped; they say what stopped ('stopped' as their
# last line) and exit 130 like every other command.
SERVERS = {"sample-web", "serve"}


def interrupt_jobs(web: Any, crawled: Path, big: Path, tmp: Path) -> dict[str, tuple[Path, list[str], Any, bool]]:
    """command -> (its data dir, arguments, 'is it working yet', hold stdout)."""
    import shutil

    def fresh(name: str, src: Path) -> Path:
        return copy_data(src, tmp / name / "data")

    jobs: dict[str, tuple[Path, list[str], Any, bool]] = {}
    d = fresh("crawl", crawled)
    jobs["crawl"] = (d, crawl_args(web, d), lambda it, d=d: warcs_open(it, d), False)
    d = fresh("run", crawled)
    jobs["run"] = (d, ["run", "--data", str(d), "--seed", web.aggregator_url + "/", "--depth", "2",
                       "--delay", "0", "--workers", "1"], lambda it, d=d: warcs_open(it, d), False)
    cfg = write_sources(tmp / "render.toml", {"r": {"start": [web.publisher_url + "/"], "render": True,
                                                    "ssrf_guard": False, "depth": 1, "delay": 0}})
    d = fresh("render", crawled)
    jobs["render"] = (d, ["render", "--data", str(d), "--config", str(cfg), "--source", "r"],
                      lambda it: len(_pids(it.proc.pid)) > 2, False)
    d = tmp / "demo" / "data"
    jobs["demo"] = (d, ["demo", "--data", str(d), "--no-serve", "--articles", "8"],
                    lambda it: any(ln.startswith("crawl 1 ") for ln in it.err), False)
    d = fresh("sample-web", crawled)
    jobs["sample-web"] = (d, ["sample-web", "--articles", "4", "--port", "0", "--publisher-port", "0",
                              "--publisher-host", "127.0.0.2"], lambda it: it.first_out.is_set(), False)
    d = fresh("serve", crawled)
    jobs["serve"] = (d, ["serve", "--data", str(d), "--port", "0"], lambda it: _answers(it.proc.pid), False)
    d = fresh("reindex", big)
    jobs["reindex"] = (d, ["reindex", "--data", str(d)], lambda it: _has_open(it.proc.pid, "many-"), False)
    d = fresh("recover", big)
    many = next((d / "warcs").glob("many-*.warc.gz"))
    many.rename(many.with_name(many.name + ".open"))  # as a killed crawl leaves it: not indexed
    import sqlite3
    with sqlite3.connect(d / "archive.db") as conn:  # a killed crawl neither indexed nor registered it
        conn.execute("DELETE FROM captures WHERE warc_file = ?", (many.name,))
        conn.execute("DELETE FROM warc_files WHERE name = ?", (many.name,))
    conn.close()
    jobs["recover"] = (d, ["recover", "--data", str(d)], lambda it: _has_open(it.proc.pid, "many-"), False)
    d = fresh("extract", crawled)
    jobs["extract"] = (d, ["extract", "--data", str(d), "--workers", "2", "--batch-size", "2"],
                       lambda it, d=d: len(_pids(it.proc.pid)) > 1 and _rows(d, "articles") > 0, False)
    d = fresh("dedupe", big)
    jobs["dedupe"] = (d, ["dedupe", "--data", str(d), "--workers", "1"],
                      lambda it: _has_open(it.proc.pid, "archive.db"), False)
    d = fresh("replay", big)
    jobs["replay"] = (d, ["replay", "--data", str(d), "http://127.0.0.1:1/large/0"],
                      lambda it: it.first_out.is_set(), True)
    d = fresh("captures", big)
    jobs["captures"] = (d, ["captures", "--data", str(d), "http://127.0.0.1:1/many/"],
                        lambda it: it.first_out.is_set(), True)
    d = tmp / "import" / "data"
    src = tmp / "import-src"
    src.mkdir(parents=True)
    shutil.copy(next((big / "warcs").glob("many-*.warc.gz")), src / "many-import.warc.gz")
    jobs["import"] = (d, ["import", "--no-process", "--data", str(d), str(src / "many-import.warc.gz")],
                      lambda it: _has_open(it.proc.pid, "many-import"), False)
    d = fresh("warc-publish", big)
    many_file = next((d / "warcs").glob("many-*.warc.gz"))
    for i in range(40):  # enough files that publishing is still going after the first one
        shutil.copy(many_file, d / "warcs" / f"copy{i:02d}-{many_file.name}")
    store = tmp / "store"
    jobs["warc-publish"] = (d, ["warc-publish", "--data", str(d), "--to", f"file://{store}"],
                            lambda it: store.exists() and any(store.rglob("*.warc.gz")), False)
    d = fresh("export-wacz", big)
    jobs["export-wacz"] = (d, ["export-wacz", "--data", str(d), str(tmp / "out.wacz")],
                           lambda it: (tmp / "out.wacz.part").exists() or _has_open(it.proc.pid, "many-"),
                           False)
    return jobs


def _rows(data: Path, table: str) -> int:
    """Rows in a table, read while a command writes (WAL: readers do not wait)."""
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{data / 'archive.db'}?mode=ro", uri=True, timeout=1)
        try:
            return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def _capture_ids(data: Path) -> set[str]:
    import sqlite3

    conn = sqlite3.connect(data / "archive.db")
    try:
        return {r[0] for r in conn.execute("SELECT id FROM captures")}
    finally:
        conn.close()


def _answers(pid: int) -> bool:
    """``archive serve --port 0`` answers on the port it took (read back from the kernel)."""
    import httpx
    from support.ports import listening_ports

    ports = listening_ports(pid)
    if len(ports) != 1:
        return False
    try:
        return httpx.get(f"http://127.0.0.1:{ports.pop()}/-/versions.json", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_ctrl_c_in_every_command(slow_web: Any, small_crawl: Path, big: Path, tmp_path: Path) -> None:
    from archive.cli import COMMANDS
    from archive.fetch.crawler import recover_and_index

    jobs = interrupt_jobs(slow_web, small_crawl, big, tmp_path)
    assert set(jobs) | set(INTERRUPT_ELSEWHERE) == set(COMMANDS), "a command without a Ctrl-C case"
    before = {name: _capture_ids(d) for name, (d, _, _, _) in jobs.items() if (d / "archive.db").exists()}

    def one(name: str) -> tuple[str, Interrupted | AssertionError]:
        d, args, ready, hold = jobs[name]
        try:
            return name, Interrupted(args, ready, hold_stdout=hold)
        except AssertionError as exc:
            return name, exc

    with ThreadPoolExecutor(3) as pool:
        results = dict(pool.map(one, sorted(jobs)))
    failures = []
    for name, it in results.items():
        case = f"ctrl-c-{name}"
        if isinstance(it, AssertionError):
            failures.append(f"{name}: {it}")
            continue
        lines = [ln.strip() for ln in it.stderr.splitlines() if ln.strip()]
        try:
            assert "Traceback" not in it.stderr, it.stderr
            if name in SERVERS:
                assert it.returncode == 130 and lines and "stopped" in lines[-1], (it.returncode, lines)
            else:
                assert it.returncode == 130, (it.returncode, it.stderr)
                assert lines and lines[-1] == "interrupted", lines
            d = jobs[name][0]
            if (d / "archive.db").exists():
                # what the next run does first: index records the interrupted one wrote but did
                # not index (the batch in flight); nothing may be missing after that
                recover_and_index(d)
                check = check_archive(case, d, expected=before.get(name, set()))
                ids, _ = archive_state(d)  # WARCs read cleanly, every row points at a record
                assert not (before.get(name, set()) - ids) and check.lost == 0, str(check)
        except AssertionError as exc:
            failures.append(f"{name}: {exc}")
            continue
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("module", ["click", "archive.errors", "archive.cli.common"])
def test_ctrl_c_during_start_up_prints_no_traceback(tmp_path: Path, module: str) -> None:
    """SIGINT while the program imports its modules (seen through ``-X importtime``, which
    prints each import as it completes): one 'interrupted' line, no traceback. (A SIGINT in
    the interpreter's own site initialisation or in runpy between importing ``archive.cli`` and
    calling its ``main``, before any of the program runs, is Python's: it prints a traceback.)"""
    import signal

    proc = subprocess.Popen([PY, "-X", "importtime", "-m", "archive.cli", "export-wacz", "--data",
                             str(tmp_path / "d"), str(tmp_path / "x.wacz")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=str(ROOT))
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if re.search(rf"\|\s+{re.escape(module)}$", line.rstrip()):
            proc.send_signal(signal.SIGSTOP)  # frozen in the imports, then interrupted there
            proc.send_signal(signal.SIGINT)
            proc.send_signal(signal.SIGCONT)
            break
    rest = proc.stderr.read()
    proc.wait(30)
    err = "".join(seen) + rest
    assert "Traceback" not in err, err[-2000:]
    assert proc.returncode == 130, (proc.returncode, err[-2000:])
    assert [ln for ln in rest.splitlines() if not ln.startswith("import time:")][-1] == "interrupted"
