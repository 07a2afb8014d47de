"""Form fields of the lists' query parameters: strict, and naming what is wrong."""

import math
import re
import unicodedata
from datetime import time

from django import forms
from django.utils.translation import gettext_lazy as _

from .validators import TAG_PATTERN


class CSVMultipleChoiceField(forms.MultipleChoiceField):
    """Accepts a repeated parameter, a comma list, or both (`kind=a&kind=b,c`)."""

    def to_python(self, value):
        values = super().to_python(value)
        return [part.strip() for item in values for part in item.split(",") if part.strip()]


class StrictBooleanField(forms.ChoiceField):
    """`true` or `false`, nothing else (an unknown value is an error, not "no filter")."""

    def __init__(self, **kwargs):
        kwargs["choices"] = [("true", "true"), ("false", "false")]
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return {"true": True, "false": False}.get(value)


class FiniteFloatField(forms.FloatField):
    """A float that is a number (no NaN or infinity), within bounds."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None and not math.isfinite(value):
            raise forms.ValidationError(_("Enter a finite number."), code="invalid")
        return value


class BBoxField(forms.CharField):
    """`minLng,minLat,maxLng,maxLat` in WGS84 degrees."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        parts = value.split(",")
        if len(parts) != 4:
            raise forms.ValidationError(
                _("Give four numbers: minLng,minLat,maxLng,maxLat."), code="bbox_format"
            )
        try:
            min_x, min_y, max_x, max_y = (float(part) for part in parts)
        except ValueError as error:
            raise forms.ValidationError(
                _("Give four numbers: minLng,minLat,maxLng,maxLat."), code="bbox_format"
            ) from error
        if not all(math.isfinite(n) for n in (min_x, min_y, max_x, max_y)):
            raise forms.ValidationError(_("The box must be made of finite numbers."), code="bbox")
        if not (-180 <= min_x <= 180 and -180 <= max_x <= 180):
            raise forms.ValidationError(
                _("Longitudes must be within -180..180."), code="bbox_longitude"
            )
        if not (-90 <= min_y <= 90 and -90 <= max_y <= 90):
            raise forms.ValidationError(
                _("Latitudes must be within -90..90."), code="bbox_latitude"
            )
        if min_x >= max_x or min_y >= max_y:
            raise forms.ValidationError(
                _("The minimum must be smaller than the maximum (minLng,minLat,maxLng,maxLat)."),
                code="bbox_order",
            )
        return (min_x, min_y, max_x, max_y)


class TagListField(forms.Field):
    """Free tags (skills): repeated parameters and/or comma lists of lower-case words."""

    widget = forms.SelectMultiple

    def to_python(self, value):
        values = value if isinstance(value, list | tuple) else [value] if value else []
        return [part.strip() for item in values for part in str(item).split(",") if part.strip()]

    def validate(self, value):
        super().validate(value)
        for tag in value:
            if not re.match(TAG_PATTERN, tag):
                raise forms.ValidationError(
                    _("“%(tag)s” is not a tag (lower-case letters, digits and hyphens)."),
                    code="tag",
                    params={"tag": tag[:60]},
                )


def _plain(word: str) -> str:
    """Lower case without accents: "Sáb" and "sab" are the same day."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip(".")


#: Weekday names and abbreviations in the four interface languages, ISO numbered (Monday 1).
WEEKDAY_NAMES = {
    _plain(name): number
    for number, names in {
        1: "mon monday lun lunes seg segunda segunda-feira lundi",
        2: "tue tues tuesday mar martes ter terca terca-feira mardi",
        3: "wed wednesday mie miercoles qua quarta quarta-feira mer mercredi",
        4: "thu thur thurs thursday jue jueves qui quinta quinta-feira jeu jeudi",
        5: "fri friday vie viernes sex sexta sexta-feira ven vendredi",
        6: "sat saturday sab sabado sam samedi",
        7: "sun sunday dom domingo dim dimanche",
    }.items()
    for name in names.split()
}
_ISO_WEEK_TIME = re.compile(r"^([1-7])T(\d{1,2})(?::(\d{2}))?$")
_DAY_TIME = re.compile(r"^(\S+?)[\s,]+(\d{1,2})(?:[:h.](\d{2})?)?\s*(h|am|pm)?$")


class WeekTimeField(forms.CharField):
    """A local weekday and time, "open when I can go": `sat 10:00`, `sábado 10h`,
    `samedi 10:30`, `6T10:00` (ISO weekday, Monday 1). Cleans to (weekday, time)."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        text = " ".join(value.split())
        match = _ISO_WEEK_TIME.match(text)
        if match:
            day, hour, minute = int(match[1]), match[2], match[3]
        else:
            match = _DAY_TIME.match(_plain(text))
            day = WEEKDAY_NAMES.get(match[1].strip(".")) if match else None
            if day is None:
                raise forms.ValidationError(
                    _("Give a day and a time, such as “sat 10:00” or “6T10:00”."),
                    code="week_time",
                )
            hour, minute = match[2], match[3]
            suffix = match[4]
            if suffix in ("am", "pm") and not 1 <= int(hour) <= 12:
                raise forms.ValidationError(_("Give a time of day, 00:00 to 23:59."), code="time")
            if suffix == "pm" and int(hour) != 12:
                hour = str(int(hour) + 12)
            elif suffix == "am" and int(hour) == 12:
                hour = "0"
        hour, minute = int(hour), int(minute or 0)
        if not (0 <= hour <= 23 and 0 <= minute <= 59):
            raise forms.ValidationError(_("Give a time of day, 00:00 to 23:59."), code="time")
        return day, time(hour, minute)
