"""Street sheets (DESIGN.md §9): the paper list outreach workers hand out. `/sheets/` asks
where, what, for whom, when, in which language and on which paper; `/sheets/print/` is the
sheet itself, a page of the nearest resources with their hours and access facts in words,
a public phone, distance and direction, and a QR code to each live page and to the sheet;
`?format=pdf` is the same sheet as a PDF (WeasyPrint, nothing fetched from the network).

The sheet follows the public rules (DESIGN.md §6): public points, distances in whole km for
listings that are not exact, and no street address for them, only their town.
"""

import math
from dataclasses import dataclass
from urllib.parse import urlencode

import segno
from django import forms
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from markupsafe import Markup

from directory import hours
from directory.choices import AccessFact, ContentLanguage, LocationPrecision
from directory.fields import WeekTimeField
from directory.geo import X, Y
from directory.models import Category
from directory.selectors import ListingQuery, public_listings
from directory.selectors.handouts import opening_periods, public_distance, public_phones

from .govuk import GovukForm, error_summary
from .places import resolve

RADIUS_KM = 50
#: Entries a sheet holds: one page by default, two at most.
DEFAULT_COUNT, MAX_COUNT = 10, 24
#: Paper -> its stylesheet's @page size (static/css/sheet-<paper>.css).
PAPERS = ("letter", "a4")
WINDS = (
    gettext_lazy("north"),
    gettext_lazy("northeast"),
    gettext_lazy("east"),
    gettext_lazy("southeast"),
    gettext_lazy("south"),
    gettext_lazy("southwest"),
    gettext_lazy("west"),
    gettext_lazy("northwest"),
)


def _categories():
    """Every category, each kind of help under its theme ("Food", "— Food banks")."""
    return [
        (c.slug, c.name if c.depth == 1 else f"— {c.name}")
        for c in Category.objects.order_by("path").only("slug", "name", "depth")
    ]


