"""A slow disk, for the crash test's mid-write rounds (on ``PYTHONPATH`` of the crawl it starts).

With ``ARCHIVE_TEST_MIDWRITE=DIR`` in the environment, a WARC append of at least 1 MiB is written
in two halves: after the first, the writing process creates ``DIR/midwrite-PID`` and sleeps, as
a write to a slow disk would be in progress. The test SIGKILLs the process group as soon as the
file appears, so the kill lands inside a record for certain (a real 1.5 MB write takes about a
millisecond: whether a kill lands in it is otherwise luck). Without the variable, nothing changes.
"""
from __future__ import annotations

import os


def _install(where: str) -> None:
    import time
    from pathlib import Path

    from archive.warc import writer

    class _SlowHalf:
        """Wraps the open file's ``write``: a large buffer pauses halfway."""

        def __init__(self, fh: object) -> None:
            self._fh = fh

        def write(self, data: memoryview) -> int:
            if len(data) >= 1 << 20:
                half = len(data) // 2
                done = 0
                while done < half:
                    done += self._fh.write(data[done:half])  # type: ignore[attr-defined]
                os.fsync(self._fh.fileno())  # type: ignore[attr-defined]
                Path(where, f"midwrite-{os.getpid()}").touch()
                time.sleep(30)
                return done
            return self._fh.write(data)  # type: ignore[attr-defined]

        def __getattr__(self, name: str) -> object:
            return getattr(self._fh, name)

    original = writer.WarcWriter._append

    def _append(self, members):  # type: ignore[no-untyped-def]
        fh = self._fh
        self._fh = _SlowHalf(fh)
        try:
            return original(self, members)
        finally:
            self._fh = fh

    writer.WarcWriter._append = _append  # type: ignore[method-assign]


if os.environ.get("ARCHIVE_TEST_MIDWRITE"):
    _install(os.environ["ARCHIVE_TEST_MIDWRITE"])
