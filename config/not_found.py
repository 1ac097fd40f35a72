"""One "not found" page, in the person's language, in every mode.

In production Django answers an ``Http404`` with ``templates/404.html``; with ``DEBUG=True``
(``make run``) it shows its English debug page instead, whose text tells an alliance that
does not exist ("No Alliance matches the given query.") from one the person may not see
(``alianzas.access`` raises a bare ``Http404``). That difference must not reach anyone, so
this middleware renders the project's page for both, and for addresses that match no URL,
whatever ``DEBUG`` says.
"""

from django.http import Http404
from django.shortcuts import render


def not_found_page(request):
    response = render(request, "404.html", status=404)
    response.project_not_found = True
    return response


class NotFoundPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and getattr(request, "resolver_match", None) is None
            and not getattr(response, "project_not_found", False)
        ):
            # No URL matched: Django's own page (the debug one under DEBUG=True).
            return not_found_page(request)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, Http404):
            return not_found_page(request)
        return None
