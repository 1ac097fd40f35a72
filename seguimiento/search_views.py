"""The results of the header's search box, grouped by kind (``seguimiento.search``)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from seguimiento import search as searching

# Stand for the ids in URLs reversed once a page instead of once a result (about 50 µs each).
_PK, _OTHER_PK = 987654321, 987654322


def _url_maker(name: str, arguments: int):
    """A function of the ids giving ``name``'s URL, reversed once."""
    url = reverse(name, args=[_PK, _OTHER_PK][:arguments])
    if arguments == 1:
        before, after = url.split(str(_PK))
        return lambda pk: f"{before}{pk}{after}"
    before, rest = url.split(str(_PK))
    middle, after = rest.split(str(_OTHER_PK))
    return lambda pk, other: f"{before}{pk}{middle}{other}{after}"


@login_required
@require_GET
def search(request):
    results = searching.search(request.user, request.GET.get("q", ""))
    alliance_url = _url_maker("fases:alliance_detail", 1)
    actor_url = _url_maker("seguimiento:actor_detail", 1)
    commitment_url = _url_maker("seguimiento:commitment_detail", 2)
    for alliance in results.alliances:
        alliance.url = alliance_url(alliance.pk)
    for actor in results.actors:
        actor.url = actor_url(actor.pk)
    for commitment in results.commitments:
        commitment.url = commitment_url(commitment.alliance_id, commitment.pk)
    context = {
        "results": results,
        "query": results.query,
        "too_short": bool(results.query) and len(results.query) < searching.MIN_LENGTH,
    }
    return render(request, "seguimiento/search.html", context)
