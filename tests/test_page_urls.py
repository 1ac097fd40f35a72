"""``{% page_url %}`` gives exactly what ``{% url %}`` gives, for every named URL of the
project, with ids or without, under a script prefix, and with arguments it cannot shortcut."""

import random

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.urls import NoReverseMatch, get_resolver, reverse, set_script_prefix
from django.urls.converters import IntConverter

from alianzas.reversing import PageUrls, page_url


def named_patterns():
    """(name, number of int arguments) for every named URL whose arguments are all ints."""
    found = set()
    resolver = get_resolver()
    scopes = [("", resolver)] + [
        (f"{namespace}:", sub) for namespace, (_prefix, sub) in resolver.namespace_dict.items()
    ]
    for prefix, scope in scopes:
        for key in scope.reverse_dict:
            if not isinstance(key, str):
                continue
            for possibility, _pattern, _defaults, converters in scope.reverse_dict.getlist(key):
                for _result, params in possibility:
                    if all(isinstance(converters.get(p), IntConverter) for p in params):
                        found.add((prefix + key, len(params)))
    return sorted(found)


def test_every_named_url_is_the_same_as_reverse_gives():
    rng = random.Random(7)
    patterns = named_patterns()
    assert len(patterns) > 100  # the project's pages, the API and the admin's
    for name, count in patterns:
        for _ in range(3):
            args = [
                rng.choice([1, 7, 42, 2**31 - 1, rng.randrange(1, 10**9)]) for _ in range(count)
            ]
            try:
                expected = reverse(name, args=args)
            except NoReverseMatch:
                continue
            assert page_url(name, *args) == expected, (name, args)
            assert PageUrls()(name, *args) == expected, (name, args)


def test_under_a_script_prefix_the_prefix_is_kept():
    name = "fases:alliance_detail"
    assert page_url(name, 5) == reverse(name, args=[5])
    try:
        set_script_prefix("/alianzas-app/")
        assert page_url(name, 5) == "/alianzas-app" + reverse(name, args=[5]).removeprefix(
            "/alianzas-app"
        )
        assert page_url(name, 5).startswith("/alianzas-app/")
        assert page_url(name, 5) == reverse(name, args=[5])
    finally:
        set_script_prefix("/")
    assert not page_url(name, 5).startswith("/alianzas-app/")


def test_arguments_other_than_ids_go_to_reverse():
    assert page_url("fases:alliance_detail", "12") == reverse("fases:alliance_detail", args=["12"])
    with pytest.raises(NoReverseMatch):
        page_url("fases:alliance_detail", "not-an-id")
    with pytest.raises(NoReverseMatch):
        page_url("no-such-name")


def test_the_tag_escapes_and_assigns_as_url_does():
    context = Context({"pk": 3})
    loaded = "{% load page_urls %}"
    assert Template(loaded + "{% page_url 'fases:alliance_detail' pk %}").render(context) == (
        Template("{% url 'fases:alliance_detail' pk %}").render(context)
    )
    assigned = Template(loaded + "{% page_url 'fases:alliance_detail' pk as link %}[{{ link }}]")
    assert assigned.render(context) == f"[{reverse('fases:alliance_detail', args=[3])}]"


def test_the_tag_reads_the_script_prefix_of_each_render():
    """Read once per template rendered, not kept between renders: a template compiled once
    answers each request with that request's prefix."""
    links = Template(
        "{% load page_urls %}{% page_url 'fases:dashboard' %} "
        "{% page_url 'fases:alliance_detail' 4 %}"
    )
    assert links.render(Context()) == "/ /alianzas/4/"
    try:
        set_script_prefix("/otra/")
        assert links.render(Context()) == "/otra/ /otra/alianzas/4/"
    finally:
        set_script_prefix("/")
    assert links.render(Context()) == "/ /alianzas/4/"


def test_the_tag_without_a_name_is_a_syntax_error():
    with pytest.raises(TemplateSyntaxError):
        Template("{% load page_urls %}{% page_url %}")


def test_a_page_s_urls_keep_the_script_prefix_they_were_made_under():
    name = "seguimiento:commitment_detail"
    try:
        set_script_prefix("/alianzas-app/")
        urls = PageUrls()
        assert urls(name, 3, 9) == reverse(name, args=[3, 9])
        assert urls(name, 3, 9).startswith("/alianzas-app/")
        # What is not an id goes to reverse itself, under the same prefix.
        assert urls("fases:alliance_detail", "12") == "/alianzas-app/alianzas/12/"
    finally:
        set_script_prefix("/")
    assert not PageUrls()(name, 3, 9).startswith("/alianzas-app/")
