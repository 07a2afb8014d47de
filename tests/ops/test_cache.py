"""The shared cache: a private Redis on a Unix socket (scripts/redis.sh); Redis going away
degrades to no cache, never to a 500 (ops/cache.py)."""

import shutil
import tempfile
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.test import Client

from ops.cache import ForgivingRedisCache
from tests.factories import ListingFactory

from .conftest import script

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None,
    reason="redis-server is not installed (scripts/setup.sh installs it)",
)


@pytest.fixture
def redis_dir(monkeypatch):
    directory = Path(tempfile.mkdtemp(prefix="tejido-redis-", dir="/tmp"))
    monkeypatch.setenv("TEJIDO_REDIS_DIR", str(directory))
    assert script("redis.sh", "start").stdout.strip() == "started"
    yield directory
    script("redis.sh", "stop")
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def redis_cache(redis_dir, settings):
    """The default cache on that Redis, as CACHE_URL=redis:///<socket> makes it."""
    import environ
    from django.core.cache import caches

    url = script("redis.sh", "url").stdout.strip()
    config = environ.Env.cache_url_config(url)
    assert config["LOCATION"] == f"unix://{redis_dir}/redis.sock"
    # Django's test signals make the cache handler anew when CACHES changes.
    settings.CACHES = {"default": {**config, "BACKEND": "ops.cache.ForgivingRedisCache"}}
    yield caches["default"]
    caches["default"].close()


def test_the_settings_use_the_forgiving_backend_for_redis(monkeypatch):
    import environ

    monkeypatch.setenv("CACHE_URL", "redis:///tmp/x/redis.sock")
    config = environ.Env().cache_url("CACHE_URL")
    assert config["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    source = (Path(__file__).parents[2] / "tejido/settings/base.py").read_text()
    assert '"ops.cache.ForgivingRedisCache"' in source


@pytest.mark.django_db
def test_redis_keeps_what_pages_and_throttles_put_in_it(redis_cache, client):
    assert isinstance(redis_cache, ForgivingRedisCache) and cache.get("x") is None
    redis_cache.set("tejido:test", {"a": 1}, 30)
    assert redis_cache.get("tejido:test") == {"a": 1}
    assert redis_cache.add("tejido:counter", 1) and redis_cache.incr("tejido:counter") == 2
    assert client.get("/readyz").json()["checks"]["cache"] == {"ok": True, "reason": "answering"}


@pytest.mark.django_db
def test_redis_going_away_degrades_to_no_cache_never_a_500(redis_cache, redis_dir):
    ListingFactory(slug="panaderia")
    client = Client()
    assert client.get("/en/listings/").status_code == 200
    script("redis.sh", "stop")
    assert not (redis_dir / "redis.sock").exists()

    assert redis_cache.get("tejido:test", "missing") == "missing"
    assert redis_cache.set("tejido:test", 1) is None
    assert redis_cache.add("tejido:test", 1) is False
    assert redis_cache.get_many(["a", "b"]) == {}
    with pytest.raises(ValueError):
        redis_cache.incr("tejido:counter")
    for url in ("/en/", "/en/listings/", "/en/listings/panaderia/", "/api/v1/listings/"):
        assert client.get(url).status_code == 200, url
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["cache"]["ok"] is False

    # Back within a call once it is back.
    script("redis.sh", "start")
    redis_cache.set("tejido:test", 2)
    assert redis_cache.get("tejido:test") == 2
    assert client.get("/readyz").status_code == 200


class FormValues(HTMLParser):
    """The values a browser would send for the page's form with id `form_id`."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.values = form_id, False, {}
        self.select = self.textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or ("name" not in a and tag != "option"):
            return
        if tag == "input" and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.values[a["name"]] = a.get("value") or ""
        elif tag == "textarea":
            self.textarea = a["name"]
            self.values[a["name"]] = ""
        elif tag == "select":
            self.select = a["name"]
            self.values.setdefault(a["name"], "")
        elif tag == "option" and self.select and "selected" in a:
            self.values[self.select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.values[self.textarea] += data


def test_a_category_renamed_through_one_worker_shows_through_the_other_at_once(
    redis_cache, transactional_db
):
    """Two gunicorn workers keep the taxonomy per process (pages/data_caches.py); with the
    shared cache a rename saved through one of them (the admin) reaches both on their next
    request."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.gis.geos import Point
    from django.contrib.sessions.backends.db import SessionStore

    from tests.factories import CategoryFactory, UserFactory, with_totp

    from .servers import get, gunicorn

    food = CategoryFactory(slug="food", name_en="Food")
    pantry = ListingFactory(name="Pantry", location=Point(-117.86783, 33.74557, srid=4326))
    pantry.categories.set([food])
    admin = with_totp(UserFactory(username="admin", is_staff=True, is_superuser=True))
    session = SessionStore()
    session.update(
        {
            SESSION_KEY: str(admin.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: admin.get_session_auth_hash(),
        }
    )
    session.save()
    secret = "a" * 32  # a CSRF cookie as Django makes them: 32 letters and digits
    cookies = {"Cookie": f"sessionid={session.session_key}; csrftoken={secret}"}
    url = script("redis.sh", "url").stdout.strip()
    page = "/en/listings/?near=33.74557%2C-117.86783"
    change = f"/admin/directory/category/{food.pk}/change/"
    with gunicorn(workers=2, env={"CACHE_URL": url}) as (app, _):
        before = [get(f"{app}{page}")[2].decode() for _ in range(8)]
        assert all('<option value="food">Food</option>' in body for body in before)

        form = FormValues("category_form")
        status, _, body = get(f"{app}{change}", cookies)
        assert status == 200
        form.feed(body.decode())
        assert form.values["name_en"] == "Food"
        form.values["name_en"] = "Meals"
        request = urllib.request.Request(
            f"{app}{change}",
            data=urlencode(form.values).encode(),
            headers={**cookies, "Referer": f"{app}{change}"},
        )
        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as saved:
            opener.open(request, timeout=10)
        assert saved.value.code == 302  # saved, back to the list

        after = [get(f"{app}{page}")[2].decode() for _ in range(8)]
    assert all('<option value="food">Meals</option>' in body for body in after)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
