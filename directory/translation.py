"""Multilingual content fields (django-modeltranslation): one column per language."""

from modeltranslation.translator import TranslationOptions, register

from .models import Category, Listing, Need, Region


@register(Listing)
class ListingTranslationOptions(TranslationOptions):
    fields = ("summary", "description", "eligibility_notes", "opening_hours_notes")


@register(Need)
class NeedTranslationOptions(TranslationOptions):
    fields = ("title", "description")


@register(Category)
class CategoryTranslationOptions(TranslationOptions):
    fields = ("name",)


@register(Region)
class RegionTranslationOptions(TranslationOptions):
    fields = ("name",)


# django-simple-history builds its historical models before modeltranslation adds the
# per-language columns; registering them too keeps every language in the history.
@register(Listing.history.model)
class HistoricalListingTranslationOptions(ListingTranslationOptions):
    pass


@register(Need.history.model)
class HistoricalNeedTranslationOptions(NeedTranslationOptions):
    pass