class SheetForm(GovukForm):
    near = forms.CharField(
        label=gettext_lazy("Where"),
        max_length=200,
        help_text=gettext_lazy("A city with its state or country, a US ZIP code, or lat,lng"),
    )
    category = forms.MultipleChoiceField(
        label=gettext_lazy("What kind of help"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("A theme holds every kind under it. None chosen: every kind."),
    )
    access = forms.MultipleChoiceField(
        label=gettext_lazy("Only places that are"),
        required=False,
        choices=AccessFact.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    open_at = WeekTimeField(
        label=gettext_lazy("Open when I can go"),
        required=False,
        max_length=40,
        help_text=gettext_lazy("A day and a time, for example “sat 10:00”"),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language of the sheet"),
        choices=ContentLanguage.choices,
        widget=forms.RadioSelect,
    )
    paper = forms.ChoiceField(
        label=gettext_lazy("Paper"),
        choices=[("letter", "Letter (8.5 × 11 in)"), ("a4", "A4 (210 × 297 mm)")],  # as printed
        initial="letter",
        widget=forms.RadioSelect,
    )
    count = forms.IntegerField(
        label=gettext_lazy("How many places"),
        min_value=1,
        max_value=MAX_COUNT,
        initial=DEFAULT_COUNT,
        help_text=gettext_lazy("Up to 12 fit on one page, 24 on two."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _categories()

    def clean_near(self):
        near = resolve(self.cleaned_data["near"])
        if near.point is None:
            choices = ", ".join(choice.label for choice in near.choices[:3])
            raise forms.ValidationError(
                near.error or _("Which one? %(choices)s") % {"choices": choices}, code="near"
            )
        return near


@dataclass(frozen=True)
class Entry:
    name: str
    place: str
    exact: bool
    hours: list[str]
    access: list[str]
    phone: str
    distance: str
    url: str
    qr: Markup


def _qr(url: str) -> Markup:
    # segno draws the code's squares (no text of ours inside): markup a library made.
    return Markup(segno.make(url, error="m").svg_inline(scale=2, border=2, dark="#000"))  # noqa: S704


def _direction(origin, lng: float, lat: float) -> str:
    """One of eight winds from `origin` to (lng, lat)."""
    dx = math.radians(lng - origin.x) * math.cos(math.radians((lat + origin.y) / 2))
    dy = math.radians(lat - origin.y)
    bearing = (math.degrees(math.atan2(dx, dy)) + 360) % 360
    return str(WINDS[round(bearing / 45) % 8])


def _week_in_words(periods: list[hours.Period]) -> list[str]:
    """ "Monday-Friday 9:00-17:00" (with en dashes): days with the same hours run together."""
    days = [day for day in hours.week(periods) if day.hours]
    runs: list[list] = []
    for day in days:
        if runs and runs[-1][-1].hours == day.hours and runs[-1][-1].weekday == day.weekday - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    lines = []
    for run in runs:
        name = run[0].name if len(run) == 1 else f"{run[0].name}–{run[-1].name}"
        spans = ", ".join(f"{opens}–{closes}" for opens, closes in run[0].hours)
        lines.append(f"{name} {spans}")
    return lines


def _place(row: dict) -> str:
    town = ", ".join(part for part in (row["locality"], row["admin1"]) if part)
    if row["location_precision"] == LocationPrecision.EXACT and row["street_address"]:
        return ", ".join(part for part in (row["street_address"], town) if part)
    return town


def sheet_entries(request, data: dict) -> list[Entry]:
    """The nearest public listings for the form's `data`, as the sheet shows them."""
    near = data["near"]
    categories = tuple(Category.objects.filter(slug__in=data["category"]))
    query = ListingQuery(
        point=near.point,
        radius_km=RADIUS_KM,
        any_category=categories,
        access=tuple(data["access"]),
        open_at=data["open_at"],
    )
    columns = ("id", "slug", "name", "street_address", "locality", "admin1")
    columns += ("location_precision", "access", "distance_m", "lng", "lat")
    rows = [
        dict(zip(columns, row, strict=True))
        for row in public_listings(query)
        .annotate(lng=X("public_point"), lat=Y("public_point"))
        .values_list(*columns)[: data["count"]]
    ]
    ids = [row["id"] for row in rows]
    phones, periods = public_phones(ids), opening_periods(ids)
    facts = dict(AccessFact.choices)
    entries = []
    for row in rows:
        url = request.build_absolute_uri(reverse("pages:listing", args=[row["slug"]]))
        week = _week_in_words(periods.get(row["id"], []))
        entries.append(
            Entry(
                name=row["name"],
                place=_place(row),
                exact=row["location_precision"] == LocationPrecision.EXACT,
                hours=week or [_("Hours not known: call or look at the page")],
                access=[str(facts[fact]) for fact in row["access"] if fact in facts],
                phone=phones.get(row["id"], ""),
                distance=_("%(distance)s %(direction)s")
                % {
                    "distance": public_distance(row["distance_m"], row["location_precision"]),
                    "direction": _direction(near.point, row["lng"], row["lat"]),
                },
                url=url,
                qr=_qr(url),
            )
        )
    return entries


def _form_page(request, form, status=200):
    context = {"form": form, "errors": error_summary(form)}
    return render(request, "pages/sheets.html", context, status=status)


@require_GET
def sheet_form(request):
    language = translation.get_language()
    return _form_page(request, SheetForm(initial={"language": language, "paper": "letter"}))


@require_GET
def sheet_print(request):
    form = SheetForm(request.GET)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    data = form.cleaned_data
    with translation.override(data["language"]):
        path = reverse("pages:sheet_print")
        query = request.GET.copy()
        query.pop("format", None)
        sheet_url = request.build_absolute_uri(f"{path}?{urlencode(query, doseq=True)}")
        context = {
            "entries": sheet_entries(request, data),
            "place": data["near"].label,
            "paper": data["paper"],
            "for_pdf": request.GET.get("format") == "pdf",
            "made_on": timezone.localdate(),
            "sheet_url": sheet_url,
            "sheet_qr": _qr(sheet_url),
            "pdf_url": f"{sheet_url}&format=pdf",
            "language": data["language"],
        }
        response = render(request, "pages/sheet_print.html", context)
        if request.GET.get("format") == "pdf":
            return _pdf(response.content.decode(), data)
    return response


def _refuse(url: str, timeout=10, ssl_context=None):
    """WeasyPrint's fetcher: a sheet loads nothing (no tile, font or image from anywhere)."""
    raise ValueError(f"a street sheet fetches nothing ({url})")


def _pdf(html: str, data: dict) -> HttpResponse:
    from weasyprint import CSS, HTML  # its libraries load on the first PDF, not at start

    sheets = [
        CSS(filename=finders.find(f"css/{name}.css"), url_fetcher=_refuse)
        for name in ("sheet", f"sheet-{data['paper']}")
    ]
    pdf = HTML(string=html, url_fetcher=_refuse).write_pdf(stylesheets=sheets)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"tejido-sheet-{timezone.localdate():%Y-%m-%d}-{data['language']}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
