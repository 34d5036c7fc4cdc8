"""One line for the environment failures a command can meet (not bugs): a full disk, a file
it may not read, a database locked by another process or full."""
from __future__ import annotations

import errno

NO_SPACE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen and len(seen) < 20:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return seen


def one_line(exc: BaseException) -> str | None:
    """The message for an environment failure (looked for along the exception's chain), or
    None for anything else (a bug keeps its traceback)."""
    import sqlite3

    for e in _chain(exc):
        if isinstance(e, OSError) and e.errno in NO_SPACE:
            where = e.filename or "the data directory"
            what = "file size limit reached" if e.errno == errno.EFBIG else "no space left on device"
            return (f"{where}: {what}; the run stopped, what was written before is kept "
                    f"(free space, then run it again)")
    for e in _chain(exc):
        if isinstance(e, sqlite3.DatabaseError):
            from ..index import busy_timeout, describe_sqlite_error

            low = str(e).lower()
            timeout = busy_timeout() if ("locked" in low or "busy" in low) else None
            return describe_sqlite_error(e, timeout=timeout)
    for e in _chain(exc):
        if isinstance(e, OSError) and e.strerror:
            where = f"{e.filename}: " if e.filename else ""
            return f"{where}{e.strerror}"
    return None
