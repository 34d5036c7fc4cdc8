"""URL keys: the regex fast path of ``url_key`` gives the same key as the ``urlsplit`` reference
on real-looking URLs and on seeded random junk (user info, IPv6, odd ports, whitespace,
schemes, fragments), and the loose identity it promises."""
from __future__ import annotations

import random

import pytest

from archive.dedupe.normalize import _url_key_split, url_key

PIECES = ["http://", "https://", "HTTP://", "ftp://", "//", "www.", "WWW.", "Example.COM", "a.b", ".", ":",
          ":80", ":443", ":8080", ":99999", ":0", ":080", "/", "//", "/path", "/a/b/", "?", "?q=1", "?a=b&c=d",
          "#", "#frag", "@", "user:pw@", "[::1]", " ", "\t", "\n", "%20", "ü", "_", "-", "..", "x", "1.2.3.4",
          ";p", "\\", "?x#y#z"]


@pytest.mark.parametrize("url, key", [
    ("https://www.Example.com/a/b/?q=1#top", "example.com/a/b?q=1"),
    ("http://example.com:80/x", "example.com/x"),
    ("http://127.0.0.2:8601/story/", "127.0.0.2:8601/story"),
    ("  https://am1.news/usconservative/topic/waexaminer/6-slug-x  ", "am1.news/usconservative/topic/waexaminer/6-slug-x"),
    ("https://example.com.", "example.com"),
    ("https://user@example.com/p", "example.com/p"),
    ("https://[::1]:8080/p", "::1:8080/p"),
    ("not a url", None),
    ("", None),
])
def test_url_key_examples(url: str, key: str | None) -> None:
    assert url_key(url) == key == _url_key_split(url)


def test_fast_path_agrees_with_urlsplit_on_random_urls() -> None:
    rng = random.Random(20261127)
    urls = ["".join(rng.choice(PIECES) for _ in range(rng.randrange(1, 9))) for _ in range(40_000)]
    urls += ["https://" + "".join(rng.choice(PIECES[5:]) for _ in range(rng.randrange(1, 8))) for _ in range(40_000)]
    differ = [(u, _url_key_split(u), url_key(u)) for u in urls if _url_key_split(u) != url_key(u)]
    assert not differ, differ[:5]
