"""The lead's dashboard and its forms: the same services as the API, errors next to fields in
the reader's language, nothing written on bad input, permissions as a matrix of personas."""

import datetime

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from directory.choices import AuditAction, ListingStatus, NeedStatus
from directory.models import AuditEvent, Contact, Listing, ListingMembership, Need, OpeningPeriod
from tests.factories import (
    CategoryFactory,
    ListingFactory,
    MembershipFactory,
    NeedFactory,
    PlaceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing(people):
    listing = ListingFactory(name="Cocina Común", slug="cocina")
    MembershipFactory(listing=listing, user=people["lead"], role="lead")
    MembershipFactory(listing=listing, user=people["editor"], role="editor")
    return listing


def as_(client, people, who):
    if people[who] is not None:
        client.force_login(people[who])
    return client


def listing_post(**overrides) -> dict:
    """A complete, valid listing form as a browser sends it."""
    data = {
        "action": "save",
        "kind": "mutual_aid",
        "name": "Despensa Solidaria",
        "original_language": "es",
        "summary_es": "Comida para quien la necesite.",
        "summary_en": "",
        "latitude": "19.4326",
        "longitude": "-99.1332",
        "location_precision": "area",
        "street": "Calle 5 de Mayo 12",
        "locality": "Ciudad de México",
        "admin1": "CDMX",
        "postal_code": "06000",
        "country": "MX",
        "languages": "es, nah",
        "access": ["free", "no_id_required"],
        "contacts-TOTAL_FORMS": "2",
        "contacts-INITIAL_FORMS": "0",
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "20",
        "contacts-0-kind": "email",
        "contacts-0-value": "Hola@Despensa.example",
        "contacts-0-visibility": "public",
        "contacts-1-kind": "",
        "contacts-1-value": "",
        "contacts-1-visibility": "public",
        "hours-TOTAL_FORMS": "2",
        "hours-INITIAL_FORMS": "0",
        "hours-MIN_NUM_FORMS": "0",
        "hours-MAX_NUM_FORMS": "50",
        "hours-0-weekday": "1",
        "hours-0-opens": "09:00",
        "hours-0-closes": "13:00",
        "hours-1-weekday": "",
        "hours-1-opens": "",
        "hours-1-closes": "",
    }
    data.update(overrides)
    return data


# --- The dashboard -----------------------------------------------------------------------------


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.get("/en/dashboard/")
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/login/?next=/en/dashboard/"


def test_dashboard_shows_each_state_and_the_moderators_reason(client, people):
    lead = people["lead"]
    states = {
        "Borrador": ListingStatus.DRAFT,
        "En espera": ListingStatus.PENDING,
        "Publicada": ListingStatus.PUBLISHED,
        "Rechazada": ListingStatus.REJECTED,
        "Archivada": ListingStatus.ARCHIVED,
    }
    for name, status in states.items():
        item = ListingFactory(name=name, status=status)
        MembershipFactory(listing=item, user=lead)
    Listing.objects.filter(name="Rechazada").update(moderation_note="Falta <b>la dirección</b>.")
    ListingFactory(name="Ajena")
    body = as_(client, people, "lead").get("/en/dashboard/").content.decode()
    for name in states:
        assert name in body
    assert "Ajena" not in body
    for words in ("Draft", "Waiting for a moderator", "Published", "Not published", "Archived"):
        assert words in body
    assert "Falta &lt;b&gt;la dirección&lt;/b&gt;." in body


def test_dashboard_query_budget_does_not_grow_with_listings(
    client, people, django_assert_max_num_queries
):
    lead = people["lead"]
    as_(client, people, "lead")
    for _n in range(3):
        MembershipFactory(listing=NeedFactory().listing, user=lead)
    # session + user (2), listings (1), categories and needs prefetched (2)
    with django_assert_max_num_queries(6):
        small = client.get("/en/dashboard/")
    for _n in range(20):
        need = NeedFactory()
        MembershipFactory(listing=need.listing, user=lead)
    with django_assert_max_num_queries(6):
        large = client.get("/en/dashboard/")
    assert small.status_code == large.status_code == 200
    assert large.content.decode().count('class="dash-listing"') == 23


def test_still_current_is_one_post(client, people, listing):
    old = timezone.now() - datetime.timedelta(days=200)
    Listing.objects.filter(pk=listing.pk).update(last_confirmed_at=old)
    response = as_(client, people, "editor").post(f"/en/dashboard/listings/{listing.slug}/confirm/")
    assert response.status_code == 302 and response["Location"] == "/en/dashboard/"
    listing.refresh_from_db()
    assert timezone.now() - listing.last_confirmed_at < datetime.timedelta(minutes=1)


def test_still_current_refuses_get_and_needs_csrf(people, listing):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(people["lead"])
    assert strict.get(f"/en/dashboard/listings/{listing.slug}/confirm/").status_code == 405
    assert strict.post(f"/en/dashboard/listings/{listing.slug}/confirm/").status_code == 403


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("stranger", 403), ("lead", 302), ("editor", 302), ("moderator", 302)],
)
def test_who_may_say_a_listing_is_still_current(client, people, listing, who, status):
    response = as_(client, people, who).post(f"/en/dashboard/listings/{listing.slug}/confirm/")
    assert response.status_code == status
    if who == "anonymous":
        assert response["Location"].startswith("/en/accounts/login/")


