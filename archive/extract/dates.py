"""Human-written dates the rules read ("Jun 20, 2025", "19 Dec 2023") → ISO dates."""
from __future__ import annotations

import datetime as dt

_FORMATS = ("%b %d, %Y", "%B %d, %Y", "%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y", "%Y-%m-%d",
            "%m/%d/%Y", "%a, %b %d, %Y", "%A, %B %d, %Y")


def parse_human_date(text: str) -> str | None:
    """``YYYY-MM-DD`` for a date in one of the usual English forms, else None."""
    t = " ".join(text.replace("Sept ", "Sep ").split()).strip(" |,")
    for fmt in _FORMATS:
        try:
            return dt.datetime.strptime(t, fmt).date().isoformat()
        except ValueError:
            continue
    return None
