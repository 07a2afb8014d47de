"""The one bridge from Django templates to Tejido's Jinja2 partials: the account pages
(allauth's Django templates, templates/base.html) show the same header and footer as every
other page by rendering jinja2/_site_header.html and the others with `{% jinja %}`."""

from django import template
from django.template import engines
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def jinja(context, name: str) -> SafeString:
    """The Jinja2 template `name` rendered with this template's context and request."""
    request = context.get("request")
    rendered = engines["jinja2"].get_template(name).render(context.flatten(), request=request)
    return mark_safe(rendered)  # output of the Jinja2 engine, which escaped every value
