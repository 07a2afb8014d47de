"""Validators for listing and need content."""

import re

import langcodes
import phonenumbers
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import AccessFact

MAX_LANGUAGES = 20
MAX_SKILLS = 20
#: A skill tag: lower-case letters, digits and hyphens (e.g. spanish-english-interpreting).
TAG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,49}$"


def validate_language_codes(codes: list[str]) -> None:
    """Each code must be a valid BCP 47 / ISO 639 tag, written lower-case (e.g. es, nah, yua)."""
    if len(codes) > MAX_LANGUAGES:
        raise ValidationError(
            _("At most %(max)d languages."), code="too_many", params={"max": MAX_LANGUAGES}
        )
    for code in codes:
        if code != code.lower() or not langcodes.tag_is_valid(code):
            raise ValidationError(
                _("“%(code)s” is not a language code (use ISO 639, e.g. es, pt, nah)."),
                code="language",
                params={"code": code},
            )
    if len(set(codes)) != len(codes):
        raise ValidationError(_("A language is listed twice."), code="duplicate")


def validate_access_facts(values: list[str]) -> None:
    unknown = [value for value in values if value not in AccessFact.values]
    if unknown:
        raise ValidationError(
            _("Unknown access fact: %(values)s."),
            code="access",
            params={"values": ", ".join(unknown)},
        )
    if len(set(values)) != len(values):
        raise ValidationError(_("An access fact is listed twice."), code="duplicate")


def validate_skills(values: list[str]) -> None:
    if len(values) > MAX_SKILLS:
        raise ValidationError(
            _("At most %(max)d skills."), code="too_many", params={"max": MAX_SKILLS}
        )
    for value in values:
        if not re.match(TAG_PATTERN, value):
            raise ValidationError(
                _("“%(value)s” is not a skill tag (lower-case letters, digits and hyphens)."),
                code="skill",
                params={"value": value},
            )


def validate_founded_year(year: int) -> None:
    if not 1800 <= year <= timezone.now().year:
        raise ValidationError(
            _("The founding year must be between 1800 and this year."), code="founded_year"
        )


def normalize_phone(value: str) -> str:
    """Parse a phone number written in international form and return it as E.164."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as error:
        raise ValidationError(
            _("Write the phone number in international form, e.g. +52 55 5555 0100."),
            code="phone",
        ) from error
    if not phonenumbers.is_possible_number(number):
        raise ValidationError(_("This is not a possible phone number."), code="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_no_nul(value: str) -> None:
    if "\x00" in value:
        raise ValidationError(_("Text must not contain NUL characters."), code="nul")


def normalize_contact_value(kind: str, value: str) -> str:
    """Validate a contact for its kind and return it in its stored form."""
    from django.core.validators import EmailValidator, URLValidator

    from .choices import ContactKind

    value = value.strip()
    validate_no_nul(value)
    if kind == ContactKind.EMAIL:
        EmailValidator(message=_("Enter a valid e-mail address."))(value)
        return value.lower()
    if kind == ContactKind.PHONE:
        return normalize_phone(value)
    if kind in (ContactKind.WEBSITE, ContactKind.SOCIAL):
        URLValidator(schemes=["http", "https"], message=_("Enter a web address (https://...)."))(
            value
        )
        return value
    raise ValidationError(_("Unknown kind of contact."), code="kind")


#: A link in free text: what spam is made of (the contact relay counts them too).
LINK = re.compile(r"(?i)\bhttps?://|\bwww\.")


def count_links(text: str) -> int:
    return len(LINK.findall(text or ""))


def validate_link_count(value: str) -> None:
    """Free text (descriptions, needs, reports) holds at most MAX_LINKS_IN_TEXT links: a
    project's own addresses go in its contacts."""
    from django.conf import settings
    from django.utils.translation import ngettext

    found, allowed = count_links(value), settings.MAX_LINKS_IN_TEXT
    if found > allowed:
        raise ValidationError(
            ngettext(
                "Write at most %(allowed)d link here (this has %(found)d); put the project's "
                "own web addresses in its contacts.",
                "Write at most %(allowed)d links here (this has %(found)d); put the project's "
                "own web addresses in its contacts.",
                allowed,
            )
            % {"allowed": allowed, "found": found},
            code="links",
        )