@pytest.mark.parametrize(
    ("who", "published", "unpublished"),
    [
        ("anonymous", 302, 302),
        ("stranger", 403, 404),
        ("lead", 200, 200),
        ("editor", 200, 200),
        ("moderator", 200, 200),
    ],
)
def test_who_may_open_the_edit_form(client, people, listing, who, published, unpublished):
    as_(client, people, who)
    assert client.get(f"/en/dashboard/listings/{listing.slug}/").status_code == published
    Listing.objects.filter(pk=listing.pk).update(status=ListingStatus.PENDING)
    assert client.get(f"/en/dashboard/listings/{listing.slug}/").status_code == unpublished


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("stranger", 403), ("lead", 200), ("editor", 403), ("moderator", 200)],
)
def test_only_leads_and_moderators_manage_people(client, people, listing, who, status):
    response = as_(client, people, who).get(f"/en/dashboard/listings/{listing.slug}/people/")
    assert response.status_code == status


def test_a_stranger_cannot_change_someone_elses_listing(client, people, listing):
    response = as_(client, people, "stranger").post(
        f"/en/dashboard/listings/{listing.slug}/", listing_post(name="Tomada")
    )
    assert response.status_code == 403
    listing.refresh_from_db()
    assert listing.name == "Cocina Común"


# --- Creating and editing a listing ----------------------------------------------------------


def test_a_new_listing_waits_for_review_with_everything_it_was_given(client, people):
    category = CategoryFactory(slug="food")
    data = listing_post(categories=["food"], founded_year="2015", member_count="12")
    response = as_(client, people, "stranger").post("/en/dashboard/listings/new/", data)
    assert response.status_code == 302 and response["Location"] == "/en/dashboard/"
    listing = Listing.objects.get(name="Despensa Solidaria")
    assert listing.status == ListingStatus.PENDING
    assert listing.summary_es == "Comida para quien la necesite."
    assert (listing.location.x, listing.location.y) == (-99.1332, 19.4326)
    assert listing.location_precision == "area"
    assert listing.street_address == "Calle 5 de Mayo 12" and str(listing.country) == "MX"
    assert listing.languages == ["es", "nah"] and listing.access == ["free", "no_id_required"]
    assert list(listing.categories.all()) == [category]
    assert (listing.founded_year, listing.member_count) == (2015, 12)
    assert list(listing.contacts.values_list("kind", "value", "visibility")) == [
        ("email", "hola@despensa.example", "public")
    ]
    assert [str(p) for p in listing.opening_periods.all()] == ["Monday 09:00–13:00"]
    assert ListingMembership.objects.get(listing=listing).user == people["stranger"]
    assert listing.timezone == "America/Mexico_City"


