"""ASGI entry point."""

from django.core.asgi import get_asgi_application

from tejido.env import configure

configure()
application = get_asgi_application()
