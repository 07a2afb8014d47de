"""The shared cache: a private Redis on a Unix socket (scripts/redis.sh); Redis going away
degrades to no cache, never to a 500 (ops/cache.py)."""

import shutil
import tempfile
from pathlib import Path

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


def test_a_category_renamed_elsewhere_shows_through_both_workers_at_once(
    redis_cache, transactional_db
):
    """Two gunicorn workers keep the taxonomy per process (pages/data_caches.py); with the
    shared cache a rename made in another process reaches both on their next request."""
    from django.contrib.gis.geos import Point

    from tests.factories import CategoryFactory

    from .servers import get, gunicorn

    food = CategoryFactory(slug="food", name_en="Food")
    pantry = ListingFactory(name="Pantry", location=Point(-117.86783, 33.74557, srid=4326))
    pantry.categories.set([food])
    url = script("redis.sh", "url").stdout.strip()
    page = "/en/listings/?near=33.74557%2C-117.86783"
    with gunicorn(workers=2, env={"CACHE_URL": url}) as (app, _):
        before = [get(f"{app}{page}")[2].decode() for _ in range(8)]
        assert all('<option value="food">Food</option>' in body for body in before)
        food.name_en = "Meals"
        food.save()  # forgets the taxonomy here, and in the shared cache
        after = [get(f"{app}{page}")[2].decode() for _ in range(8)]
    assert all('<option value="food">Meals</option>' in body for body in after)
