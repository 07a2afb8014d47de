"""The moderators' import page: upload a file, read the dry run's report, confirm it.

The dry run and the import are `manage.py import_listings`'s (directory.importing.run), on a
file kept on the server between the two (directory.importing.uploads); the confirmation
writes exactly what the dry run showed, or says that the file or the directory changed."""

import csv
from pathlib import Path

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, npgettext, pgettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from directory.importing import uploads
from directory.importing.mapping import MappingError, unescape_formula
from directory.importing.presets import PRESETS
from directory.importing.readers import ReadFailed
from directory.importing.run import OUTCOMES, ImportFailed, StaleImport

from .govuk import GovukForm, error_summary
from .moderation import moderator_required

#: Rows of the report shown on the page; the CSV has them all.
REPORT_ROWS = 200
EXAMPLES_DIR = settings.BASE_DIR / "fixtures" / "import"
#: Files of EXAMPLES_DIR the page offers, with their media types.
EXAMPLES = {"tejido-template.csv": "text/csv", "sample-mapping.toml": "application/toml"}
PRESET_LABELS = {
    "tejido-csv": gettext_lazy(
        "Tejido's columns: the template, or a CSV or GeoPackage exported from Tejido"
    ),
    "tejido-geojson": gettext_lazy("GeoJSON exported from Tejido's API"),
    "coopsuk": gettext_lazy("Co-operatives UK open data (CSV)"),
    "osm": gettext_lazy("OpenStreetMap-style GeoJSON (TransforMap)"),
    "murmurations": gettext_lazy("Murmurations profiles (JSON)"),
    "kvm": gettext_lazy("Karte von morgen (JSON)"),
}
OUTCOME_LABELS = {
    "created": pgettext_lazy("rows of an import", "new"),
    "updated": pgettext_lazy("rows of an import", "updated"),
    "unchanged": pgettext_lazy("rows of an import", "unchanged"),
    "rejected": pgettext_lazy("rows of an import", "rejected"),
}


def count_label(outcome: str, n: int) -> str:
    """What follows a count of rows ("3 new"): in plural forms, which some languages need."""
    labels = {
        "created": npgettext("count of import rows", "new", "new", n),
        "updated": npgettext("count of import rows", "updated", "updated", n),
        "unchanged": npgettext("count of import rows", "unchanged", "unchanged", n),
        "rejected": npgettext("count of import rows", "rejected", "rejected", n),
    }
    return labels.get(outcome, outcome)


def read_error(error: ReadFailed) -> str:
    """What is wrong with a file, for the message next to the file field."""
    line = error.line or "?"
    messages = {
        "empty": _("The file is empty."),
        "encoding": _(
            "The file is not text in UTF-8 or Latin-1. Save the spreadsheet as "
            "“CSV UTF-8” and upload that file."
        ),
        "csv": _(
            "The CSV file cannot be read past line %(line)s: a quote is not closed, "
            "or the file was cut off."
        )
        % {"line": line},
        "json": _("The file is not valid JSON (the first error is on line %(line)s).")
        % {"line": line},
        "shape": _("The file is JSON, but neither GeoJSON features nor a list of entries."),
        "crs": _("The GeoJSON names a coordinate reference system Tejido does not know."),
        "gis": _("The file cannot be read as a GeoPackage or a zipped shapefile."),
    }
    message = messages.get(error.code, _("Choose a CSV, GeoJSON, GeoPackage or zipped shapefile."))
    return f"{message} {_('Nothing was imported.')}"


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:g}"


class LimitedUpload(FileUploadHandler):
    """Skips a file past IMPORT_UPLOAD_MAX_BYTES (the other fields are still read) and
    notes its field in `request.upload_too_big`, for the message next to it."""

    def __init__(self, request=None):
        super().__init__(request)
        request.upload_too_big = set()

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > settings.IMPORT_UPLOAD_MAX_BYTES:
            self.request.upload_too_big.add(self.field_name)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None


