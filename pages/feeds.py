"""The Atom feed of the volunteer board: `/needs/feed/?<the board's filters>`, newest first,
so that new matching needs reach volunteers (DESIGN.md §1 journey 3)."""

from django.contrib.syndication.views import Feed
from django.http import HttpResponseBadRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from .need_cards import fetch_cards
from .need_filters import clean_board_query

#: Entries of one feed, at most.
FEED_SIZE = 50


class BadFeedQuery(Exception):
    """The query string did not validate; `errors` by parameter."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("bad feed query")
        self.errors = errors


class NeedsFeed(Feed):
    """Open needs matching the board's filters (validated the same way), newest first."""

    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except BadFeedQuery as bad:
            lines = [
                f"{name}: {message}"
                for name, messages in bad.errors.items()
                for message in messages
            ]
            text = "\n".join([_("This feed's filters are not valid."), *lines]) + "\n"
            return HttpResponseBadRequest(text, content_type="text/plain; charset=utf-8")

    def get_object(self, request, *args, **kwargs):
        board = clean_board_query(request.GET, extra=frozenset({"near"}))
        if board.errors:
            raise BadFeedQuery(board.errors)
        if board.choosing:
            places = "; ".join(choice.near for choice in board.near.choices)
            raise BadFeedQuery(
                {"near": [_("Choose one of these places: %(places)s") % {"places": places}]}
            )
        _count, cards = fetch_cards(board.data, offset=0, limit=FEED_SIZE, ordering="-created_at")
        query = request.GET.urlencode()
        return {
            "cards": cards,
            "board": reverse("pages:needs") + (f"?{query}" if query else ""),
            "self": request.get_full_path(),
            "host": request.get_host().partition(":")[0],
            # Links in an entry's content are absolute: a reader has no base URL for them.
            "origin": request.build_absolute_uri("/").rstrip("/"),
            "place": board.near.label,
        }

    def title(self, obj):
        if obj["place"]:
            return _("Open needs near %(place)s · Tejido") % {"place": obj["place"]}
        return _("Open needs · Tejido")

    def subtitle(self, obj):
        return _(
            "What co-operatives, mutual-aid programs and community projects need, newest first."
        )

    def link(self, obj):
        return obj["board"]

    def feed_url(self, obj):
        return obj["self"]

    def items(self, obj):
        return [{**card, "host": obj["host"], "origin": obj["origin"]} for card in obj["cards"]]

    def item_title(self, item):
        # Atom titles are text: the XML writer escapes them (no HTML escaping here).
        return f"{item['title']['text']} · {item['listing_name']}"

    def item_link(self, item):
        return item["listing_url"]

    def item_guid(self, item):
        """Stable across languages, filters and edits: the need's id under the site's host."""
        return f"tag:{item['host']},{item['created_at']:%Y-%m-%d}:need/{item['id']}"

    def item_pubdate(self, item):
        return item["created_at"]

    def item_updateddate(self, item):
        return item["updated_at"]

    def item_categories(self, item):
        return [item["kind"], *item["skills"]]

    def item_description(self, item):
        return entry_html(item)


def entry_html(card: dict) -> str:
    """The entry's content as HTML (jinja2/pages/_need_feed_entry.html)."""
    amount = formats.number_format(card["quantity"], use_l10n=True, force_grouping=True)
    return render_to_string("pages/_need_feed_entry.html", {"card": card, "amount": amount})


needs_feed = NeedsFeed()
