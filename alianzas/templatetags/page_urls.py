"""``{% page_url %}``: ``{% url %}`` with each URL's pattern reversed once
(``alianzas.reversing.page_url``); the same arguments, escaping and ``as``.

The URL conf and the script prefix are read once per template rendered (kept in its
render context), not once per link: the alliance page has a hundred links."""

from django import template
from django.utils.html import conditional_escape

from alianzas.reversing import alliance_part_url, url_at, where

register = template.Library()

_WHERE = object()  # the render context's key for ``where()``


class PageUrlNode(template.Node):
    def __init__(self, name, args, asvar):
        self.name = name
        self.args = args
        self.asvar = asvar

    def render(self, context):
        at = context.render_context.get(_WHERE)
        if at is None:
            at = context.render_context[_WHERE] = where()
        url = url_at(at, self.name.resolve(context), [arg.resolve(context) for arg in self.args])
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def page_url(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% page_url %} takes a URL name and its ids.")
    asvar = None
    if len(bits) >= 4 and bits[-2] == "as":
        asvar = bits[-1]
        bits = bits[:-2]
    return PageUrlNode(
        parser.compile_filter(bits[1]), [parser.compile_filter(bit) for bit in bits[2:]], asvar
    )


@register.simple_tag
def part_url(alliance_id, anchor="", object_id=None):
    """``{% part_url alliance.pk "members" %}``, ``{% part_url alliance.pk "indicator" 4 %}``:
    the page of the alliance that shows that part, at the part (``#indicator-4``;
    ``alianzas.reversing.alliance_part_url``)."""
    if object_id is not None:
        anchor = f"{anchor}-{object_id}"
    return alliance_part_url(alliance_id, anchor)
