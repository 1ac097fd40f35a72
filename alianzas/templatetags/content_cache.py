"""``{% cached_content spec %}…{% endcached_content %}``: the enclosed content comes from
``spec`` (a :class:`alianzas.generations.ContentCache`, which read it from the cache with
the generations it depends on) or is rendered and stored there. With no spec (``None``) it
is simply rendered.

Unlike Django's ``{% cache %}``, the key is built in Python from the generations the
content depends on, so it cannot be stale, and a page can decline to be cached."""

from django import template
from django.utils.safestring import mark_safe

from alianzas import page_cache_header

register = template.Library()


class CachedContentNode(template.Node):
    def __init__(self, nodelist, spec):
        self.nodelist = nodelist
        self.spec = spec

    def render(self, context):
        spec = self.spec.resolve(context)
        if spec is None:
            return self.nodelist.render(context)
        request = context.get("request")
        page_cache_header.note(request, hit=spec.content is not None)
        if spec.content is None:
            content = self.nodelist.render(context)
            spec.store(str(content))
            return content
        # The cache holds what this node rendered (autoescaped by the template engine) and
        # only the server writes it: marking it safe again escapes nothing twice.
        return mark_safe(spec.content)  # nosec B308 B703 - rendered, escaped template output


@register.tag
def cached_content(parser, token):
    try:
        _tag, spec = token.split_contents()
    except ValueError:
        raise template.TemplateSyntaxError("{% cached_content %} takes one argument.") from None
    nodelist = parser.parse(("endcached_content",))
    parser.delete_first_token()
    return CachedContentNode(nodelist, parser.compile_filter(spec))
