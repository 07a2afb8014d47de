"""Finding help: the home page and the search over listings."""

from django.shortcuts import render

from directory import selectors


def home(request):
    """The front page: what Tejido holds, and the newest listings."""
    return render(
        request,
        "pages/home.html",
        {"counts": selectors.public_counts(), "recent": selectors.recent_public_listings(limit=12)},
    )
