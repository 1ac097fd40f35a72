"""The results of the header's search box, grouped by kind (``seguimiento.search``)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from seguimiento import search as searching


@login_required
@require_GET
def search(request):
    results = searching.search(request.user, request.GET.get("q", ""))
    context = {
        "results": results,
        "query": results.query,
        "too_short": bool(results.query) and len(results.query) < searching.MIN_LENGTH,
    }
    return render(request, "seguimiento/search.html", context)