def test_the_new_listing_form_shows_every_part(client, people):
    body = as_(client, people, "lead").get("/es/dashboard/listings/new/").content.decode()
    for name in (
        "kind",
        "name",
        "summary_pt",
        "description_fr",
        "eligibility_notes_en",
        "opening_hours_notes_es",
        "original_language",
        "latitude",
        "longitude",
        "place",
        "location_precision",
        "street",
        "country",
        "languages",
        "access",
        "ownership_model",
        "legal_form",
        "member_count",
        "founded_year",
        "service_area",
        "contacts-0-visibility",
        "hours-0-weekday",
    ):
        assert f'name="{name}"' in body, name
    assert 'nonce="' in body and "vendor/leaflet/leaflet.js" in body
    assert "csrfmiddlewaretoken" in body


BAD_INPUT = [
    ({"latitude": "95"}, "latitude", "Ensure this value is less than or equal to 90."),
    ({"longitude": "west"}, "longitude", "Enter a number."),
    ({"latitude": "", "longitude": ""}, "latitude", "Give a location"),
    ({"languages": "es, español"}, "languages", "is not a language code"),
    ({"contacts-0-value": "not an address"}, "contacts-0-value", "Enter a valid e-mail address."),
    ({"hours-0-closes": "09:00"}, "hours-0-closes", "Closing time equals opening time."),
    ({"hours-0-opens": ""}, "hours-0-opens", "Give the opening time."),
    (
        {"hours-1-weekday": "1", "hours-1-opens": "12:00", "hours-1-closes": "18:00"},
        "hours-1-opens",
        "Monday 12:00–18:00 overlaps Monday 09:00–13:00.",
    ),
    ({"service_area": "{oops"}, "service_area", "This is not a GeoJSON Polygon"),
    ({"country": "XX"}, "country", "Select a valid choice."),
    ({"name": ""}, "name", "This field is required."),
]


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_INPUT)
def test_bad_input_is_explained_next_to_the_field_and_writes_nothing(
    client, people, overrides, field, message
):
    response = as_(client, people, "lead").post(
        "/en/dashboard/listings/new/", listing_post(**overrides)
    )
    assert response.status_code == 200
    body = response.content.decode()
    error_at = body.index(f'id="id_{field}-error"')
    assert message in body[error_at : error_at + 400]
    assert body.index('id="errors"') < error_at  # the summary at the top
    assert f'href="#id_{field}"' in body
    assert error_at < body.index(f'id="id_{field}"', error_at)  # error between label and field
    assert Listing.objects.count() == 0 and Contact.objects.count() == 0


