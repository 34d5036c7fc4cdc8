"""Canonical URLs for crawl de-duplication and SURT keys as CDXJ indexers write them."""
from __future__ import annotations

import pytest

from archive.errors import InputError
from archive.urls import canonicalize, host_of, surt


@pytest.mark.parametrize("a, b", [
    ("HTTP://Example.COM:80/a/b#frag", "http://example.com/a/b"),
    ("https://example.com:443", "https://example.com/"),
    ("http://example.com/%7euser/%2fx", "http://example.com/~user/%2Fx"),
    ("http://example.com/a b", "http://example.com/a%20b"),
    ("http://127.0.0.2:8602/x?b=2&a=1", "http://127.0.0.2:8602/x?b=2&a=1"),
])
def test_canonicalize(a, b):
    assert canonicalize(a) == b
    assert canonicalize(b) == b  # idempotent


@pytest.mark.parametrize("bad", ["file:///etc/passwd", "javascript:alert(1)", "data:text/html,x",
                                 "http://", "ftp://example.com/", "http://example.com:99999/"])
def test_canonicalize_rejects_with_the_input_named(bad):
    with pytest.raises(InputError) as err:
        canonicalize(bad)
    assert repr(bad.strip()) in str(err.value)


def test_surt_matches_cdxj_conventions():
    assert surt("http://www.Example.com/Path?b=2&a=1") == "com,example)/path?a=1&b=2"
    assert surt("https://example.com") == "com,example)/"
    assert surt("http://127.0.0.1:8601/usconservative/topic/waexaminer") == \
        "1,0,0,127:8601)/usconservative/topic/waexaminer"
    assert surt("http://example.com/%7euser/a%20b") == "com,example)/~user/a%20b"
    assert surt("http://example.com/a%2Fb") == "com,example)/a/b"
    assert surt("http://example.com:80/") == "com,example)/"


def test_host_of():
    assert host_of("http://127.0.0.1:8601/x") == "127.0.0.1:8601"
    assert host_of("https://AM1.news:443/x") == "am1.news"


def test_surt_agrees_with_the_surt_package_cdxj_indexer_uses():
    """Our urlkey must equal what cdxj-indexer writes, or lookups of imported CDXJ miss."""
    import json
    import subprocess
    from pathlib import Path

    from support.interop import tool

    urls = ["http://127.0.0.1:8601/usconservative/topic/waexaminer/6-slug-x?page=2",
            "http://127.0.0.2:8602/news/2025/06/20/story", "https://www.example.com/A/B?z=1&a=2",
            "http://example.com/%7euser/a%20b", "https://am1.news/", "http://example.com:8080/x"]
    py = Path(tool("cdxj-indexer")).parent / "python"
    out = subprocess.run([str(py), "-c", "import json,sys; from surt import surt; "
                          "print(json.dumps([surt(u) for u in json.load(sys.stdin)]))"],
                         input=json.dumps(urls), capture_output=True, text=True, check=True).stdout
    assert [surt(u) for u in urls] == json.loads(out)
