"""`POST /sms/inbound/`: the text-message look-up (DESIGN.md §10), in the inbound format of
the common SMS gateways (form-encoded `From`, `Body`, `To`; a TwiML `<Response><Message>`
reply), so that a Twilio-compatible number can point at it.

- Requests are verified by the gateway's signature (`X-Twilio-Signature`, the token in
  `SMS_AUTH_TOKEN`); production refuses unsigned requests (`SMS_REQUIRE_SIGNATURE`).
- Each number may ask `SMS_MAX_PER_HOUR` times an hour, counted under a keyed hash of the
  number (`salted_hmac` with the site's secret): neither the number nor the message text is
  stored or logged. The search to continue on MORE is kept 30 minutes under the same hash
  (what was asked for and the place's public point, never the text).
"""

from dataclasses import asdict

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseForbidden
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import override
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from . import gsm, replies, words

#: Longer messages are cut: nobody types more on a basic phone.
MAX_BODY = 300
SEARCH_SECONDS = 30 * 60
WINDOW_SECONDS = 60 * 60


def _signed(request) -> bool:
    token = settings.SMS_AUTH_TOKEN
    if not token:
        return not settings.SMS_REQUIRE_SIGNATURE
    url = settings.SMS_PUBLIC_URL or request.build_absolute_uri()
    signature = request.headers.get("X-Twilio-Signature", "")
    params = {key: request.POST.get(key) for key in request.POST}
    return bool(signature) and RequestValidator(token).validate(url, params, signature)


def _number_key(number: str) -> str:
    return salted_hmac("tejido.sms.number", number.strip()).hexdigest()[:32]


def _count(key: str) -> int:
    """This hour's messages from the number behind `key`, this one included."""
    counter = f"sms:n:{key}"
    try:
        cache.add(counter, 0, timeout=WINDOW_SECONDS)
        return cache.incr(counter)
    except ValueError:  # the counter expired between add and incr, or no cache
        cache.set(counter, 1, timeout=WINDOW_SECONDS)
        return 1


def _twiml(text: str) -> HttpResponse:
    response = MessagingResponse()
    if text:
        response.message(text)
    return HttpResponse(str(response), content_type="application/xml; charset=utf-8")


@csrf_exempt
@never_cache
@require_POST
def inbound(request):
    if not _signed(request):
        return HttpResponseForbidden(
            "invalid or missing X-Twilio-Signature", content_type="text/plain"
        )
    key = _number_key(request.POST.get("From", ""))
    asked = words.read(request.POST.get("Body", "")[:MAX_BODY])
    count = _count(key)
    if count > settings.SMS_MAX_PER_HOUR:
        if count > settings.SMS_MAX_PER_HOUR + 1:
            return _twiml("")  # said once already: each reply costs the sender
        with override(words.language_for(asked)):
            return _twiml(gsm.spell(_("Tejido: too many messages. Try again in an hour.")))
    if asked.command == "help":
        return _twiml(replies.help_text(words.language_for(asked)))
    if asked.command == "more":
        kept = cache.get(f"sms:more:{key}")
        if kept is None:
            with override(words.language_for(asked)):
                text = _("Tejido: send a new search first, e.g. “food 90701”.")
            return _twiml(gsm.spell(text))
        text, search = replies.more(replies.Search(**kept))
    else:
        text, search = replies.start(asked)
    if search is not None:
        cache.set(f"sms:more:{key}", asdict(search), timeout=SEARCH_SECONDS)
    else:
        cache.delete(f"sms:more:{key}")
    return _twiml(text)
