"""Export the archive (or one source) as a WACZ 1.1.1 package, built here in Python.

Layout of the ZIP (as ``wacz validate`` and ReplayWeb.page expect):

- ``archive/<file>.warc.gz`` — the WARC files holding the exported captures, stored (not
  deflated), byte for byte (plus the files holding the originals of exported revisits);
- ``indexes/index.cdxj`` — one CDXJ line per indexed capture, sorted: ``urlkey timestamp {json}``
  with url, mime, status, digest, length, offset, filename (revisits as ``warc/revisit``);
- ``pages/pages.jsonl`` — a header line, then one line per article page (``id``, ``url``,
  ``ts``, ``title``); when nothing has been extracted, the HTML 200 captures instead;
- ``datapackage.json`` — every file above with its sha256 and size; ``datapackage-digest.json``
  — the sha256 of ``datapackage.json``.

Only GET captures whose record can be reached by a file offset are indexed (records inside a
whole-file gzip member have no such offset; they are counted in ``skipped``). Every page URL is
in the index: pages whose capture is not indexed are left out.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .errors import InputError, NotFound
from .model import Capture, iso, parse_iso, utcnow

WACZ_VERSION = "1.1.1"
_NAME_SAFE = re.compile(r"[^-a-z0-9._]+")
_GZIP_MEMBER = b"\x1f\x8b\x08"


@dataclass
class WaczResult:
    path: Path
    warcs: int = 0
    captures: int = 0       # CDXJ lines
    pages: int = 0
    skipped: int = 0        # captures left out of the index (not GET, not offset-addressable)
    page_urls: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"wrote {self.path}: {self.warcs} WARC files, {self.captures} index lines, "
                f"{self.pages} pages" + (f", {self.skipped} captures not indexed" if self.skipped else ""))


def zip_names(files: Iterable[str]) -> dict[str, str]:
    """A name under ``archive/`` for each WARC file that Frictionless accepts (lower-case, no
    ':' or '/'), made unique."""
    names: dict[str, str] = {}
    for f in sorted(files):
        name = _NAME_SAFE.sub("-", f.replace("/", "_").lower())
        while name in names.values():
            name = "x" + name
        names[f] = name
    return names


def cdxj_line(c: Capture, filename: str) -> str:
    """The CDXJ index line of a capture in the WARC named ``filename`` in the zip."""
    from .replay import to_timestamp14

    fields: dict[str, Any] = {"url": c.url}
    if c.record_type == "revisit":
        fields["mime"] = "warc/revisit"
    elif c.mime:
        fields["mime"] = c.mime
    if c.status is not None:
        fields["status"] = str(c.status)
    if c.payload_digest:
        fields["digest"] = c.payload_digest
    fields["length"] = str(c.warc_length)
    fields["offset"] = str(c.warc_offset)
    fields["filename"] = filename
    return f"{c.urlkey} {to_timestamp14(c.timestamp)} {json.dumps(fields, ensure_ascii=False)}"


def _starts_member(path: Path, offset: int) -> bool:
    with path.open("rb") as fh:
        fh.seek(offset)
        return fh.read(3) == _GZIP_MEMBER


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(2) == _GZIP_MEMBER[:2]


def offset_reachable(warcs_dir: Path, captures: Iterable[Capture]) -> list[Capture]:
    """The captures a WACZ index can point at: records that start their own gzip member, or
    any record of an uncompressed WARC (a record inside a whole-file gzip member has no offset)."""
    gz: dict[str, bool] = {}
    out = []
    for c in captures:
        path = Path(warcs_dir) / c.warc_file
        if c.warc_file not in gz:
            gz[c.warc_file] = _is_gzip(path)
        if not gz[c.warc_file] or _starts_member(path, c.warc_offset):
            out.append(c)
    return out


def _page_ts(timestamp: str) -> str:
    return iso(parse_iso(timestamp).replace(microsecond=0))


@dataclass
class _Selection:
    selected: list[Capture]  # the captures asked for
    files: set[str]  # their WARC files, and those holding their revisits' originals
    in_files: list[Capture]  # every capture of those files
    articles: list[dict[str, Any]]


def _select(data_dir: Path, source: str | None, capture_ids: Iterable[str] | None) -> _Selection:
    from .index import open_db
    from .index.captures import article_pages, captures_in_files, captures_of_source
    from .replay import resolve_revisit

    db = open_db(data_dir, readonly=True)
    try:
        selected = captures_of_source(db, source)
        if capture_ids is not None:
            wanted = set(capture_ids)
            selected = [c for c in selected if c.id in wanted]
        if not selected:
            what = f"source {source!r}" if source else "the archive"
            raise NotFound(f"{data_dir}: no captures in {what} to export")
        files = {c.warc_file for c in selected}
        for c in selected:  # revisits need their originals' files (which may belong to another source)
            if c.record_type == "revisit":
                try:
                    files.add(resolve_revisit(db, c).warc_file)
                except NotFound:
                    pass
        return _Selection(selected, files, captures_in_files(db, files), article_pages(db, source))
    finally:
        db.conn.close()


def _pages(sel: _Selection, indexed: dict[str, Capture]) -> tuple[list[dict[str, Any]], bool]:
    """The page list: the chosen captures' articles, else (nothing extracted yet) their HTML
    200 responses; and whether it came from articles."""
    chosen = {c.id for c in sel.selected}
    pages = [{"id": str(a["id"]), "url": a["url"], "ts": _page_ts(a["ts"]), "title": a["title"] or a["url"]}
             for a in sel.articles if a["capture_id"] in indexed and a["capture_id"] in chosen]
    if pages:
        return pages, True
    for c in sorted(indexed.values(), key=lambda c: (c.timestamp, c.id)):
        if c.id in chosen and c.record_type == "response" and c.status == 200 \
                and c.mime in ("text/html", "application/xhtml+xml"):
            pages.append({"id": c.id, "url": c.url, "ts": _page_ts(c.timestamp), "title": c.url})
    return pages, False


def export_wacz(data_dir: Path, out: Path | str, source: str | None = None, *,
                title: str | None = None, capture_ids: Iterable[str] | None = None) -> WaczResult:
    """Write ``out`` (a .wacz) of the archive, of one ``source``, or of the WARC files holding
    the given ``capture_ids`` (e.g. one page and its requisites); :class:`NotFound` when there
    is nothing to export."""
    from .index import db_path

    data_dir = Path(data_dir)
    out = Path(out)
    if not db_path(data_dir).exists():
        raise NotFound(f"{db_path(data_dir)}: no archive database here (run a crawl first)")
    if out.exists() and out.is_dir():
        raise InputError(f"{out}: is a directory; give a file name ending in .wacz")
    sel = _select(data_dir, source, capture_ids)
    warcs_dir = data_dir / "warcs"
    names = zip_names(sel.files)
    gets = [c for c in sel.in_files if c.method.upper() == "GET"]
    indexed = {c.id: c for c in offset_reachable(warcs_dir, gets)}
    lines = sorted(cdxj_line(c, names[c.warc_file]) for c in indexed.values())
    result = WaczResult(path=out, warcs=len(sel.files), captures=len(lines),
                        skipped=len(sel.in_files) - len(indexed))
    pages, from_articles = _pages(sel, indexed)
    result.pages = len(pages)
    result.page_urls = [p["url"] for p in pages]
    header = {"format": "json-pages-1.0", "id": "pages",
              "title": "Article pages" if from_articles else "HTML pages"}
    pages_bytes = ("\n".join(json.dumps(x, ensure_ascii=False) for x in [header, *pages]) + "\n").encode()
    index_bytes = ("\n".join(lines) + "\n").encode() if lines else b""
    out.parent.mkdir(parents=True, exist_ok=True)
    main = (pages[0]["url"], pages[0]["ts"]) if pages else None
    write_wacz_zip(out, warcs_dir, names, index_bytes, pages_bytes,
                   title=title or ("Syndication Archive" + (f": {source}" if source else "")),
                   software="syndication-archive", main_page=main)
    return result


def write_wacz_zip(out: Path, warcs_dir: Path, names: dict[str, str], index_bytes: bytes,
                   pages_bytes: bytes, *, title: str, software: str,
                   main_page: tuple[str, str] | None = None) -> None:
    """Write the WACZ zip ``out`` (via ``out.part``, renamed when complete): the WARC files
    ``names`` (file in ``warcs_dir`` → name in the zip) stored byte for byte, the CDXJ index,
    ``pages/pages.jsonl``, ``datapackage.json`` with sha256 hashes and its digest."""
    tmp = out.with_name(out.name + ".part")
    resources: list[dict[str, Any]] = []
    now = utcnow()
    stamp = now.timetuple()[:6]
    try:
        with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
            for f, name in names.items():
                path = warcs_dir / f
                info = zipfile.ZipInfo(f"archive/{name}", date_time=stamp)
                info.compress_type = zipfile.ZIP_STORED
                h = hashlib.sha256()
                size = 0
                with path.open("rb") as src, zf.open(info, "w", force_zip64=path.stat().st_size >= 2**31) as dst:
                    for chunk in iter(lambda: src.read(1 << 20), b""):
                        h.update(chunk)
                        size += len(chunk)
                        dst.write(chunk)
                resources.append(_resource(f"archive/{name}", h.hexdigest(), size))
            for zpath, data in (("indexes/index.cdxj", index_bytes), ("pages/pages.jsonl", pages_bytes)):
                info = zipfile.ZipInfo(zpath, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data)
                resources.append(_resource(zpath, hashlib.sha256(data).hexdigest(), len(data)))
            package: dict[str, Any] = {
                "profile": "data-package",
                "wacz_version": WACZ_VERSION,
                "title": title,
                "created": now.replace(microsecond=0).isoformat() + "Z",
                "software": software,
                "resources": resources,
            }
            if main_page is not None:
                package["mainPageURL"], package["mainPageDate"] = main_page
            package_bytes = json.dumps(package, indent=2).encode()
            info = zipfile.ZipInfo("datapackage.json", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, package_bytes)
            digest = {"path": "datapackage.json",
                      "hash": "sha256:" + hashlib.sha256(package_bytes).hexdigest()}
            info = zipfile.ZipInfo("datapackage-digest.json", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, json.dumps(digest, indent=2).encode())
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()


def _resource(path: str, sha256: str, size: int) -> dict[str, Any]:
    return {"name": os.path.basename(path).lower(), "path": path, "hash": f"sha256:{sha256}",
            "bytes": size}


__all__ = ["export_wacz", "WaczResult", "WACZ_VERSION", "write_wacz_zip", "zip_names", "cdxj_line",
           "offset_reachable"]
