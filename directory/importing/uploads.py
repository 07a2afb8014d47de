"""Files moderators upload on the import page, kept on the server between the dry run and
its confirmation, and the confirmation itself (`upload_import`).

Each upload is a directory named by a random id under IMPORT_UPLOAD_DIR (default: the
system's temporary directory): the file, the mapping if one was given, `upload.json` (what
was chosen, the file's digest, the dry run's digest), the dry run's report and, once
confirmed, `result.json`. Pages name an upload by a signed token of its id; uploads older
than TOKEN_MAX_AGE are removed when a new one is stored.
"""

import hashlib
import json
import secrets
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import translation

from ..choices import AuditAction
from ..services import audit
from .mapping import Mapping, load_mapping
from .presets import PRESETS
from .readers import CSV_SUFFIXES
from .run import OUTCOMES, ImportResult, run_import, write_report

#: File kinds the page accepts (the readers' suffixes; a shapefile comes zipped).
SUFFIXES = (*sorted(CSV_SUFFIXES), ".geojson", ".json", ".gpkg", ".zip")
MAPPING_SUFFIX = ".toml"
MAPPING_MAX_BYTES = 64 * 1024
TOKEN_SALT = "tejido.importing.upload"  # noqa: S105 (a salt, not a secret)
#: Seconds a dry run may be confirmed after it was made.
TOKEN_MAX_AGE = 24 * 3600
_ID_BYTES = 16


class UploadGone(Exception):
    """The token is forged or expired, or the upload was removed."""


class UploadChanged(Exception):
    """The stored file is not the one the dry run read."""


def upload_root() -> Path:
    configured = getattr(settings, "IMPORT_UPLOAD_DIR", "")
    return Path(configured) if configured else Path(tempfile.gettempdir()) / "tejido-imports"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Upload:
    id: str
    original_name: str
    suffix: str
    sha256: str
    user_id: int
    preset: str = ""
    has_mapping: bool = False
    source: str = ""
    publish: bool = False
    #: `ImportResult.digest` of the dry run shown.
    dry_run: str = ""
    counts: dict = field(default_factory=dict)
    #: The language the dry run's reasons and warnings are written in.
    language: str = ""

    @property
    def directory(self) -> Path:
        return upload_root() / self.id

    @property
    def path(self) -> Path:
        return self.directory / f"data{self.suffix}"

    @property
    def mapping_path(self) -> Path:
        return self.directory / f"mapping{MAPPING_SUFFIX}"

    @property
    def report_path(self) -> Path:
        return self.directory / "report.csv"

    @property
    def result_path(self) -> Path:
        return self.directory / "result.json"

    @property
    def token(self) -> str:
        return signing.TimestampSigner(salt=TOKEN_SALT).sign(self.id)

    def mapping(self) -> Mapping:
        """The mapping chosen (MappingError if the stored file is not usable)."""
        if self.has_mapping:
            return load_mapping(self.mapping_path)
        return PRESETS[self.preset]()

    def save(self) -> None:
        (self.directory / "upload.json").write_text(json.dumps(asdict(self)), encoding="utf-8")

    def confirmed(self) -> dict | None:
        """What the confirmation wrote ({"counts", "at"}), or None before it."""
        if not self.result_path.exists():
            return None
        return json.loads(self.result_path.read_text(encoding="utf-8"))

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def _copy(uploaded, target: Path) -> str:
    digest = hashlib.sha256()
    with open(target, "wb") as handle:
        for chunk in uploaded.chunks():
            digest.update(chunk)
            handle.write(chunk)
    return digest.hexdigest()


def remove_old(now: float | None = None) -> None:
    """Remove the uploads that can no longer be confirmed."""
    root = upload_root()
    if not root.is_dir():
        return
    limit = (now or time.time()) - TOKEN_MAX_AGE
    for directory in root.iterdir():
        if directory.is_dir() and directory.stat().st_mtime < limit:
            shutil.rmtree(directory, ignore_errors=True)


def upload_store(*, uploaded, mapping_file, user, preset: str, source: str, publish: bool):
    """Keep an uploaded file (and its mapping file) for a dry run and its confirmation."""
    remove_old()
    suffix = Path(uploaded.name).suffix.lower()
    upload = Upload(
        id=secrets.token_hex(_ID_BYTES),
        original_name=Path(uploaded.name).name[:200],
        suffix=suffix,
        sha256="",
        user_id=user.pk,
        preset="" if mapping_file else preset,
        has_mapping=bool(mapping_file),
        publish=publish,
    )
    upload.directory.mkdir(parents=True, mode=0o700)
    upload.sha256 = _copy(uploaded, upload.path)
    if mapping_file:
        _copy(mapping_file, upload.mapping_path)
    upload.source = source
    upload.save()
    return upload


def upload_for(token: str) -> Upload:
    """The upload a page's token names, or UploadGone."""
    try:
        upload_id = signing.TimestampSigner(salt=TOKEN_SALT).unsign(token, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature as error:
        raise UploadGone from error
    meta = upload_root() / upload_id / "upload.json"
    try:
        return Upload(**json.loads(meta.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError) as error:
        raise UploadGone from error


def source_name(upload: Upload, mapping: Mapping) -> str:
    """The data set's name: as typed, else the mapping's, else the file's name."""
    return (upload.source or mapping.source or Path(upload.original_name).stem)[:100]


def upload_dry_run(*, upload: Upload, mapping: Mapping) -> ImportResult:
    """The dry run of an upload (ReadFailed if the file is broken), remembered with its
    report so that the confirmation can check it writes exactly that."""
    result = run_import(upload.path, mapping, source=source_name(upload, mapping))
    remember_dry_run(upload, result)
    return result


def remember_dry_run(upload: Upload, result: ImportResult) -> None:
    """Keep the report and digest of `result` as the dry run a confirmation must match."""
    write_report(result, upload.report_path)
    upload.dry_run = result.digest
    upload.counts = {outcome: result.counts.get(outcome, 0) for outcome in OUTCOMES}
    upload.language = translation.get_language() or settings.LANGUAGE_CODE
    upload.save()


def upload_import(*, upload: Upload, moderator) -> ImportResult:
    """Commit what the dry run of `upload` showed, in one transaction with its audit event.

    Raises UploadChanged if the stored file is not the one that was read, and
    run.StaleImport (with the new dry run) if the import would now do something else."""
    if not moderator.has_perm("directory.moderate_listing"):
        raise PermissionDenied
    if not upload.path.exists() or sha256_of(upload.path) != upload.sha256:
        raise UploadChanged
    mapping = upload.mapping()
    source = source_name(upload, mapping)
    with transaction.atomic():
        result = run_import(
            upload.path,
            mapping,
            source=source,
            commit=True,
            publish=upload.publish,
            expect=upload.dry_run,
        )
        counts = {outcome: result.counts.get(outcome, 0) for outcome in OUTCOMES}
        audit(
            AuditAction.LISTINGS_IMPORTED,
            actor=moderator,
            obj=f"{source}: {upload.original_name}",
            source=source,
            file=upload.original_name,
            sha256=upload.sha256,
            mapping=upload.preset or "mapping file",
            published=upload.publish,
            counts=counts,
        )
        result_text = json.dumps({"counts": counts, "at": time.time()})
        transaction.on_commit(lambda: upload.result_path.write_text(result_text, encoding="utf-8"))
    return result
