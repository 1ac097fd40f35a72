"""The results of the header's search box, grouped by kind (``seguimiento.search``)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from alianzas.reversing import PageUrls
from seguimiento import search as searching


@login_required
@require_GET
def search(request):
    results = searching.search(request.user, request.GET.get("q", ""))
    # Each URL's pattern reversed once, not once a result (alianzas.reversing).
    urls = PageUrls()
    for alliance in results.alliances:
        alliance.url = urls("fases:alliance_detail", alliance.pk)
    for actor in results.actors:
        actor.url = urls("seguimiento:actor_detail", actor.pk)
    for commitment in results.commitments:
        commitment.url = urls(
            "seguimiento:commitment_detail", commitment.alliance_id, commitment.pk
        )
    context = {
        "results": results,
        "query": results.query,
        "too_short": bool(results.query) and len(results.query) < searching.MIN_LENGTH,
    }
    return render(request, "seguimiento/search.html", context)
