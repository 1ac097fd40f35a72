"""``{% cached_content spec %}…{% endcached_content %}``: the enclosed content is rendered
once and then read from the cache under ``spec.key`` (a
:class:`alianzas.generations.ContentCache`). With no spec (``None``) it is simply rendered.

Unlike Django's ``{% cache %}``, the key is built in Python from the generations the
content depends on, so it cannot be stale, and a page can decline to be cached."""

import logging

from django import template
from django.core.cache import cache
from django.utils.safestring import mark_safe

logger = logging.getLogger(__name__)
register = template.Library()


class CachedContentNode(template.Node):
    def __init__(self, nodelist, spec):
        self.nodelist = nodelist
        self.spec = spec

    def render(self, context):
        spec = self.spec.resolve(context)
        if spec is None:
            return self.nodelist.render(context)
        try:
            content = cache.get(spec.key)
        except Exception:
            logger.warning("The cache did not answer; content rendered.", exc_info=True)
            return self.nodelist.render(context)
        if content is None:
            content = self.nodelist.render(context)
            try:
                cache.set(spec.key, str(content), spec.seconds)
            except Exception:
                logger.warning("The cache did not keep the content.", exc_info=True)
        return mark_safe(content)


@register.tag
def cached_content(parser, token):
    try:
        _tag, spec = token.split_contents()
    except ValueError:
        raise template.TemplateSyntaxError("{% cached_content %} takes one argument.") from None
    nodelist = parser.parse(("endcached_content",))
    parser.delete_first_token()
    return CachedContentNode(nodelist, parser.compile_filter(spec))
