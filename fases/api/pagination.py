from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination

from alianzas.validators import is_digits


class Pagination(PageNumberPagination):
    """Pages of 50 rows (``page_size`` up to 200); the rows are in a stable order (by id).

    A ``page_size`` that is not a whole number from 1 to 200 is refused (400), not quietly
    replaced by the default: a client that asked for something else should know."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
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
