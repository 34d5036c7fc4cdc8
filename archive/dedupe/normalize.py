"""Text and identity normalisation shared by every dedupe step.

Texts are compared as lower-cased word tokens (``\\w+``, Unicode aware), so whitespace, case and
punctuation never make two copies differ. URLs are compared by a loose key (no scheme, no
``www.``, no trailing slash, no fragment) and publishers by a squashed name.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import urlsplit

_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'“‘(\[]?[A-Z0-9])")
_NAME_JUNK = re.compile(r"[^0-9a-z]+")


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens of ``text`` (NFKC first: NBSP and ligatures become plain)."""
    if not text.isascii():  # NFKC leaves ASCII as it is
        text = unicodedata.normalize("NFKC", text)
    return _WORD.findall(text.lower())


def norm_hash(toks: list[str]) -> str:
    """Hash of the token sequence: equal for texts that differ only in case, spacing, punctuation."""
    return hashlib.blake2b(" ".join(toks).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def paragraphs(text: str) -> list[str]:
    """Non-empty lines of ``text``, whitespace squashed (extraction writes one paragraph a line)."""
    out = []
    for line in text.splitlines():
        line = " ".join(line.split())
        if line:
            out.append(line)
    return out


# scheme://host[:port][/path][?query][#fragment] with a plain host (no user info, no IPv6
# literal) and no whitespace or control characters: url_key reads these without urlsplit (a
# tenth of the time; dedupe keys every article's URL) and gives the same key
_PLAIN_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://([A-Za-z0-9._-]*)(?::([0-9]{1,5}))?"
                        r"(/[^?#\x00-\x20\x7f]*)?(?:\?([^#\x00-\x20\x7f]*))?(?:#[^\x00-\x20\x7f]*)?")


def url_key(url: str | None) -> str | None:
    """Loose identity of a URL: host without ``www.``, port, path without trailing slash, query."""
    if not url:
        return None
    url = url.strip()
    m = _PLAIN_URL.fullmatch(url)
    if m is None or not url.isascii():
        return _url_key_split(url)
    host, port, path, query = m.groups()
    host = host.lower().rstrip(".")
    if not host:
        return _url_key_split(url)
    if host.startswith("www."):
        host = host[4:]
    if port is not None and int(port) not in (80, 443):
        if int(port) > 65535:
            return _url_key_split(url)
        host = f"{host}:{int(port)}"
    key = host + (path or "").rstrip("/")
    if query:
        key += "?" + query
    return key


def _url_key_split(url: str) -> str | None:
    """:func:`url_key` for any URL, through ``urlsplit`` (the reference the fast path matches)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port
    except ValueError:
        return url.strip().lower() or None
    if not host:
        return None
    if host.startswith("www."):
        host = host[4:]
    if port is not None and port not in (80, 443):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/") or ""
    key = host + path
    if parts.query:
        key += "?" + parts.query
    return key


def host_key(site_or_url: str | None) -> str:
    """Host of a site string or URL, lower-case, without ``www.``."""
    if not site_or_url:
        return ""
    s = site_or_url.strip().lower()
    if "://" in s:
        try:
            s = (urlsplit(s).netloc or "").lower()
        except ValueError:  # "http://[bad": an unbalanced IPv6 bracket; its text is its key
            s = s.split("://", 1)[1].split("/", 1)[0]
    if s.startswith("www."):
        s = s[4:]
    return s


def name_key(name: str | None) -> str:
    """Squashed publisher name: ``The Washington Examiner`` → ``washingtonexaminer``."""
    if not name:
        return ""
    n = unicodedata.normalize("NFKC", name).lower().strip()
    if n.startswith("the "):
        n = n[4:]
    return _NAME_JUNK.sub("", n)


# second-level labels under a country code (bbc.co.uk, abc.net.au): the name is the label before
_SECOND_LEVEL = frozenset("co com net org gov ac edu ne or go gob nic".split())
# a trailing word that does not change which outlet a name means ("BBC News" is the BBC)
_GENERIC_TAILS = ("news", "online", "digital", "com", "couk", "net", "org")


def name_variants(key: str) -> set[str]:
    """A squashed publisher name and its plain forms: without a leading "the" (host labels keep
    it: ``theguardian``) and without a generic tail (``bbcnews`` → ``bbc``), each kept only when
    at least three characters remain."""
    out = {key} if key else set()
    for k in list(out):
        if k.startswith("the") and len(k) >= 6:
            out.add(k[3:])
    for k in list(out):
        for tail in _GENERIC_TAILS:
            if k.endswith(tail) and len(k) - len(tail) >= 3:
                out.add(k[: -len(tail)])
    return out


def site_names(site: str | None, sitename: str | None) -> set[str]:
    """Names a site answers to: its squashed site name and the main label of its host
    (``www.washingtonexaminer.com`` → ``washingtonexaminer``, ``www.bbc.co.uk`` → ``bbc``),
    with their :func:`name_variants`."""
    names = set()
    if sitename and name_key(sitename):
        names.add(name_key(sitename))
    host = host_key(site).split(":")[0]
    if host:
        labels = [lab for lab in host.split(".") if lab]
        if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
            labels = labels[:-1]  # bbc.co.uk → bbc.co: its main label is then labels[-2]
            names.add(_NAME_JUNK.sub("", labels[-2]))
        elif len(labels) >= 2:
            names.add(_NAME_JUNK.sub("", labels[-2]))
        if len(labels) >= 2:
            names.add(_NAME_JUNK.sub("", "".join(labels[:-1])))
        elif labels:
            names.add(_NAME_JUNK.sub("", labels[0]))
        names.add(_NAME_JUNK.sub("", host))
    names.discard("")
    return {v for n in names for v in name_variants(n)}
