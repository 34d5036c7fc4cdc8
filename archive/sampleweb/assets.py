"""Page requisites generated in code: PNG images, a small TrueType font, CSS and scripts.

No file is downloaded or shipped: the PNGs are drawn here, and the font is a tiny valid TrueType
file assembled table by table (A–Z drawn as plain bars: a decorative brand face, not a text face).
"""
from __future__ import annotations

import functools
import struct
import zlib

PHOTO_COUNT = 12
PHOTO_WIDTHS = (320, 640)


def _png(width: int, height: int, rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    raw = b"".join(b"\x00" + r for r in rows)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b""))


@functools.lru_cache(maxsize=64)
def photo_png(k: int, width: int) -> bytes:
    """Photo ``k`` (0 ≤ k < PHOTO_COUNT) at ``width`` px, 16:9: a colour gradient with a band."""
    height = width * 9 // 16
    r0, g0, b0 = (37 * k + 60) % 200 + 30, (71 * k + 90) % 200 + 30, (113 * k + 40) % 200 + 30
    rows = []
    for y in range(height):
        band = (height // 3) <= y < (height // 3 + height // 8)
        row = bytearray()
        for x in range(0, width, 8):
            t = x * 255 // width
            px = (255, 255, 255) if band and (x // 8) % 2 == 0 else (
                (r0 + t // 4) % 256, (g0 + y * 64 // height) % 256, (b0 + (255 - t) // 4) % 256)
            row += bytes(px) * min(8, width - x)
        rows.append(bytes(row))
    return _png(width, height, rows)


@functools.lru_cache(maxsize=4)
def background_png(shade: int = 0) -> bytes:
    """A 32×32 tile for the page background (a faint grid)."""
    base = (246, 244, 238) if shade == 0 else (238, 242, 247)
    rows = []
    for y in range(32):
        row = bytearray()
        for x in range(32):
            row += bytes((220, 216, 205) if x == 0 or y == 0 else base)
        rows.append(bytes(row))
    return _png(32, 32, rows)


@functools.lru_cache(maxsize=2)
def favicon_ico(shade: int = 0) -> bytes:
    """A 16×16 icon: an ICO container holding one PNG image."""
    color = (139, 0, 0) if shade == 0 else (18, 53, 91)
    rows = [b"".join(bytes(color if 3 <= x <= 12 and 3 <= y <= 12 else (255, 255, 255)) for x in range(16))
            for y in range(16)]
    png = _png(16, 16, rows)
    return struct.pack("<HHH", 0, 1, 1) + struct.pack("<BBBBHHII", 16, 16, 0, 0, 1, 32, len(png), 22) + png


# ---- TrueType ----------------------------------------------------------------------------------
def _checksum(data: bytes) -> int:
    data += b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(data) // 4}I", data)) & 0xFFFFFFFF


def _glyph_rect(x0: int, y0: int, x1: int, y1: int) -> bytes:
    # one closed contour, four on-curve points, clockwise; coordinates as int16 deltas
    pts = [(x0, y0), (x0, y1), (x1, y1), (x1, y0)]
    head = struct.pack(">hhhhh", 1, x0, y0, x1, y1) + struct.pack(">H", 3) + struct.pack(">H", 0)
    flags = bytes([0x01] * 4)
    xs, ys, px, py = b"", b"", 0, 0
    for x, y in pts:
        xs += struct.pack(">h", x - px)
        ys += struct.pack(">h", y - py)
        px, py = x, y
    return head + flags + xs + ys


@functools.lru_cache(maxsize=1)
def font_ttf(family: str = "Sample Brand") -> bytes:
    """A minimal valid TrueType font: .notdef, space, and A–Z (a–z map to the same glyphs)."""
    upm = 1000
    glyphs: list[bytes] = [_glyph_rect(50, 0, 450, 700), b""]  # .notdef box, empty space
    advances = [500, 300]
    for n in range(26):
        h = 450 + (n * 97) % 300
        w = 380 + (n * 53) % 160
        glyphs.append(_glyph_rect(40, 0, 40 + w, h))
        advances.append(w + 80)
    nglyphs = len(glyphs)
    glyf, loca = b"", []
    for g in glyphs:
        loca.append(len(glyf))
        glyf += g + b"\0" * (-len(g) % 4)
    loca.append(len(glyf))
    tables: dict[bytes, bytes] = {}
    tables[b"glyf"] = glyf
    tables[b"loca"] = struct.pack(f">{len(loca)}I", *loca)
    tables[b"head"] = struct.pack(">IIIIHHqqhhhhHHhhh", 0x00010000, 0x00010000, 0, 0x5F0F3CF5, 0x000B,
                                  upm, 0, 0, 0, 0, 1000, 750, 0, 8, 2, 1, 0)
    tables[b"hhea"] = struct.pack(">IhhhHhhhhhhhhhhhH", 0x00010000, 800, -200, 0, max(advances), 0, 0,
                                  620, 1, 0, 0, 0, 0, 0, 0, 0, nglyphs)
    tables[b"maxp"] = struct.pack(">IHHHHHHHHHHHHHH", 0x00010000, nglyphs, 4, 1, 0, 0, 2, 0, 0, 0, 0,
                                  0, 0, 0, 0)
    tables[b"hmtx"] = b"".join(struct.pack(">Hh", a, 40 if i != 1 else 0) for i, a in enumerate(advances))
    os2 = struct.pack(">HhHHHhhhhhhhhhhh", 4, sum(advances) // nglyphs, 400, 5, 0, 650, 600, 0, 75,
                      650, 600, 0, 350, 50, 260, 0)
    os2 += bytes(10)  # panose
    os2 += struct.pack(">IIII", 1, 0, 0, 0)  # Basic Latin
    os2 += b"SMPL" + struct.pack(">HHHhhhHH", 0x0040, 0x20, 0x7A, 800, -200, 0, 1000, 200)
    os2 += struct.pack(">II", 1, 0) + struct.pack(">hhHHH", 500, 700, 0, 0x20, 1)
    tables[b"OS/2"] = os2
    tables[b"post"] = struct.pack(">IIhhIIIII", 0x00030000, 0, -100, 50, 0, 0, 0, 0, 0)
    # cmap: format 4 with space, A–Z, a–z and the closing segment
    segs = [(0x20, 0x20, 1), (0x41, 0x5A, 2), (0x61, 0x7A, 2), (0xFFFF, 0xFFFF, None)]
    segx2 = len(segs) * 2
    sr = 2 * (1 << (len(segs).bit_length() - 1))
    es = len(segs).bit_length() - 1
    ends = b"".join(struct.pack(">H", e) for _, e, _ in segs)
    starts = b"".join(struct.pack(">H", s) for s, _, _ in segs)
    deltas = b"".join(struct.pack(">H", ((g - s) % 65536) if g is not None else 1) for s, _, g in segs)
    ranges = bytes(2 * len(segs))
    sub_body = struct.pack(">HHHH", segx2, sr, es, segx2 - sr) + ends + b"\0\0" + starts + deltas + ranges
    sub = struct.pack(">HHH", 4, 6 + len(sub_body), 0) + sub_body
    tables[b"cmap"] = struct.pack(">HHHHI", 0, 1, 3, 1, 12) + sub
    names = {1: family, 2: "Regular", 3: f"{family} Regular sampleweb", 4: f"{family} Regular",
             5: "Version 1.0", 6: family.replace(" ", "") + "-Regular"}
    strings, records = b"", b""
    for nid, value in names.items():
        enc = value.encode("utf-16-be")
        records += struct.pack(">HHHHHH", 3, 1, 0x409, nid, len(enc), len(strings))
        strings += enc
    tables[b"name"] = struct.pack(">HHH", 0, len(names), 6 + 12 * len(names)) + records + strings

    tags = sorted(tables)
    n = len(tags)
    es = n.bit_length() - 1
    sr = 16 * (1 << es)
    header = struct.pack(">IHHHH", 0x00010000, n, sr, es, n * 16 - sr)
    offset = 12 + 16 * n
    directory, data = b"", b""
    for tag in tags:
        t = tables[tag]
        directory += tag + struct.pack(">III", _checksum(t), offset + len(data), len(t))
        data += t + b"\0" * (-len(t) % 4)
    font = bytearray(header + directory + data)
    # head.checkSumAdjustment
    head_off = offset + sum(len(tables[t]) + (-len(tables[t]) % 4) for t in tags[:tags.index(b"head")])
    adj = (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF
    font[head_off + 8:head_off + 12] = struct.pack(">I", adj)
    return bytes(font)


# ---- CSS and scripts ---------------------------------------------------------------------------
def stylesheet(kind: str) -> str:
    """``kind`` is "am1" (aggregator) or "pub" (publisher); both @import base.css."""
    accent = "#8b0000" if kind == "am1" else "#12355b"
    return f"""@import url("base.css");
@font-face {{ font-family: "Sample Brand"; src: url("font.ttf") format("truetype"); font-display: block; }}
body {{ background: #f6f4ee url("bg-{kind}.png") repeat; color: #1d1d1d; margin: 0; }}
.brand, .site {{ font-family: "Sample Brand", Georgia, serif; letter-spacing: 2px; color: {accent}; }}
header, .hdr {{ border-bottom: 3px solid {accent}; padding: 8px 16px; background: #fffdf7; }}
main, .article {{ max-width: 760px; margin: 0 auto; padding: 12px 16px; background: #ffffff; }}
img.hero {{ width: 100%; height: auto; display: block; }}
#js-banner {{ background: {accent}; color: #fff; padding: 6px 16px; font-weight: bold; }}
"""


BASE_CSS = """html { font-size: 17px; line-height: 1.5; font-family: Georgia, "DejaVu Serif", serif; }
a { color: #0b4f8a; }
nav a, footer a { margin-right: 12px; }
footer { margin-top: 24px; padding: 12px 16px; border-top: 1px solid #ccc; font-size: 14px; }
.item { margin: 10px 0; }
"""

APP_JS = """// Adds a visible banner once the page has loaded (captured only by a browser).
window.addEventListener("load", function () {
  var b = document.createElement("div");
  b.id = "js-banner";
  b.textContent = "Live: this line was added by a script after load";
  document.body.insertBefore(b, document.body.firstChild);
});
"""