class ImportForm(GovukForm):
    file = forms.FileField(
        label=gettext_lazy("File"),
        required=False,
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(uploads.SUFFIXES)}),
    )
    preset = forms.ChoiceField(
        label=gettext_lazy("What the columns are"),
        choices=[(name, PRESET_LABELS.get(name, name)) for name in PRESETS],
        initial="tejido-csv",
        widget=forms.RadioSelect,
    )
    mapping = forms.FileField(
        label=gettext_lazy("Or a mapping file (TOML)"),
        required=False,
        help_text=gettext_lazy(
            "For another spreadsheet: which of its columns holds which field "
            "(the sample mapping below explains every key). It replaces the choice above."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": uploads.MAPPING_SUFFIX}),
    )
    source = forms.CharField(
        label=gettext_lazy("Name of the data set"),
        required=False,
        max_length=100,
        help_text=gettext_lazy(
            "Importing the same data set again updates its listings instead of adding them "
            "twice. Left empty: the mapping's name, or the file's."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    publish = forms.BooleanField(
        label=gettext_lazy("Publish the new listings at once"),
        required=False,
        help_text=gettext_lazy("Otherwise they wait in the moderation queue."),
    )

    def __init__(self, *args, too_big=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.too_big = set(too_big)
        limit = megabytes(settings.IMPORT_UPLOAD_MAX_BYTES)
        self.fields["file"].help_text = _(
            "CSV (UTF-8 or Latin-1), GeoJSON, GeoPackage, or a shapefile in a .zip; at most "
            "%(size)s MB."
        ) % {"size": limit}

    def add_error(self, field, error):
        """Also for errors found after validation (reading the file): the field points at
        its message, as GovukForm does for the others."""
        super().add_error(field, error)
        if field in self.fields:
            described = [f"{self[field].auto_id}-error"]
            if self.fields[field].help_text:
                described.append(f"{self[field].auto_id}_helptext")
            self.fields[field].widget.attrs["aria-describedby"] = " ".join(described)

    def _too_big(self, name: str, limit: int) -> ValidationError:
        return ValidationError(
            _("The file is larger than %(size)s MB.") % {"size": megabytes(limit)}, code="size"
        )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        limit = settings.IMPORT_UPLOAD_MAX_BYTES
        if "file" in self.too_big or (upload and upload.size > limit):
            raise self._too_big("file", limit)
        if not upload:
            raise ValidationError(_("Choose the file to import."), code="required")
        if Path(upload.name).suffix.lower() not in uploads.SUFFIXES:
            raise ValidationError(
                _("Choose a CSV, GeoJSON, GeoPackage or zipped shapefile (%(suffixes)s).")
                % {"suffixes": " ".join(uploads.SUFFIXES)},
                code="kind",
            )
        if upload.size == 0:
            raise ValidationError(_("The file is empty."), code="empty")
        return upload

    def clean_mapping(self):
        mapping = self.cleaned_data.get("mapping")
        if "mapping" in self.too_big or (mapping and mapping.size > uploads.MAPPING_MAX_BYTES):
            raise self._too_big("mapping", uploads.MAPPING_MAX_BYTES)
        if mapping and Path(mapping.name).suffix.lower() != uploads.MAPPING_SUFFIX:
            raise ValidationError(_("A mapping file is a .toml file."), code="kind")
        return mapping


def _form_page(request, form, *, status=200, problem=""):
    errors = error_summary(form)
    if problem:
        errors.insert(0, {"href": "#errors", "message": problem})
    context = {"form": form, "errors": errors, "problem": problem}
    return render(request, "pages/moderation/imports.html", context, status=status)


def _dry_run(request, form):
    """Store the file and run the dry run; the report page, or the form with the error."""
    data = form.cleaned_data
    upload = uploads.upload_store(
        uploaded=data["file"],
        mapping_file=data["mapping"],
        user=request.user,
        preset=data["preset"],
        source=data["source"].strip(),
        publish=data["publish"],
    )
    try:
        mapping = upload.mapping()
    except MappingError as error:
        upload.remove()
        reason = str(error).replace(str(upload.mapping_path), "").lstrip(": ")
        form.add_error("mapping", _("This mapping cannot be used: %(reason)s") % {"reason": reason})
        return _form_page(request, form, status=400)
    try:
        result = uploads.upload_dry_run(upload=upload, mapping=mapping)
    except ReadFailed as error:
        upload.remove()
        form.add_error("file", read_error(error))
        return _form_page(request, form, status=400)
    except ImportFailed as error:
        upload.remove()
        return _form_page(request, form, status=422, problem=str(error))
    if not result.rows:
        upload.remove()
        form.add_error("file", _("The file has no rows to import. Nothing was imported."))
        return _form_page(request, form, status=400)
    return redirect("pages:moderation_import", token=upload.token)


@csrf_exempt
def upload_page(request):
    """The form (GET) and its dry run (POST). The size limit is applied while the body is
    read, so the handler goes in before anything reads it, CSRF's check included."""
    if request.method == "POST":
        request.upload_handlers.insert(0, LimitedUpload(request))
    return _upload(request)


@csrf_protect
@moderator_required
def _upload(request):
    if request.method != "POST":
        return _form_page(request, ImportForm())
    form = ImportForm(request.POST, request.FILES, too_big=request.upload_too_big)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    return _dry_run(request, form)


def _upload_or_404(token: str) -> uploads.Upload:
    try:
        return uploads.upload_for(token)
    except uploads.UploadGone:
        raise Http404 from None


def _report_rows(upload: uploads.Upload) -> list[dict]:
    """The first rows of the stored report, as the page shows them."""
    rows = []
    with open(upload.report_path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if len(rows) == REPORT_ROWS:
                break
            rows.append(
                {
                    **{name: unescape_formula(value) for name, value in row.items()},
                    "label": OUTCOME_LABELS.get(row["outcome"], row["outcome"]),
                }
            )
    return rows


def _report_page(request, upload: uploads.Upload, *, status=200, stale=False, failure=""):
    counts = [
        (
            outcome,
            count_label(outcome, upload.counts.get(outcome, 0)),
            upload.counts.get(outcome, 0),
        )
        for outcome in OUTCOMES
    ]
    total = sum(upload.counts.values())
    context = {
        "upload": upload,
        "mapping_label": PRESET_LABELS.get(upload.preset, upload.preset)
        if upload.preset
        else _("a mapping file"),
        "source": uploads.source_name(upload, upload.mapping()),
        "counts": counts,
        "total": total,
        "to_write": upload.counts.get("created", 0) + upload.counts.get("updated", 0),
        "rows": _report_rows(upload),
        "shown": min(total, REPORT_ROWS),
        "confirmed": upload.confirmed(),
        "stale": stale,
        "failure": failure,
        "report_url": reverse("pages:moderation_import_report", kwargs={"token": upload.token}),
    }
    return render(request, "pages/moderation/imports_report.html", context, status=status)


@require_GET
@moderator_required
def report_page(request, token):
    return _report_page(request, _upload_or_404(token))


@require_GET
@moderator_required
def report_csv(request, token):
    upload = _upload_or_404(token)
    name = f"{Path(upload.original_name).stem}-report.csv"
    return FileResponse(
        open(upload.report_path, "rb"),
        as_attachment=True,
        filename=name,
        content_type="text/csv",
    )


@require_POST
@moderator_required
def confirm(request, token):
    try:
        upload = uploads.upload_for(token)
    except uploads.UploadGone:
        problem = _("This dry run has expired or is unknown. Upload the file again.")
        return _form_page(request, ImportForm(), status=400, problem=problem)
    if upload.confirmed():
        return redirect("pages:moderation_import", token=token)
    try:
        uploads.upload_import(upload=upload, moderator=request.user)
    except (uploads.UploadChanged, ReadFailed, MappingError):
        problem = _("The stored file changed since its dry run. Upload it again.")
        return _form_page(request, ImportForm(), status=409, problem=problem)
    except StaleImport as stale:
        # The new dry run replaces the old one: confirming it writes what it now shows.
        uploads.remember_dry_run(upload, stale.result)
        return _report_page(request, upload, status=409, stale=True)
    except ImportFailed as error:
        # Nothing was written; the dry run stays, to be confirmed again or uploaded anew.
        return _report_page(request, upload, status=422, failure=str(error))
    return redirect("pages:moderation_import", token=token)


@require_GET
def example(request, name):
    """The tejido-csv template (its columns, two fictional rows) and the sample mapping."""
    if name not in EXAMPLES:
        raise Http404
    return FileResponse(
        open(EXAMPLES_DIR / name, "rb"),
        as_attachment=True,
        filename=name,
        content_type=EXAMPLES[name],
    )
