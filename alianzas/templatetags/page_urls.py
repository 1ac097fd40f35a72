"""``{% page_url %}``: ``{% url %}`` with each URL's pattern reversed once
(``alianzas.reversing.page_url``); the same arguments, escaping and ``as``."""

from django import template

from alianzas.reversing import page_url

register = template.Library()
register.simple_tag(page_url, name="page_url")
