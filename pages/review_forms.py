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


class MergeIntoForm(GovukForm):
    """Step one of a merge: the listing to keep (its address), the duplicate being merged."""

    into = forms.SlugField(
        label=_("Merge into (the listing to keep)"),
        help_text=_("Its address in the directory, as in /listings/<address>/, or pick one below."),
        max_length=100,
        error_messages={
            "required": _("Give the address of the listing to keep."),
            "invalid": _("An address has only letters, digits and hyphens."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class MergeForm(MergeIntoForm):
    """Step two: for each field where the two listings differ, whose value to keep."""

    stamp = forms.CharField(
        label=_("The page's version"),
        widget=forms.HiddenInput,
        max_length=64,
        error_messages={"required": _("Open the comparison again and confirm from there.")},
    )

    def __init__(self, *args, diffs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].widget = forms.HiddenInput()
        self.diffs = list(diffs)
        for diff in self.diffs:
            self.fields[f"choose_{diff.name}"] = forms.ChoiceField(
                label=diff.label,
                choices=[
                    ("target", _("The listing to keep")),
                    ("source", _("The duplicate")),
                ],
                initial="target",
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose whose value to keep.")},
            )

    def rows(self):
        """(diff, bound field) of each differing field, in the page's order."""
        return [(diff, self[f"choose_{diff.name}"]) for diff in self.diffs]

    def choices(self) -> dict[str, str]:
        return {diff.name: self.cleaned_data[f"choose_{diff.name}"] for diff in self.diffs}
