"""The moderators' forms: reject a listing with a reason the lead reads, resolve a report."""

from django import forms
from django.utils.translation import gettext_lazy as _

from directory.choices import ReportStatus
from directory.moderation import MAX_NOTE

from .govuk import GovukForm


class RejectForm(GovukForm):
    reason = forms.CharField(
        label=_("Why is it not published? The lead will read this."),
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why, in a sentence the lead will read.")},
    )


class ResolveForm(GovukForm):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (ReportStatus.RESOLVED, _("Resolved: the problem is dealt with")),
            (ReportStatus.DISMISSED, _("Dismissed: nothing to change")),
        ],
        initial=ReportStatus.RESOLVED,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=MAX_NOTE,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