def test_errors_speak_the_readers_language(client, people):
    response = as_(client, people, "lead").post(
        "/es/dashboard/listings/new/", listing_post(latitude="95", name="")
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Este campo es requerido." in body  # Django's own catalog
    assert "Asegúrese de que este valor es menor o igual a 90." in body


def test_a_night_opening_past_midnight_does_not_overlap_the_next_morning(client, people):
    data = listing_post(
        **{
            "hours-0-weekday": "5",
            "hours-0-opens": "22:00",
            "hours-0-closes": "02:00",
            "hours-1-weekday": "6",
            "hours-1-opens": "01:00",
            "hours-1-closes": "05:00",
        }
    )
    response = as_(client, people, "lead").post("/en/dashboard/listings/new/", data)
    assert "Saturday 01:00–05:00 overlaps Friday 22:00–02:00." in response.content.decode()
    data["hours-1-opens"] = "03:00"
    response = client.post("/en/dashboard/listings/new/", data)
    assert response.status_code == 302
    assert OpeningPeriod.objects.count() == 2


def test_a_place_look_up_fills_the_coordinates_and_writes_nothing(client, people):
    PlaceFactory()
    PlaceFactory(name="Santa Ana", country="SV", admin1="02", population=176661,
                 point=Point(-89.55, 13.99, srid=4326))  # fmt: skip
    data = listing_post(action="lookup", place="santa ana", latitude="", longitude="", name="")
    response = as_(client, people, "lead").post("/en/dashboard/listings/new/", data)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="33.74557"' in body and 'value="-117.86783"' in body
    assert "This field is required." not in body  # nothing is checked on a look-up
    assert 'name="use_place"' in body  # the other Santa Ana is offered
    assert Listing.objects.count() == 0


def test_an_unknown_place_says_so_and_keeps_what_was_typed(client, people):
    data = listing_post(action="lookup", place="Atlantis del Sur")
    body = as_(client, people, "lead").post("/en/dashboard/listings/new/", data).content.decode()
    assert "No town, city or ZIP code matches “Atlantis del Sur”" in body
    assert 'value="Atlantis del Sur"' in body
    assert Listing.objects.count() == 0


def test_the_preview_shows_the_public_cell_not_the_true_point(client, people):
    data = listing_post(action="preview", latitude="19.43261", longitude="-99.13321")
    body = as_(client, people, "lead").post("/en/dashboard/listings/new/", data).content.decode()
    assert "19.4350, -99.1350" in body  # area: centre of the 0.01° cell
    assert "19.4500, -99.1500" in body  # region: centre of the 0.1° cell
    assert "19.4326, -99.1332" in body  # exact
    assert Listing.objects.count() == 0


def test_editing_keeps_stored_contacts_and_replaces_what_changed(client, people, listing):
    Contact.objects.create(listing=listing, kind="phone", value="+525555550100")
    as_(client, people, "editor")
    form = client.get(f"/en/dashboard/listings/{listing.slug}/")
    assert 'value="+525555550100"' in form.content.decode()
    data = listing_post(
        name="Cocina Común del Barrio",
        **{
            "contacts-TOTAL_FORMS": "3",
            "contacts-INITIAL_FORMS": "1",
            "contacts-0-kind": "phone",
            "contacts-0-value": "+525555550100",
            "contacts-0-visibility": "leads_only",
            "contacts-1-kind": "website",
            "contacts-1-value": "https://cocina.example",
            "contacts-1-visibility": "public",
            "contacts-2-kind": "",
            "contacts-2-value": "",
            "contacts-2-visibility": "public",
        },
    )
    response = client.post(f"/en/dashboard/listings/{listing.slug}/", data)
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.name == "Cocina Común del Barrio"
    assert list(listing.contacts.values_list("kind", "visibility")) == [
        ("phone", "leads_only"),
        ("website", "public"),
    ]
    assert listing.history.first().history_user == people["editor"]


def test_editing_a_published_listing_keeps_it_published_as_the_service_does(
    client, people, listing
):
    response = as_(client, people, "lead").post(
        f"/en/dashboard/listings/{listing.slug}/", listing_post(name="Otro nombre")
    )
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PUBLISHED and listing.name == "Otro nombre"


def test_opening_the_edit_form_of_a_non_exact_listing_is_an_audited_exact_read(
    client, people, listing
):
    Listing.objects.filter(pk=listing.pk).update(location_precision="area")
    as_(client, people, "lead").get(f"/en/dashboard/listings/{listing.slug}/")
    event = AuditEvent.objects.get(action=AuditAction.EXACT_LOCATION_READ)
    assert event.actor == people["lead"] and event.data == {"via": "pages"}


def test_a_rejected_listing_can_be_sent_again(client, people, listing):
    Listing.objects.filter(pk=listing.pk).update(status=ListingStatus.REJECTED)
    response = as_(client, people, "lead").post(f"/en/dashboard/listings/{listing.slug}/resubmit/")
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PENDING
    assert AuditEvent.objects.filter(action=AuditAction.LISTING_RESUBMITTED).count() == 1


def test_user_text_is_escaped_on_the_form(client, people, listing):
    Listing.objects.filter(pk=listing.pk).update(name="<img src=x onerror=alert(1)>`</script>")
    body = as_(client, people, "lead").get(f"/en/dashboard/listings/{listing.slug}/").content
    assert (
        b"<img src=x" not in body and b"&lt;img src=x onerror=alert(1)&gt;`&lt;/script&gt;" in body
    )


# --- Co-leads ----------------------------------------------------------------------------------


def test_a_lead_adds_a_co_lead_by_email(client, people, listing):
    newcomer = UserFactory(username="nueva", email="nueva@example.org")
    response = as_(client, people, "lead").post(
        f"/en/dashboard/listings/{listing.slug}/people/",
        {"person": "NUEVA@example.org", "role": "lead"},
    )
    assert response.status_code == 302
    assert ListingMembership.objects.get(listing=listing, user=newcomer).role == "lead"
    event = AuditEvent.objects.get(action=AuditAction.MEMBERSHIP_GRANTED)
    assert event.actor == people["lead"] and event.data["username"] == "nueva"


def test_adding_an_unknown_person_is_explained_and_writes_nothing(client, people, listing):
    response = as_(client, people, "lead").post(
        f"/en/dashboard/listings/{listing.slug}/people/", {"person": "nadie", "role": "lead"}
    )
    assert response.status_code == 200
    assert "No account has this e-mail address or username." in response.content.decode()
    assert ListingMembership.objects.filter(listing=listing).count() == 2
    assert not AuditEvent.objects.exists()


def test_adding_someone_twice_is_refused(client, people, listing):
    response = as_(client, people, "lead").post(
        f"/en/dashboard/listings/{listing.slug}/people/", {"person": "editor", "role": "lead"}
    )
    assert "This person already keeps this listing." in response.content.decode()
    assert ListingMembership.objects.get(listing=listing, user=people["editor"]).role == "editor"


# --- Needs -------------------------------------------------------------------------------------


def need_post(**overrides):
    data = {
        "kind": "volunteers",
        "original_language": "es",
        "title_es": "Manos para el sábado",
        "description_es": "Traer guantes.",
        "skills": "cocina, carga",
        "quantity": "6",
        "unit": "personas",
        "urgency": "urgent",
        "starts_on": "2026-01-10",
        "ends_on": "",
    }
    data.update(overrides)
    return data


def test_a_lead_posts_a_need(client, people, listing):
    response = as_(client, people, "lead").post(
        f"/en/dashboard/listings/{listing.slug}/needs/new/", need_post()
    )
    assert response.status_code == 302
    need = Need.objects.get()
    assert (need.listing, need.title_es, need.skills) == (listing, "Manos para el sábado",
                                                          ["cocina", "carga"])  # fmt: skip
    assert (need.quantity, need.urgency, need.status) == (6, "urgent", NeedStatus.OPEN)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title_es": ""}, "title_es", "Give a title in at least one language."),
        ({"ends_on": "2026-01-01"}, "ends_on", "A need cannot end before it starts."),
        ({"skills": "Cocina Criolla"}, "skills", "is not a skill tag"),
        ({"quantity": "-1"}, "quantity", "Ensure this value is greater than or equal to 0."),
    ],
)
def test_a_bad_need_is_explained_and_writes_nothing(
    client, people, listing, overrides, field, message
):
    response = as_(client, people, "lead").post(
        f"/en/dashboard/listings/{listing.slug}/needs/new/", need_post(**overrides)
    )
    assert response.status_code == 200
    body = response.content.decode()
    error_at = body.index(f'id="id_{field}-error"')
    assert message in body[error_at : error_at + 300]
    assert not Need.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("stranger", 403), ("lead", 302), ("editor", 302), ("moderator", 302)],
)
def test_who_may_mark_a_need_as_met(client, people, listing, who, status):
    need = NeedFactory(listing=listing)
    response = as_(client, people, who).post(f"/en/dashboard/needs/{need.pk}/fulfil/")
    assert response.status_code == status
    need.refresh_from_db()
    assert need.status == (NeedStatus.OPEN if status != 302 or who == "anonymous" else "fulfilled")


def test_fulfilling_and_closing_needs_are_recorded(client, people, listing):
    met, dropped = NeedFactory(listing=listing), NeedFactory(listing=listing)
    as_(client, people, "lead")
    client.post(f"/en/dashboard/needs/{met.pk}/fulfil/")
    client.post(f"/en/dashboard/needs/{dropped.pk}/close/")
    met.refresh_from_db()
    dropped.refresh_from_db()
    assert (met.status, dropped.status) == (NeedStatus.FULFILLED, NeedStatus.CLOSED)
    assert AuditEvent.objects.get(action=AuditAction.NEED_FULFILLED).data == {"need": met.pk}
    assert met.history.first().history_user == people["lead"]


def test_editing_a_need_of_an_unpublished_listing_is_hidden_from_strangers(client, people, listing):
    Listing.objects.filter(pk=listing.pk).update(status=ListingStatus.PENDING)
    need = NeedFactory(listing=listing)
    assert as_(client, people, "stranger").get(f"/en/dashboard/needs/{need.pk}/").status_code == 404
