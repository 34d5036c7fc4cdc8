"""A shared WARC store at an fsspec URL (``s3://bucket/warcs``, ``file:///mnt/warcs`` …).

Workers on several machines crawl into their own ``DATA/warcs`` and *publish* each closed WARC
to one store; one indexer *pulls* what its index has not seen and indexes it. The WARCs stay the
truth: nothing is deleted anywhere, and every copy is checked against the original's size and
SHA-256.

- ``publish(local_path) -> url``: a finished WARC only (never a ``….open`` file still being
  written) is uploaded to a temporary name (``NAME.UUID.part``), its size and SHA-256 read back
  and compared, its digest written beside it (``NAME.sha256``, ``sha256sum`` format), and only then
  moved to ``NAME``: a reader never sees a partial file. Publishing a file that is already there
  (same size and digest) does nothing; a *different* file under that name is never overwritten.
- ``list()``: the finished WARCs in the store (``*.warc.gz``, ``*.warc``; no ``.part``).
- ``open(name)``: a seekable binary file over the object (range reads on S3);
  ``fetch(name, dest_dir)``: a verified local copy.
- :func:`open_store`: the configured store (``[settings] warc_store``, ``$ARCHIVE_WARC_STORE``).

Publishing the files a crawl closed and pulling what the index lacks are :mod:`.sync`'s.

Every problem with the store (unknown protocol, missing credentials, access denied, endpoint down,
no such bucket) raises :class:`~archive.errors.InputError` naming the store's URL.
"""
from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable, Mapping

from ..errors import ArchiveError, InputError, WarcError
from .files import OPEN_SUFFIX, is_finished_name

if TYPE_CHECKING:
    from ..config import Settings

STORE_ENV = "ARCHIVE_WARC_STORE"
OPTIONS_ENV = "ARCHIVE_WARC_STORE_OPTIONS"  # JSON object, merged over [settings] warc_store_options
DIGEST_SUFFIX = ".sha256"
PART_SUFFIX = ".part"
INCOMING = ".incoming"  # DATA/warcs/.incoming: downloads in flight (same filesystem: atomic rename)
CHUNK = 8 << 20

_NO_CREDENTIALS = {"NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError",
                   "NoAuthTokenError", "DefaultCredentialsError"}
_UNREACHABLE = {"EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError", "ConnectionClosedError",
                "ClientConnectorError", "ServerDisconnectedError", "ClientOSError", "ConnectionError",
                "TimeoutError"}


@dataclass(frozen=True)
class StoredWarc:
    """One finished WARC in the store."""

    name: str
    size: int
    url: str


