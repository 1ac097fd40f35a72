"""An alliance's territory for reading: ``{{ alliance.places.all|by_department }}`` gives each
department with its provinces and districts under it (``alianzas.places.by_department``)."""

from django import template

from alianzas import places

register = template.Library()


@register.filter
def by_department(alliance_places):
    return places.by_department(alliance_places)
