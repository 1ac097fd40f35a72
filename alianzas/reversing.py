"""``page_url``: Django's ``reverse``, with each URL's pattern reversed once; in templates
``{% page_url %}`` (``alianzas/templatetags/page_urls.py``), in Python where a page builds a
link a row.

Reversing a URL costs 50–70 µs of Python (resolver lookups, converters, quoting); a page
with a link or three per row and the navigation's links reversed a hundred URLs per
visit. The result of ``reverse(name, args=…)`` for integer ids only differs in the ids, so
the pattern is reversed once with marker ids, split around them, and joined with the real
ids thereafter. What ``reverse`` depends on is in the key: the URL conf and the script
prefix of the request, the name and the number of arguments. Anything else than integer
ids (or none) is handed to ``reverse`` itself.

Reading the URL conf and the script prefix costs about 3.4 µs (two ``asgiref`` locals), most
of a shortcut URL's cost: ``{% page_url %}`` reads them once per template it renders
(``where()``, passed to ``url_at``), and Python that builds a link a row once per page
(``PageUrls``).
"""

from django.urls import get_script_prefix, get_urlconf, reverse

# Ids no row will have, distinct, and printed by every int converter as themselves.
_MARKERS = (987654321013, 987654321027, 987654321039, 987654321041)
_patterns: dict[tuple, tuple[str, ...]] = {}


def where() -> tuple:
    """What ``reverse`` depends on besides its arguments: the URL conf and the script
    prefix of the request being answered."""
    return (get_urlconf(), get_script_prefix())


def _pattern(at: tuple, name: str, count: int) -> tuple[str, ...]:
    key = (*at, name, count)
    pattern = _patterns.get(key)
    if pattern is None:
        url = reverse(name, args=_MARKERS[:count])
        parts = []
        for marker in _MARKERS[:count]:
            before, found, url = url.partition(str(marker))
            if not found:  # the pattern does not print the id as given: no shortcut
                return ()
            parts.append(before)
        parts.append(url)
        pattern = _patterns[key] = tuple(parts)
    return pattern


def page_url(name: str, *args) -> str:
    """``reverse(name, args=args)``, from the pattern when every argument is an int."""
    return url_at(where(), name, args)


class PageUrls:
    """``page_url`` for the rows of one page: ``urls = PageUrls()`` reads what reversing
    depends on once (``where()``: the URL conf and the script prefix, two ``asgiref``
    locals), then ``urls(name, *ids)`` for each row; ``page_url`` read them for each link,
    a third of its cost."""

    __slots__ = ("at",)

    def __init__(self):
        self.at = where()

    def __call__(self, name: str, *args) -> str:
        return url_at(self.at, name, args)


def url_at(at: tuple, name: str, args) -> str:
    """``page_url(name, *args)`` where ``at`` is what ``where()`` gives now."""
    if len(args) <= len(_MARKERS) and all(type(arg) is int for arg in args):
        pattern = _pattern(at, name, len(args))
        if pattern:
            pieces = [pattern[0]]
            for arg, after in zip(args, pattern[1:], strict=True):
                pieces.append(str(arg))
                pieces.append(after)
            return "".join(pieces)
    return reverse(name, args=args)


# Which of an alliance's pages shows each of its parts, by the first word of the part's
# anchor (``objective-4``, ``commitments-actor-9``); anything else is on the summary.
_PAGE_OF_PART = {
    "objectives": "fases:alliance_objectives",
    "objective": "fases:alliance_objectives",
    "indicators": "fases:alliance_objectives",
    "indicator": "fases:alliance_objectives",
    "commitments": "fases:alliance_commitments",
    "commitment": "fases:alliance_commitments",
    "history": "fases:alliance_history",
    "adjustments": "fases:alliance_history",
}


def alliance_part_url(alliance_id: int, anchor: str = "") -> str:
    """The address of the part ``anchor`` of an alliance (``objective-4``, ``members``):
    the page of the alliance that shows it, with the anchor; the summary without one."""
    url = page_url(_PAGE_OF_PART.get(anchor.split("-", 1)[0], "fases:alliance_detail"), alliance_id)
    return f"{url}#{anchor}" if anchor else url
