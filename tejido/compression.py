"""HTML compressed where that is safe (BREACH): a compressed answer that holds a secret and
reflects what a visitor typed lets an attacker guess the secret from the answer's size. A
visitor's page holds no secret but the CSRF token, which Django masks anew for every answer;
a signed-in person's page may hold their e-mail, their listings' hidden contacts or a
location they may see exactly, so it is sent as it is. Static files are compressed ahead of
time (whitenoise's storage, `collectstatic`), tiles and API answers by the deployment's
nginx (deploy/nginx/tejido.conf)."""

from django.conf import settings
from django.middleware.gzip import GZipMiddleware


class VisitorGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware, for the pages of visitors without a session (tiles and the
    API keep their own ETags and encodings: nginx compresses those in a deployment)."""

    def process_response(self, request, response):
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            # A session may be a signed-in person's (told without reading it: this also
            # answers while the database is away).
            return response
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        return super().process_response(request, response)
