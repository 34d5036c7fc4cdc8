"""One exception tree for the whole archive (httpx-style).

Every error a user can cause derives from :class:`ArchiveError`; the CLI prints its message
(which names the input at fault) and exits non-zero without a traceback.

    ArchiveError
    ├── ConfigError          bad config file, source, field or rules block
    ├── InputError           bad command-line input: URL, timestamp, file name
    ├── FetchError           one exchange failed (DNS, connect, timeout, too large, robots …)
    ├── WarcError            a WARC file is unreadable or a record is cut / corrupt
    │   └── UnsafePath       a WARC file name that would reach outside DATA/warcs (refused)
    ├── IndexError_          the SQLite index is missing, locked or inconsistent
    ├── ExtractError         a page could not be decoded or parsed
    └── NotFound             nothing in the archive matches (replay, captures)
"""
from __future__ import annotations


class ArchiveError(Exception):
    """Base class of every error the archive raises on purpose."""

    exit_code = 1


class ConfigError(ArchiveError):
    """A config file, one of its sources or rules blocks, or one field is invalid.

    The message names the file, the source (or rules block) and the field.
    """

    def __init__(self, message: str, *, path: str | None = None, section: str | None = None,
                 field: str | None = None) -> None:
        self.path = path
        self.section = section
        self.field = field
        where = ": ".join(p for p in (path, section, field) if p)
        super().__init__(f"{where}: {message}" if where else message)


class InputError(ArchiveError):
    """A command-line argument (URL, timestamp, file) is not acceptable."""

    exit_code = 2


class FetchError(ArchiveError):
    """One HTTP exchange failed; ``kind`` is a short machine-readable reason."""

    def __init__(self, url: str, kind: str, detail: str = "") -> None:
        self.url = url
        self.kind = kind
        self.detail = detail
        super().__init__(f"{url}: {kind}{': ' + detail if detail else ''}")


class WarcError(ArchiveError):
    """A WARC file or record is unreadable; names the file and the offset."""

    def __init__(self, path: str, offset: int | None, message: str) -> None:
        self.path = path
        self.offset = offset
        at = f" at offset {offset}" if offset is not None else ""
        super().__init__(f"{path}{at}: {message}")


class UnsafePath(WarcError):
    """A WARC file name (from the index or a request) that resolves outside ``DATA/warcs``:
    refused before any file is opened (HTTP 403 in the replay routes)."""


class IndexError_(ArchiveError):
    """The SQLite index cannot be used (missing, locked, inconsistent)."""


class ExtractError(ArchiveError):
    """A captured page could not be decoded or parsed into an article."""


class NotFound(ArchiveError):
    """Nothing in the archive matches the request."""

    exit_code = 3
