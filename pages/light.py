"""Light pages (DESIGN.md §9) for slow phones and little data: with `Save-Data: on` (the
browser's data saver) or the "Text only" link of every page's header (a cookie remembers
it), public pages are sent without maps and without script. The maps' data are left out of
the page, not hidden in it; everything else is the same page.

`request.light` says which one a request gets; `text_only` switches, then goes back to the
page it was asked from.
"""

from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

COOKIE = "tejido_text_only"
YEAR = 365 * 24 * 3600


def wants_light(request) -> bool:
    if request.headers.get("Save-Data", "").strip().lower() == "on":
        return True
    return request.COOKIES.get(COOKIE) == "1"


class LightPagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.light = wants_light(request)
        response = self.get_response(request)
        if not response.get("Content-Type", "").startswith("text/html"):
            return response  # the API, tiles and health checks are the same either way
        response.headers.setdefault("Vary", "")
        vary = [part.strip() for part in response["Vary"].split(",") if part.strip()]
        for header in ("Save-Data", "Cookie"):
            if header not in vary:
                vary.append(header)
        response["Vary"] = ", ".join(vary)
        return response


@require_GET
def text_only(request):
    """`?on=1` or `?on=0`, then back to `next` (a path of this site only)."""
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("pages:home")
    response = HttpResponseRedirect(target)
    if request.GET.get("on") == "0":
        response.delete_cookie(COOKIE, samesite="Lax")
    else:
        response.set_cookie(COOKIE, "1", max_age=YEAR, samesite="Lax", httponly=True)
    return response
