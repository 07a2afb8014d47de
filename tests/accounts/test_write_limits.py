"""Abuse kept out of writes (accounts/limits.py, directory/validators.py): new accounts and
accounts whose listings were sent back have a daily cap, free text holds few links, and the
moderators see why."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone, translation

from accounts.models import WriteLimitHit
from directory import moderation
from directory.choices import ListingStatus
from tests.factories import ListingFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
LINKS = "Mira https://a.example, https://b.example, www.c.example y http://d.example"


@pytest.fixture(autouse=True)
def _small_caps(settings):
    settings.NEW_ACCOUNT_DAYS = 7
    settings.NEW_ACCOUNT_WRITES_PER_DAY = 2
    settings.REJECTIONS_TO_SLOW = 3
    settings.SLOWED_WRITES_PER_DAY = 1
    settings.MAX_LINKS_IN_TEXT = 3
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def counted(django_capture_on_commit_callbacks):
    """Writes are counted once their transaction commits: run those callbacks."""

    def run(call):
        with django_capture_on_commit_callbacks(execute=True):
            return call()

    return run


def old(user, days=60):
    user.date_joined = timezone.now() - timedelta(days=days)
    user.save(update_fields=["date_joined"])
    return user


def need_body(n=0):
    return {"kind": "volunteers", "original_language": "es", "title": {"es": f"Manos {n}"}}


def need_form(n=0, **overrides):
    return {
        "kind": "volunteers",
        "original_language": "es",
        "title_es": f"Manos para el sábado {n}",
        "description_es": "Traer guantes.",
        "skills": "",
        "quantity": "",
        "unit": "",
        "urgency": "normal",
        "starts_on": "2026-01-10",
        "ends_on": "",
        **overrides,
    }


# --- The daily cap of a new account ------------------------------------------------------------


def test_a_new_account_reaches_its_daily_cap_in_the_api(client, counted):
    lead = UserFactory(username="nueva")
    listing = MembershipFactory(user=lead).listing
    client.force_login(lead)
    url = f"/api/v1/listings/{listing.slug}/needs/"
    for n in range(2):
        response = counted(
            lambda n=n: client.post(url, need_body(n), content_type="application/json")
        )
        assert response.status_code == 201
    response = counted(lambda: client.post(url, need_body(9), content_type="application/json"))
    assert response.status_code == 429
    [message] = response.json()["errors"]["detail"]
    assert message == (
        "New accounts may add 2 things a day (listings, needs, reports) during their first 7 "
        "days. You have reached it: try again tomorrow."
    )
    assert listing.needs.count() == 2
    hit = WriteLimitHit.objects.get()
    assert (hit.user, hit.kind, hit.action) == (lead, "new_account", "need")


def test_a_new_account_reaches_its_daily_cap_in_the_form_in_its_language(client, counted):
    lead = UserFactory(username="nueva")
    listing = MembershipFactory(user=lead).listing
    client.force_login(lead)
    url = f"/es/dashboard/listings/{listing.slug}/needs/new/"
    for n in range(2):
        assert counted(lambda n=n: client.post(url, need_form(n))).status_code == 302
    response = counted(lambda: client.post(url, need_form(9)))
    assert response.status_code == 429
    with translation.override("es"):
        expected = translation.ngettext(
            "New accounts may add %(cap)d thing a day (listings, needs, reports) during their "
            "first %(days)d days. You have reached it: try again tomorrow.",
            "New accounts may add %(cap)d things a day (listings, needs, reports) during their "
            "first %(days)d days. You have reached it: try again tomorrow.",
            2,
        ) % {"cap": 2, "days": 7}
    assert expected in response.content.decode()
    assert listing.needs.count() == 2


def test_new_listings_and_reports_count_against_the_same_cap(client, counted):
    person = UserFactory(username="nueva")
    client.force_login(person)
    body = {
        "kind": "mutual_aid",
        "name": "Red de Apoyo",
        "original_language": "es",
        "location_precision": "region",
        "location": {"type": "Point", "coordinates": [-99.1, 19.4]},
        "address": {"country": "MX"},
        "summary": {"es": "Despensas"},
    }
    post = client.post
    created = counted(lambda: post("/api/v1/listings/", body, content_type="application/json"))
    assert created.status_code == 201
    target = ListingFactory(slug="otra")
    report = {"listing": "otra", "reason": "closed"}
    ok = counted(lambda: post("/api/v1/reports/", report, content_type="application/json"))
    assert ok.status_code == 201
    refused = counted(lambda: post("/api/v1/reports/", report, content_type="application/json"))
    assert refused.status_code == 429
    assert target.reports.count() == 1
    # And on the listing page's form.
    page = counted(lambda: post("/en/listings/otra/report/", {"reason": "closed"}))
    assert page.status_code == 429
    assert "New accounts may add 2 things a day" in page.content.decode()
    assert target.reports.count() == 1


def test_an_old_account_has_no_daily_cap(client, counted):
    lead = old(UserFactory(username="antigua"))
    listing = MembershipFactory(user=lead).listing
    client.force_login(lead)
    url = f"/api/v1/listings/{listing.slug}/needs/"
    for n in range(5):
        response = counted(
            lambda n=n: client.post(url, need_body(n), content_type="application/json")
        )
        assert response.status_code == 201
    assert not WriteLimitHit.objects.exists()


def test_moderators_have_no_daily_cap(client, people, counted):
    listing = ListingFactory()
    client.force_login(people["moderator"])  # a new account, with its authenticator app
    url = f"/api/v1/listings/{listing.slug}/needs/"
    for n in range(4):
        response = counted(
            lambda n=n: client.post(url, need_body(n), content_type="application/json")
        )
        assert response.status_code == 201


# --- Links in free text --------------------------------------------------------------------------


def test_a_description_with_too_many_links_is_refused_in_the_api_naming_the_field(client):
    lead = old(UserFactory(username="antigua"))
    listing = MembershipFactory(user=lead).listing
    client.force_login(lead)
    body = {**need_body(), "description": {"es": LINKS}}
    response = client.post(
        f"/api/v1/listings/{listing.slug}/needs/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "description.es": [
            "Write at most 3 links here (this has 4); put the project's own web addresses in "
            "its contacts."
        ]
    }
    response = client.patch(
        f"/api/v1/listings/{listing.slug}/",
        {"description": {"en": LINKS}},
        content_type="application/json",
    )
    assert response.status_code == 400 and list(response.json()["errors"]) == ["description.en"]
    response = client.post(
        "/api/v1/reports/",
        {"listing": listing.slug, "reason": "other", "message": LINKS},
        content_type="application/json",
    )
    assert response.status_code == 400 and list(response.json()["errors"]) == ["message"]
    assert not listing.needs.exists() and not listing.reports.exists()
    # Each refusal is kept for the moderators.
    hits = WriteLimitHit.objects.filter(user=lead).order_by("id")
    assert [(hit.kind, hit.action) for hit in hits] == [
        ("links", "listing"),  # POST /listings/{slug}/needs/ belongs to the listings
        ("links", "listing"),
        ("links", "report"),
    ]


def test_a_description_with_too_many_links_is_refused_in_the_form_next_to_the_field(client):
    lead = old(UserFactory(username="antigua"))
    listing = MembershipFactory(user=lead).listing
    client.force_login(lead)
    response = client.post(
        f"/en/dashboard/listings/{listing.slug}/needs/new/", need_form(description_es=LINKS)
    )
    assert response.status_code == 200
    body = response.content.decode()
    error_at = body.index('id="id_description_es-error"')
    assert "Write at most 3 links here (this has 4)" in body[error_at : error_at + 300]
    assert not listing.needs.exists()
    assert WriteLimitHit.objects.get(user=lead).kind == "links"
    three = "https://a.example https://b.example https://c.example"
    response = client.post(
        f"/en/dashboard/listings/{listing.slug}/needs/new/", need_form(description_es=three)
    )
    assert response.status_code == 302


# --- Rejections slow an account down --------------------------------------------------------------


def rejected_listings(lead, moderator, n):
    for _ in range(n):
        listing = ListingFactory(status=ListingStatus.PENDING)
        MembershipFactory(listing=listing, user=lead)
        moderation.listing_reject(listing=listing, moderator=moderator, reason="Spam")


def test_rejections_slow_an_old_account_down(client, people, counted):
    lead = old(UserFactory(username="antigua"))
    listing = MembershipFactory(user=lead).listing
    rejected_listings(lead, people["moderator"], 2)
    client.force_login(lead)
    url = f"/api/v1/listings/{listing.slug}/needs/"
    for n in range(3):  # two rejections: not yet
        response = counted(
            lambda n=n: client.post(url, need_body(n), content_type="application/json")
        )
        assert response.status_code == 201
    rejected_listings(lead, people["moderator"], 1)
    cache.clear()  # a new day
    response = counted(lambda: client.post(url, need_body(7), content_type="application/json"))
    assert response.status_code == 201
    response = counted(lambda: client.post(url, need_body(8), content_type="application/json"))
    assert response.status_code == 429
    assert (
        "Several of your listings were sent back by moderators lately"
        in (response.json()["errors"]["detail"][0])
    )
    assert "may add 1 thing a day" in response.json()["errors"]["detail"][0]
    assert WriteLimitHit.objects.get().kind == "slowed"


def test_old_rejections_no_longer_count(client, people, counted, settings):
    from directory.models import AuditEvent

    lead = old(UserFactory(username="antigua"))
    rejected_listings(lead, people["moderator"], 3)
    # The audit log is append-only: the window moves instead.
    settings.REJECTIONS_WINDOW_DAYS = 0
    assert AuditEvent.objects.filter(action="listing_rejected").count() == 3
    from accounts.limits import standing

    assert standing(lead).cap is None


# --- What the moderators see ----------------------------------------------------------------


def test_the_queue_shows_each_submitters_standing_with_bounded_queries(
    client, people, counted, django_assert_max_num_queries
):
    newcomer = UserFactory(username="recien")
    slowed = old(UserFactory(username="rechazada"), days=40)
    rejected_listings(slowed, people["moderator"], 3)
    WriteLimitHit.objects.create(user=newcomer, kind="new_account", action="need")
    WriteLimitHit.objects.create(user=newcomer, kind="new_account", action="report")

    def pending_by(user, n):
        for _ in range(n):
            MembershipFactory(listing=ListingFactory(status=ListingStatus.PENDING), user=user)

    pending_by(newcomer, 1)
    pending_by(slowed, 1)
    client.force_login(people["moderator"])
    # The queue's budget (tests/pages/test_moderation.py): the submitters are one query.
    with django_assert_max_num_queries(16):
        body = client.get("/en/moderation/").content.decode()
    newcomer_line = body[body.index("<strong>recien</strong>") :][:600]
    assert "account 0 days old" in newcomer_line
    assert "0 listings sent back in the last 30 days" in newcomer_line
    assert "limited to 2 new items a day (daily cap of a new account)" in newcomer_line
    assert "2 writes refused by limits" in newcomer_line
    assert "last: daily cap of a new account" in newcomer_line
    slowed_line = body[body.index("<strong>rechazada</strong>") :][:600]
    assert "account 40 days old" in slowed_line
    assert "3 listings sent back in the last 30 days" in slowed_line
    assert "limited to 1 new item a day (daily cap after rejections)" in slowed_line

    pending_by(newcomer, 10)
    pending_by(slowed, 10)
    with django_assert_max_num_queries(16):
        body = client.get("/en/moderation/").content.decode()
    assert body.count("<strong>recien</strong>") == 11
