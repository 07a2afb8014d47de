"""Request rates (DESIGN.md §3): anonymous and signed-in use, writes, proximity queries.
Rates come from settings (THROTTLE_* environment variables); a 429 carries Retry-After."""

from rest_framework import throttling


class AnonThrottle(throttling.AnonRateThrottle):
    scope = "anon"


class UserThrottle(throttling.UserRateThrottle):
    scope = "user"


class WriteThrottle(throttling.SimpleRateThrottle):
    """Creates, changes and deletes, per person (or per address when anonymous)."""

    scope = "writes"

    def get_cache_key(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        ident = request.user.pk if request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ProximityThrottle(throttling.SimpleRateThrottle):
    """Queries around a point (lat/lng): the probes a trilateration attack would need."""

    scope = "proximity"

    def get_cache_key(self, request, view):
        if "lat" not in request.query_params and "lng" not in request.query_params:
            return None
        ident = request.user.pk if request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
