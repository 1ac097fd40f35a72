"""The public pages and the open-data downloads: no sign-in, published alliances only,
anonymous requests throttled (``fases.public.throttle``)."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from alianzas.forms import AllianceFilterForm
from alianzas.selectors import filter_alliances
from alianzas.views import filtered, paginate
from fases import iati, territory_map
from fases.public import opendata, selectors
from fases.public.throttle import throttled


def department_asked(request) -> str | None:
    """The department whose provinces the map shows, if the query names one that exists."""
    code = request.GET.get("department", "")
    if code in territory_map.geometry()["departments"]:
        return code
    return None


def map_context(request, alliances, *, scope: str | None = None) -> dict:
    """The map of ``alliances``; with ``scope``, the kept counts of that whole scope (the
    alliances are all of it: no filter chose among them)."""
    department = department_asked(request)
    query = request.GET.copy()
    query.pop("department", None)
    query.pop("page", None)
    map_query = query.urlencode()
    territory = territory_map.territory_map(alliances, department, scope=scope)
    return {
        "territory": territory_map.with_labels(territory, map_query),
        "map_query": map_query,
    }


@throttled
def portfolio(request):
    form, filters = filtered(request, AllianceFilterForm)
    alliances = filter_alliances(selectors.published_alliances(), filters)
    # Every published alliance: the map's counts of the whole country are kept by a worker.
    scope = None if any(filters.values()) else territory_map.PUBLISHED
    page = paginate(request, selectors.public_list(alliances))
    page.object_list = selectors.with_row_facts(page.object_list)
    context = {
        "filter_form": form,
        "page": page,
        **map_context(request, alliances, scope=scope),
    }
    return render(request, "fases/public/portfolio.html", context)


@throttled
def alliance(request, pk):
    found = selectors.public_alliance(pk)
    context = {
        "alliance": found,
        "objectives": selectors.public_objectives(found),
        "committed": found.committed,
        "agreement": selectors.agreement_in_force(found),
    }
    return render(request, "fases/public/alliance.html", context)


@throttled
def open_data(request):
    count = selectors.published_alliances().count()
    context = {"count": count, "licence_url": opendata.LICENCE_URL}
    return render(request, "fases/public/open_data.html", context)


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _download(content, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _stamp() -> str:
    return timezone.localdate().isoformat()


@throttled
def data_csv(request):
    content = opendata.as_csv(selectors.published_alliances(), _base_url(request))
    return _download("\ufeff" + content, "text/csv; charset=utf-8", f"alianzas-{_stamp()}.csv")


@throttled
def data_json(request):
    content = opendata.as_json(selectors.published_alliances(), _base_url(request))
    return _download(content, "application/json", f"alianzas-{_stamp()}.json")


@throttled
def data_iati(request):
    alliances = selectors.published_alliances()
    if not alliances.exists():
        # An IATI file holds at least one activity: none is published yet.
        raise Http404
    return _download(
        iati.activities_xml(alliances), "application/xml", f"alianzas-iati-{_stamp()}.xml"
    )


@throttled
def alliance_iati(request, pk):
    alliances = selectors.published_alliances().filter(pk=pk)
    if not alliances.exists():
        raise Http404
    return _download(iati.activities_xml(alliances), "application/xml", f"alianza-{pk}-iati.xml")
