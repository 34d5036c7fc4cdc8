"""The incremental dedupe runner: only articles not yet in ``dedupe_state`` are processed.

The new articles are cut into rounds of up to ``batch``; each is planned (one representative per
URL: its first capture; later captures only feed ``versions``), sketched (both cores when many:
the next rounds' sketches run in the workers while the current one is decided) and decided and
written in one transaction (:mod:`.round`). The hashing parameters are stored on first use, and
a run made with others is refused (its keys would not meet the stored ones).
"""
from __future__ import annotations

import json
import time
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError
from ..index.syndication import articles_to_dedupe
from . import keystore
from .batchtok import WORD_HASH
from .minhash import KEY_VERSION, algorithm_version
from .params import DedupeParams, params_from_config
from .plan import Plan, plan_round
from .pool import Pool
from .round import Context, run_round
from .sites import Sites
from .spin import KEY_VERSION as SPIN_KEY_VERSION
from .spin import TABLE as SPIN_TABLE
from .state import store_params, stored_params
from .stats import DedupeStats, Progress
from .work import start_sketch

if TYPE_CHECKING:
    import sqlite3

    from ..config import Config

def wanted_params(p: DedupeParams) -> dict[str, str]:
    out = {k: json.dumps(v) for k, v in p.hashing().items()}
    out["algorithm"] = algorithm_version()
    out["shingle_hash"] = f"{WORD_HASH} roll-splitmix64"
    out["band_key"] = KEY_VERSION
    out["spin_key"] = f"{SPIN_KEY_VERSION} {keystore.LAYOUT}"
    return out


def check_params(conn: "sqlite3.Connection", p: DedupeParams, config_path: str) -> None:
    """Store the hashing parameters on first use; refuse to mix keys made differently."""
    wanted = wanted_params(p)
    stored = stored_params(conn)
    if not stored:
        with conn:  # fresh state: runs left without their parameters (a foreign clear) go too
            keystore.clear(conn)
            keystore.clear(conn, SPIN_TABLE)
            store_params(conn, wanted)
        return
    for name in sorted(set(wanted) | set(stored)):
        if wanted.get(name) != stored.get(name):
            raise ConfigError(
                f"differs from the stored LSH state ({stored.get(name)} stored, {wanted.get(name)} now); "
                "run `archive dedupe --rebuild` to recompute it", path=config_path, section="dedupe",
                field=name)


def run_dedupe(data_dir: Path, config: "Config", *, progress: Progress | None = None,
               rebuild: bool = False) -> DedupeStats:
    """Pair copies with originals among the articles not yet processed (see module doc)."""
    return dedupe_with(Path(data_dir), params_from_config(config), progress=progress,
                       rebuild=rebuild, config_path=str(config.path))


def dedupe_with(data_dir: Path, p: DedupeParams, *, progress: Progress | None = None,
                rebuild: bool = False, config_path: str = "config") -> DedupeStats:
    """:func:`run_dedupe` with the parameters already made (``config_path`` names them in errors)."""
    from ..index import db_path, open_db
    from ..index.syndication import clear

    t0 = time.perf_counter()
    db = open_db(data_dir)
    conn = db.conn
    path = db_path(data_dir)
    try:
        if rebuild:
            clear(db)
        keystore.ensure(conn)
        # 256 MiB: the three dedupe_state indexes reach ~120 MB at a million articles; each round
        # inserts into all of them at random places (a smaller cache spills and rereads pages)
        conn.execute("PRAGMA cache_size = -262144")
        conn.execute("PRAGMA temp_store = MEMORY")
        check_params(conn, p, config_path)
        new_ids = articles_to_dedupe(conn)
        stats = DedupeStats()
        pool = Pool(p.workers)
        parallel = len(new_ids) >= p.parallel_min and p.workers > 1
        cx = Context(conn, path, p, stats, progress, pool, parallel, Sites.from_params(p))
        rounds = [new_ids[s:s + p.batch] for s in range(0, len(new_ids), p.batch)]
        plans: deque[Plan] = deque()  # planned rounds waiting behind the current one
        in_flight: set[str] = set()      # URL keys given a representative by a planned round
        planned = 0

        def ahead(depth: int) -> None:
            """Plan rounds (and start their sketches) until ``depth`` wait behind the current."""
            nonlocal planned
            while len(plans) < depth and planned < len(rounds):
                plan = plan_round(conn, rounds[planned], in_flight)
                planned += 1
                in_flight.update(plan.rep_keys)
                plan.pending, plan.chunks = start_sketch(path, plan.reps, p, pool, parallel)
                plans.append(plan)

        try:
            for _ in rounds:
                ahead(1)
                plan = plans.popleft()
                run_round(cx, plan, ahead if parallel else lambda depth: None)
                in_flight.difference_update(plan.rep_keys)  # stored now
                stats.rounds += 1
        finally:
            pool.close()
        stats.seconds = time.perf_counter() - t0
        return stats
    finally:
        conn.close()
