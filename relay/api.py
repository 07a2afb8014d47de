"""`POST /api/v1/listings/{slug}/contact/`: the contact relay for API clients.

The same checks as the page but the form's fill time (a client has no form): the honeypot
field `website`, links, length and the throttles per client address, listing and need. The
answer names no lead and no address."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import ServiceUnavailable
from api.throttles import AnonThrottle, UserThrottle
from directory import selectors
from directory.choices import ContentLanguage
from directory.models import Listing

from . import guard
from .forms import MESSAGE_MAX, NAME_MAX, PHONE
from .services import MAIL_ERRORS, ContactData, relay_offer


class Refusal(APIException):
    def __init__(self, refusal: guard.Refused):
        self.status_code = refusal.status
        super().__init__({refusal.field or "detail": [str(refusal.message)]}, code=refusal.code)


class RelayMessageSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX)
    # No defaults: "" fails the e-mail format and the phone pattern in the OpenAPI document.
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    phone = serializers.RegexField(PHONE, required=False, allow_blank=True, max_length=40)
    message = serializers.CharField(max_length=MESSAGE_MAX)
    need = serializers.IntegerField(required=False, allow_null=True, default=None)
    language = serializers.ChoiceField(choices=ContentLanguage.choices)
    website = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Leave empty (a honeypot)."
    )

    def validate(self, data):
        data.setdefault("email", "")
        data.setdefault("phone", "")
        if not data["email"] and not data["phone"]:
            raise serializers.ValidationError(
                {"email": [_("Give an e-mail or a phone so the project can answer you.")]}
            )
        need = data["need"]
        if need is not None:
            found = next((n for n in self.context["needs"] if n.pk == need), None)
            if found is None:
                raise serializers.ValidationError(
                    {"need": [_("Choose one of the listing's open needs.")]}
                )
            data["need"] = found
        return data


SENT = inline_serializer(
    "ContactSent",
    {
        "status": serializers.CharField(),
        "need": serializers.IntegerField(allow_null=True),
        "language": serializers.CharField(),
    },
)


class ContactView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [AnonThrottle, UserThrottle]

    @extend_schema(
        operation_id="listings_contact",
        tags=["listings"],
        summary="Write to a listing's leads (the contact relay)",
        description=(
            "Sends the message by e-mail to every lead of a public listing, with `email` as "
            "Reply-To; the answer never names a lead or an address. `email` or `phone` is "
            "required. Refused with 400 (a filled `website`, too many links, too long), 409 "
            "(nobody receives messages for the listing) or 429 (too many messages from this "
            "client, to this listing or to this need)."
        ),
        request=RelayMessageSerializer,
        responses={
            202: SENT,
            400: OpenApiResponse(description="A field is missing or refused."),
            404: OpenApiResponse(description="No public listing has this slug."),
            409: OpenApiResponse(description="Nobody receives messages for this listing."),
            429: OpenApiResponse(description="Too many messages; try again later."),
            503: OpenApiResponse(description="The mail server could not take it; nothing sent."),
        },
        examples=[
            OpenApiExample(
                "An offer on a need",
                value={
                    "name": "Ana",
                    "email": "ana@example.org",
                    "message": "I can drive on Saturdays.",
                    "need": 12,
                    "language": "es",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request, slug):
        listing = Listing.objects.public().filter(slug=slug).first()
        if listing is None:
            raise Http404
        needs = list(selectors.public_needs(selectors.NeedQuery(listing=listing))[:50])
        serializer = RelayMessageSerializer(data=request.data, context={"needs": needs})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            guard.check_honeypot(data["website"])
            offer = relay_offer(
                listing=listing,
                data=ContactData(
                    name=data["name"].strip(),
                    email=data["email"],
                    phone=data["phone"].strip(),
                    message=data["message"].strip(),
                    language=data["language"],
                    need=data["need"],
                ),
                client=guard.client_digest(request),
            )
        except guard.Refused as refusal:
            raise Refusal(refusal) from refusal
        except MAIL_ERRORS as error:
            raise ServiceUnavailable(
                _(
                    "Your message could not be sent just now, and nothing was sent. "
                    "Try again in a few minutes."
                )
            ) from error
        return Response(
            {"status": "sent", "need": offer.need_id, "language": offer.language},
            status=status.HTTP_202_ACCEPTED,
        )
