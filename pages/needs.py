"""The volunteer board: open needs of public listings, filtered like the API's `/needs/`
(DESIGN.md §1 journey 3), each saying in plain words who gives, who gets and how to help.

The view (here) puts together the validated query (`pages.need_filters`), the page's cards
(`pages.need_cards`) and its map; the markup is jinja2/pages/needs.html, _needs_filters.html
and _need_card.html."""

from functools import lru_cache

from django.shortcuts import render
from django.utils.translation import get_language, ngettext

from directory import filters
from directory.choices import ContentLanguage, NeedKind, Urgency
from mapping.maps import results_map

from .data_caches import forget_regions  # noqa: F401 (tests/conftest.py forgets the menu)
from .need_cards import COUNT_AHEAD, HOW_TO_HELP, fetch_cards
from .need_filters import (
    FOLDED_FILTERS,
    MAX_PAGE,
    ORDERING_LABELS,
    PAGE_SIZE,
    clean_board_query,
    error_summary,
    form_values,
    query_string,
    radius_options,
    region_choices,
    suggestions,
)


def needs(request):
    """`/needs/`: the board, with the API's filters as GET parameters plus `near` and
    `page`. Bad input comes back with its messages next to the fields (status 400)."""
    board = clean_board_query(request.GET)
    params = request.GET
    count, cards = 0, []
    if not board.errors and not board.choosing:
        offset = (board.page - 1) * PAGE_SIZE
        count, cards = fetch_cards(board.data, offset=offset, limit=PAGE_SIZE)
    listed = not board.errors and not board.choosing
    has_next = listed and board.page * PAGE_SIZE < count and board.page < MAX_PAGE
    folded = [name for name in FOLDED_FILTERS if any(v.strip() for v in params.getlist(name))]
    if board.data.get("point") is not None and params.get("radius_km", "").strip() not in (
        "",
        str(filters.DEFAULT_RADIUS_KM),
    ):
        folded.append("radius_km")
    shown_from = (board.page - 1) * PAGE_SIZE + 1
    context = {
        "board": board,
        "near": board.near,
        "values": form_values(params),
        "errors": board.errors,
        "error_summary": error_summary(board.errors),
        "folded_errors": any(name in board.errors for name in (*FOLDED_FILTERS, "radius_km")),
        **menu_choices(get_language()),
        "radius_choices": radius_options(params.get("radius_km", "")),
        "near_choices": [
            (choice.label, query_string(params, near=choice.near)) for choice in board.near.choices
        ],
        "region_options": region_choices(board.data.get("region")),
        "folded_count": len(folded),
        "listed": listed,
        "cards": cards,
        "count": count,
        "count_is_bounded": count >= board.page * PAGE_SIZE + COUNT_AHEAD,
        "radius_km": board.data.get("radius_km"),
        "with_point": board.data.get("point") is not None,
        "shown_from": shown_from,
        "shown_to": shown_from + len(cards) - 1,
        "page": board.page,
        "previous_query": (
            query_string(params, page=board.page - 1 if board.page > 2 else None)
            if listed and board.page > 1
            else None
        ),
        "next_query": query_string(params, page=board.page + 1) if has_next else None,
        "filter_query": query_string(params),
        "suggestions": suggestions(board) if listed and not cards else [],
        "map": needs_map(cards),
    }
    return render(request, "pages/needs.html", context, status=400 if board.errors else 200)


@lru_cache(maxsize=16)
def menu_choices(language: str) -> dict[str, list[tuple]]:
    """The filters' fixed choices in `language`, translated once per process."""
    return {
        "kind_choices": [
            (value, str(label), str(HOW_TO_HELP[value])) for value, label in NeedKind.choices
        ],
        "urgency_choices": [(value, str(label)) for value, label in Urgency.choices],
        "ordering_choices": [(value, str(label)) for value, label in ORDERING_LABELS.items()],
        "language_choices": [(code, str(name)) for code, name in ContentLanguage.choices],
    }


def needs_map(cards: list[dict]):
    """A small map of the page's needs at their listings' public points: several needs of
    one listing share its point, labelled with how many there are."""
    points: dict[tuple, dict] = {}
    for card in cards:
        if card["point"] is None:
            continue
        point = points.setdefault(
            card["point"],
            {
                "lat": card["point"][0],
                "lng": card["point"][1],
                "name": card["listing_name"],
                "url": card["listing_url"],
                "kind": card["listing_kind"],
                "needs": 0,
                "distance": card["distance"],
            },
        )
        point["needs"] += 1
    for point in points.values():
        label = ngettext("%(n)d open need", "%(n)d open needs", point["needs"]) % {
            "n": point["needs"]
        }
        point["label"] = f"{label} · {point['distance']}" if point["distance"] else label
    return results_map(list(points.values()), height="18rem") if points else None
