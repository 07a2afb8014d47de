"""WSGI entry point (gunicorn tejido.wsgi)."""

from django.core.wsgi import get_wsgi_application

from tejido.env import configure

configure()
application = get_wsgi_application()
