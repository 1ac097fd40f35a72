"""How many filters of a list page's filter form are applied (its <details> opens for them)."""

from django import template

register = template.Library()


@register.filter
def active_filters(form) -> int:
    if form is None or not getattr(form, "is_bound", False):
        return 0
    data = form.data
    values = (
        data.getlist(field.html_name) if hasattr(data, "getlist") else [data.get(field.html_name)]
        for field in form
    )
    return sum(1 for value in values if any(item not in (None, "") for item in value))
