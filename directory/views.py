"""Pages of the directory."""

from django.shortcuts import render

from . import selectors


def home(request):
    """The front page: what Tejido holds, and the newest listings."""
    return render(
        request,
        "directory/home.html",
        {"counts": selectors.public_counts(), "recent": selectors.recent_public_listings(limit=12)},
    )
