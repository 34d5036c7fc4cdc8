"""``archive export-wacz``: passes ``wacz validate``, lists the article pages, indexes every page
URL, and its index points at the right records."""
from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from archive.errors import NotFound
from archive.wacz import export_wacz
from support.paths import ROOT
from support.query_archive import Archive
from support.interop import tool


@pytest.fixture(scope="module")
def wacz(arc: Archive, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out") / "archive.wacz"
    r = subprocess.run([sys.executable, "-m", "archive.cli", "export-wacz", "--data", str(arc.data_dir), str(out)],
                       cwd=str(ROOT), capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert b"wrote" in r.stdout
    return out


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("wacz"), "validate", "-f", str(path)], capture_output=True, text=True, timeout=120)


def test_wacz_validate_accepts_it(wacz: Path) -> None:
    r = validate(wacz)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Validation succeeded" in r.stdout


def test_validate_catches_a_tampered_copy(wacz: Path, tmp_path: Path) -> None:
    # the check above is worth something: a changed index no longer matches its hash
    bad = tmp_path / "bad.wacz"
    with zipfile.ZipFile(wacz) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "indexes/index.cdxj":
                data += b"com,example)/ 20250101000000 {}\n"
            dst.writestr(info, data)
    assert validate(bad).returncode != 0


def _read(wacz: Path) -> tuple[list[dict], list[tuple[str, str, dict]], zipfile.ZipFile]:
    zf = zipfile.ZipFile(wacz)
    lines = zf.read("pages/pages.jsonl").decode().splitlines()
    pages = [json.loads(ln) for ln in lines]
    index = []
    for ln in zf.read("indexes/index.cdxj").decode().splitlines():
        key, ts, js = ln.split(" ", 2)
        index.append((key, ts, json.loads(js)))
    return pages, index, zf


def test_pages_list_the_article_pages(wacz: Path, arc: Archive) -> None:
    pages, index, _ = _read(wacz)
    assert pages[0]["format"] == "json-pages-1.0"
    entries = pages[1:]
    assert entries and all({"id", "url", "ts"} <= set(p) for p in entries)
    assert {p["url"] for p in entries} == {arc.urls[n] for n in ("story", "copy", "changing_1", "gz")}
    assert len(entries) == 5  # changing page has two article versions
    for p in entries:
        assert p["ts"].endswith("Z") and p["ts"][:4] == "2025"
    indexed_urls = {fields["url"] for _, _, fields in index}
    assert all(p["url"] in indexed_urls for p in entries)


def test_index_is_sorted_and_points_at_the_records(wacz: Path, arc: Archive) -> None:
    from archive.warc.reader import read_record

    _, index, zf = _read(wacz)
    raw_lines = zf.read("indexes/index.cdxj").decode().splitlines()
    assert raw_lines == sorted(raw_lines)
    assert len(index) == len(arc.captures)
    names = set(zf.namelist())
    for key, ts, fields in index:
        member = f"archive/{fields['filename']}"
        assert member in names
        info = zf.getinfo(member)
        assert info.compress_type == zipfile.ZIP_STORED
        data = zf.read(member)
        off, length = int(fields["offset"]), int(fields["length"])
        tmp = Path(zf.filename).with_suffix(".check.warc.gz")  # type: ignore[arg-type]
        tmp.write_bytes(data[off:off + length])
        with read_record(tmp, 0) as view:
            assert view.target_uri == fields["url"]
            assert view.rec_type == ("revisit" if fields.get("mime") == "warc/revisit" else "response")
        tmp.unlink()
        assert len(ts) == 14


def test_datapackage_lists_every_file_with_sha256(wacz: Path) -> None:
    import hashlib

    zf = zipfile.ZipFile(wacz)
    package = json.loads(zf.read("datapackage.json"))
    assert package["wacz_version"] == "1.1.1" and package["profile"] == "data-package"
    listed = {r["path"]: r for r in package["resources"]}
    members = set(zf.namelist()) - {"datapackage.json", "datapackage-digest.json"}
    assert set(listed) == members
    for path, res in listed.items():
        data = zf.read(path)
        assert res["hash"] == "sha256:" + hashlib.sha256(data).hexdigest() and res["bytes"] == len(data)
    digest = json.loads(zf.read("datapackage-digest.json"))
    assert digest["hash"] == "sha256:" + hashlib.sha256(zf.read("datapackage.json")).hexdigest()


def test_export_one_source(arc: Archive, tmp_path: Path) -> None:
    out = tmp_path / "sample.wacz"
    result = export_wacz(arc.data_dir, out, source="sample")
    assert result.pages == 5 and validate(out).returncode == 0
    with pytest.raises(NotFound, match="nobody"):
        export_wacz(arc.data_dir, tmp_path / "none.wacz", source="nobody")
    assert not (tmp_path / "none.wacz").exists()


def test_export_of_imported_warcs_validates(tmp_path: Path) -> None:
    from archive.importer import import_warcs
    from support.paths import SHARED

    data = tmp_path / "data"
    import_warcs(data, sorted((SHARED / "interop" / "warcs").glob("*.warc.gz")))
    out = tmp_path / "imported.wacz"
    result = export_wacz(data, out)
    assert validate(out).returncode == 0
    pages, index, _ = _read(out)
    # no articles extracted here: the HTML pages are listed instead, each one indexed
    assert result.pages == len(pages) - 1 >= 3
    assert {p["url"] for p in pages[1:]} <= {f["url"] for _, _, f in index}
    assert result.skipped == 3  # the POST captures are kept in the WARCs, not in the GET index


def test_export_chosen_captures(arc: Archive, tmp_path: Path) -> None:
    out = tmp_path / "one.wacz"
    result = export_wacz(arc.data_dir, out, capture_ids=[arc.captures["story"].id])
    assert validate(out).returncode == 0
    pages, index, _ = _read(out)
    assert [p["url"] for p in pages[1:]] == [arc.urls["story"]] and result.pages == 1
    assert arc.urls["story"] in {f["url"] for _, _, f in index}
