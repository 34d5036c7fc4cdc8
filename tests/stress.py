"""``make stress-test``: the timing-sensitive tests under load, several times over.

One core is kept busy by a separate process (a pure-Python loop) for the whole run, as a loaded
CI machine would be; then

- each timing-sensitive module runs ``--rounds`` times (default 3) and must pass every time;
- the test that once failed one run in eight (cdxj-indexer on a damaged WARC) runs
  ``--flaky-runs`` times (default 30) and must pass every time.

Prints one line per run (module, round, outcome, seconds) and a summary; exits 1 if any run
failed. Usage: ``python tests/stress.py [--rounds N] [--flaky-runs N] [--no-burner]``.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMING_SENSITIVE = [
    "tests/test_hardening_hostile.py",
    "tests/test_hardening_crash.py",
    "tests/test_prefect_schedule.py",
    "tests/test_schedule_due.py",
    "tests/test_warc_resync.py",
]
FORMERLY_FLAKY = "tests/test_warc_resync.py::test_other_tools_stop_at_the_break"
BURN = "while True: pass"


def run(target: str) -> tuple[bool, float, str]:
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", target],
                          cwd=ROOT, capture_output=True, text=True)
    tail = (proc.stdout.strip().splitlines() or [""])[-1]
    return proc.returncode == 0, time.monotonic() - t0, tail


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--flaky-runs", type=int, default=30)
    ap.add_argument("--no-burner", action="store_true", help="do not keep a core busy")
    ap.add_argument("modules", nargs="*", default=TIMING_SENSITIVE)
    args = ap.parse_args(argv)
    burner = None if args.no_burner else subprocess.Popen([sys.executable, "-c", BURN])
    results: dict[str, list[bool]] = {}
    try:
        print(f"load: one core busy ({'no ' if burner is None else ''}burner pid "
              f"{burner.pid if burner else '-'}), {os.cpu_count()} cores, loadavg {os.getloadavg()[0]:.2f}",
              flush=True)
        plan = [(m, r) for r in range(1, args.rounds + 1) for m in args.modules]
        plan += [(FORMERLY_FLAKY, r) for r in range(1, args.flaky_runs + 1)]
        for target, r in plan:
            ok, secs, tail = run(target)
            results.setdefault(target, []).append(ok)
            print(f"{'pass' if ok else 'FAIL'}  {target}  run {r}  {secs:6.1f} s  "
                  f"loadavg {os.getloadavg()[0]:.2f}  {tail}", flush=True)
    finally:
        if burner is not None:
            burner.kill()
            burner.wait()
    print("stress summary:")
    for target, oks in results.items():
        print(f"  {sum(oks)}/{len(oks)} passed  {target}")
    return 0 if all(all(v) for v in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
