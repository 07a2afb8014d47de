"""Tests of the small maps; `map_page` renders maps the way a page does, CSP header included."""

from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.template import engines
from django.test import RequestFactory

#: A listing name that would run script anywhere user text reached markup or template strings.
HOSTILE_NAME = "<img src=x onerror=alert(1)> ${alert(1)} `alert(2)` </script><script>alert(3)"

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Maps</title>
  <link rel="stylesheet" href="{{ static('css/site.css') }}">
</head>
<body>
<main id="main">
  <h1>Maps</h1>
  {% for map in maps %}
    <h2>{{ loop.index }}</h2>
    {% with skip_assets=loop.index0 %}{% include "mapping/_map.html" %}{% endwith %}
  {% endfor %}
</main>
</body>
</html>
"""


def map_page(maps, path="/en/"):
    """The response a page holding `maps` gets: rendered with the real (Jinja2) template include
    and context processors, through django-csp's middleware (so with its header and nonce)."""
    request = RequestFactory().get(path)

    def view(request):
        return HttpResponse(engines["jinja2"].from_string(PAGE).render({"maps": maps}, request))

    return CSPMiddleware(view)(request)