def digest_file(path: Path) -> str:
    """The SHA-256 of a local file (hex)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _store_error(url: str, doing: str, exc: BaseException) -> InputError:
    names = {c.__name__ for c in type(exc).__mro__}
    detail = f"{type(exc).__name__}: {exc}"
    if names & _NO_CREDENTIALS:
        why = (f"no credentials found ({detail}); set them in the environment (for S3: "
               "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE) or as "
               "[settings] warc_store_options key/secret = \"env:NAME\"")
    elif isinstance(exc, PermissionError):
        why = f"access denied ({detail}): check the credentials and the bucket's permissions"
    elif names & _UNREACHABLE or isinstance(exc, ConnectionError):
        why = f"cannot reach the store's endpoint ({detail})"
    elif isinstance(exc, FileNotFoundError):
        why = f"not found ({detail}): does the bucket or directory exist?"
    elif isinstance(exc, ImportError):
        why = f"its protocol needs a package that is not installed ({detail})"
    elif isinstance(exc, ValueError) and "protocol" in str(exc).lower():
        why = f"unknown storage protocol ({detail})"
    else:
        why = detail
    return InputError(f"WARC store {url}: {doing}: {why}")


def resolve_options(url: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """Storage options with each ``"env:NAME"`` value read from ``$NAME`` (missing: InputError)."""
    out: dict[str, Any] = {}
    for key, value in options.items():
        if isinstance(value, str) and value.startswith("env:"):
            var = value[4:]
            if var not in os.environ:
                raise InputError(f"WARC store {url}: storage option {key!r} reads ${var}, which is not set")
            out[key] = os.environ[var]
        elif isinstance(value, Mapping):
            out[key] = resolve_options(url, value)
        else:
            out[key] = value
    return out


class WarcStore:
    """Finished WARC files under one fsspec URL (see the module docstring)."""

    def __init__(self, url: str, storage_options: Mapping[str, Any] | None = None) -> None:
        if not url or not isinstance(url, str):
            raise InputError(f"WARC store {url!r}: no URL given")
        self.url = url.rstrip("/") or url
        opts = resolve_options(self.url, storage_options or {})
        try:
            import fsspec

            # a fresh instance: credentials and endpoints are read now, not from an older cached one
            self.fs, root = fsspec.url_to_fs(self.url, skip_instance_cache=True, **opts)
        except ArchiveError:
            raise
        except Exception as exc:  # noqa: BLE001 - unknown protocol, missing package, bad option
            raise _store_error(self.url, "cannot open", exc) from None
        self.root = str(root).rstrip("/")
        protocols = self.fs.protocol if isinstance(self.fs.protocol, (tuple, list)) else (self.fs.protocol,)
        self.local = bool({"file", "local"} & set(protocols))

    # -- names ---------------------------------------------------------------------------------
    def _path(self, name: str) -> str:
        return f"{self.root}/{name}" if self.root else name

    def url_of(self, name: str) -> str:
        """The full URL of a stored file."""
        return f"{self.url}/{name}"

    def _call(self, doing: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ArchiveError:
            raise
        except Exception as exc:  # noqa: BLE001 - every backend error names the store
            raise _store_error(self.url, doing, exc) from None

    def _info(self, name: str) -> dict[str, Any] | None:
        path = self._path(name)
        try:
            return dict(self.fs.info(path))
        except FileNotFoundError:
            return None
        except Exception as exc:  # noqa: BLE001
            raise _store_error(self.url, f"cannot look up {name}", exc) from None

    # -- reading -------------------------------------------------------------------------------
    def list(self) -> list[StoredWarc]:
        """The finished WARCs in the store, by name."""
        self.fs.invalidate_cache(self.root)
        try:
            entries = self.fs.ls(self.root, detail=True)
        except FileNotFoundError as exc:
            if self._anchor_exists():
                return []  # nothing published yet
            raise _store_error(self.url, "cannot list", exc) from None
        except Exception as exc:  # noqa: BLE001
            raise _store_error(self.url, "cannot list", exc) from None
        out = []
        for e in entries:
            name = str(e.get("name", "")).rstrip("/").rsplit("/", 1)[-1]
            if e.get("type") == "file" and is_finished_name(name):
                out.append(StoredWarc(name=name, size=int(e.get("size") or 0), url=self.url_of(name)))
        return sorted(out, key=lambda w: w.name)

    def _anchor_exists(self) -> bool:
        """A missing prefix in an existing bucket (or a local directory not made yet) is empty."""
        if self.local:
            return True
        bucket = self.root.split("/", 1)[0]
        return bool(self._call("cannot look up the bucket", self.fs.exists, bucket))

    def open(self, name: str) -> IO[bytes]:
        """A seekable binary file over a stored WARC (range reads; use as a context manager)."""
        if not is_finished_name(name):
            raise InputError(f"WARC store {self.url}: {name!r} is not a finished WARC file name")
        return self._call(f"cannot open {name}", self.fs.open, self._path(name), "rb", block_size=1 << 20)  # type: ignore[no-any-return]

    def digest(self, name: str) -> str | None:
        """The SHA-256 the publisher recorded for ``name`` (None when it has no ``.sha256``)."""
        path = self._path(name + DIGEST_SUFFIX)
        try:
            text = self.fs.cat_file(path).decode("ascii", "replace")
        except FileNotFoundError:
            return None
        except Exception as exc:  # noqa: BLE001
            raise _store_error(self.url, f"cannot read {name}{DIGEST_SUFFIX}", exc) from None
        value = text.split()[0].lower() if text.split() else ""
        return value if len(value) == 64 and all(c in "0123456789abcdef" for c in value) else None

    def _remote_digest(self, path: str) -> tuple[int, str]:
        h = hashlib.sha256()
        n = 0
        with self._call("cannot read back", self.fs.open, path, "rb", block_size=CHUNK) as fh:
            while True:
                chunk = self._call("cannot read back", fh.read, CHUNK)
                if not chunk:
                    break
                h.update(chunk)
                n += len(chunk)
        return n, h.hexdigest()

    def fetch(self, name: str, dest_dir: Path, *, size: int | None = None) -> tuple[Path, str]:
        """Copy ``name`` to ``dest_dir/name`` through ``dest_dir/.incoming`` and check it against
        the stored size and the publisher's digest; (path, sha256). An existing local file of that
        name is never replaced (WarcError unless it is the same file)."""
        if not is_finished_name(name):
            raise InputError(f"WARC store {self.url}: {name!r} is not a finished WARC file name")
        dest_dir = Path(dest_dir)
        final = dest_dir / name
        expected = self.digest(name)
        if size is None:
            info = self._info(name)
            if info is None:
                raise InputError(f"WARC store {self.url}: no WARC named {name}")
            size = int(info.get("size") or 0)
        incoming = dest_dir / INCOMING
        incoming.mkdir(parents=True, exist_ok=True)
        part = incoming / f"{name}.{uuid.uuid4().hex}{PART_SUFFIX}"
        h = hashlib.sha256()
        n = 0
        try:
            with self.open(name) as src, open(part, "wb") as out:
                while True:
                    chunk = self._call(f"cannot read {name}", src.read, CHUNK)
                    if not chunk:
                        break
                    h.update(chunk)
                    out.write(chunk)
                    n += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            digest = h.hexdigest()
            if n != size:
                raise WarcError(self.url_of(name), None, f"download has {n} bytes, the store lists {size}")
            if expected is not None and digest != expected:
                raise WarcError(self.url_of(name), None,
                                f"download's SHA-256 {digest} differs from the published {expected}")
            if final.exists():
                if final.stat().st_size == n and digest_file(final) == digest:
                    return final, digest
                raise WarcError(str(final), None, f"a different local file has the name of {self.url_of(name)}; "
                                "not replaced")
            os.replace(part, final)
        finally:
            if part.exists():
                part.unlink()
        return final, digest

    # -- writing -------------------------------------------------------------------------------
    def publish(self, local_path: Path) -> str:
        """Upload one finished WARC (see the module docstring); its URL in the store."""
        local_path = Path(local_path)
        name = local_path.name
        if name.endswith(OPEN_SUFFIX):
            raise WarcError(str(local_path), None, "still being written (.open): never published")
        if not is_finished_name(name):
            raise WarcError(str(local_path), None, "not a finished WARC file name (*.warc.gz or *.warc)")
        if not local_path.is_file():
            raise WarcError(str(local_path), None, "no such WARC file")
        size = local_path.stat().st_size
        digest = digest_file(local_path)
        final = self._path(name)
        self.fs.invalidate_cache(self.root)  # look at the store itself, not an older listing
        there = self._info(name)
        if there is not None:
            return self._check_same(name, final, int(there.get("size") or 0), size, digest)
        if self.local:
            self._call("cannot create the directory", self.fs.makedirs, self.root, exist_ok=True)
        tmp = self._path(f"{name}.{uuid.uuid4().hex}{PART_SUFFIX}")
        try:
            self._call(f"cannot upload {name}", self.fs.put_file, str(local_path), tmp)
            self.fs.invalidate_cache(self.root)
            got_size, got_digest = self._remote_digest(tmp)
            if (got_size, got_digest) != (size, digest):
                raise WarcError(self.url_of(name), None,
                                f"upload check failed: {got_size} bytes (SHA-256 {got_digest}) in the store, "
                                f"{size} bytes (SHA-256 {digest}) here; the local file is kept")
            self._call(f"cannot write {name}{DIGEST_SUFFIX}", self.fs.pipe_file,
                       self._path(name + DIGEST_SUFFIX), f"{digest}  {name}\n".encode("ascii"))
            self._call(f"cannot move {name} into place", self.fs.mv, tmp, final)
        except BaseException:
            self._remove_quietly(tmp)
            raise
        self.fs.invalidate_cache(self.root)
        placed = self._info(name)
        if placed is None or int(placed.get("size") or 0) != size:
            raise WarcError(self.url_of(name), None, "not in place after the move; the local file is kept")
        return self.url_of(name)

    def _check_same(self, name: str, final: str, there_size: int, size: int, digest: str) -> str:
        if there_size == size:
            recorded = self.digest(name)
            if recorded is None:
                recorded = self._remote_digest(final)[1]
            if recorded == digest:
                return self.url_of(name)
        raise WarcError(self.url_of(name), None,
                        f"the store already holds a different file of that name ({there_size} bytes, "
                        f"here {size}); not overwritten, the local file is kept")

    def _remove_quietly(self, path: str) -> None:
        try:
            if self.fs.exists(path):
                self.fs.rm_file(path)
        except Exception:  # noqa: BLE001 - cleanup of a temporary name only
            pass


def open_store(settings: "Settings | None" = None, url: str | None = None) -> WarcStore | None:
    """The configured store: ``url``, else ``$ARCHIVE_WARC_STORE``, else ``[settings] warc_store``;
    None when none is set. The config's storage options apply when the protocol is the configured
    store's; ``$ARCHIVE_WARC_STORE_OPTIONS`` (a JSON object) is merged over them."""
    configured = settings.warc_store if settings is not None else None
    chosen = url or os.environ.get(STORE_ENV) or configured
    if not chosen:
        return None
    options: dict[str, Any] = {}
    if settings is not None and settings.warc_store_options and (
            configured is None or _protocol(configured) == _protocol(chosen)):
        options.update(settings.warc_store_options)
    raw = os.environ.get(OPTIONS_ENV)
    if raw:
        try:
            extra = json.loads(raw)
        except ValueError as exc:
            raise InputError(f"${OPTIONS_ENV}: not JSON ({exc})") from None
        if not isinstance(extra, dict):
            raise InputError(f"${OPTIONS_ENV}: must be a JSON object")
        options.update(extra)
    return WarcStore(chosen, options)


def _protocol(url: str) -> str:
    return url.partition("://")[0] if "://" in url else "file"
