from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination

from alianzas.validators import is_digits

# The largest id PostgreSQL's bigint holds has 19 digits; a position of more is no row's.
LONGEST_POSITION = 19


class Pagination(CursorPagination):
    """Pages of 50 rows (``page_size`` up to 200) in a stable order (by id), walked through
    each answer's ``next`` and ``previous`` links.

    The links carry a cursor, the last id seen, so every page is one indexed read of its
    rows, whatever its depth and however many rows the country holds: a page number would
    make the database count every row the caller may read on each call, and skip every row
    before a deep page (``docs/scaling.md``). The answer has no total, for the same reason;
    the portfolio's pages give the country's figures.

    A ``page_size`` that is not a whole number from 1 to 200 is refused (400), not quietly
    replaced by the default: a client that asked for something else should know. So is a
    ``page`` number, which an earlier version took; a cursor that is not one of ours is a
    404, as DRF makes it."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("pk",)
    invalid_cursor_message = _(
        "This cursor is not one of ours: follow the next and previous links of an answer."
    )

    def get_page_size(self, request):
        if "page" in request.query_params:
            raise serializers.ValidationError(
                {
                    "page": [
                        _(
                            "Lists are not numbered: follow the next link of each answer, "
                            "from the first page."
                        )
                    ]
                }
            )
        given = request.query_params.get(self.page_size_query_param)
        if given is None:
            return self.page_size
        if not is_digits(given) or not 1 <= int(given) <= self.max_page_size:
            raise serializers.ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a whole number from 1 to %(most)s.") % {"most": self.max_page_size}
                    ]
                }
            )
        return int(given)

    def decode_cursor(self, request) -> Cursor | None:
        """DRF's reading, checked further: the position must be an id (any other text would
        reach the database as ``id > 'abc'`` and fail there), and there is no offset, which
        our links never carry (ids are unique) and which would make the database skip
        rows."""
        cursor = super().decode_cursor(request)
        if cursor is None:
            return None
        position = cursor.position
        if cursor.offset or (
            position is not None and not (is_digits(position) and len(position) <= LONGEST_POSITION)
        ):
            raise NotFound(self.invalid_cursor_message)
        return cursor
