"""Mozilla Readability's test pages (../shared/realpages/readability, Apache-2.0) as a WARC."""
from __future__ import annotations

import datetime as dt
from io import BytesIO
from pathlib import Path

from archive.extract.scoring import RefPage, load_pages

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
READABILITY_PAGES = SHARED / "realpages" / "readability" / "pages"


def readability_pages() -> list[RefPage]:
    return load_pages(READABILITY_PAGES)


def write_warc(path: Path, pages: list[RefPage]) -> Path:
    """One gzipped WARC 1.1 file: a warcinfo record, then a request/response pair per page at its
    own URL, served as UTF-8 HTML (the source files are UTF-8), one second apart."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    start = dt.datetime(2024, 5, 1, 12, 0, 0)
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True, warc_version="1.1")
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "tests/support/realpages.py"}))
        for i, page in enumerate(pages):
            body = page.html.encode("utf-8")
            date = (start + dt.timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                               ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
            resp = writer.create_warc_record(page.url, "response", payload=BytesIO(body), http_headers=http,
                                             warc_headers_dict={"WARC-Date": date})
            host = page.url.split("/")[2]
            req_http = StatusAndHeaders("GET /article.html HTTP/1.1", [("Host", host)], is_http_request=True)
            req = writer.create_warc_record(page.url, "request", payload=BytesIO(b""), http_headers=req_http,
                                            warc_headers_dict={"WARC-Date": date})
            req.rec_headers.add_header("WARC-Concurrent-To", resp.rec_headers.get_header("WARC-Record-ID"))
            writer.write_record(resp)
            writer.write_record(req)
    return path
