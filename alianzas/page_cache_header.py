"""``X-Page-Cache: hit`` or ``miss`` on a response whose content the page cache served or
stored (``{% cached_content %}``, :mod:`alianzas.generations`), and no header where the page
cache was not asked. It tells whoever measures (``make bench``'s mixed run counts its hit
rate) or debugs whether a visit was built; it says nothing about the content itself."""

HEADER = "X-Page-Cache"


def note(request, *, hit: bool) -> None:
    """Record that ``request`` was answered from the page cache or built: a page with
    several cached blocks is a miss when any of them was built."""
    if request is None:
        return
    previous = getattr(request, "page_cache", None)
    request.page_cache = "miss" if previous == "miss" or not hit else "hit"


class PageCacheHeaderMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        outcome = getattr(request, "page_cache", None)
        if outcome:
            response[HEADER] = outcome
        return response
