"""API v1 views (DESIGN.md §3). Lists take the lean path: DRF and django-filter validate,
`directory.selectors` builds the query, `api.rows` shapes plain rows, orjson renders."""

from allauth.mfa.models import Authenticator
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from directory import duplicates, filters, selectors, services
from directory.filters import ListingFilterSet, NeedFilterSet
from directory.models import Listing, Need

from . import detail, schema
from .errors import SimilarListingsExist
from .pagination import LimitOffset
from .parsers import JSONParser
from .permissions import ListingPermission, NeedPermission, mfa_denied_detail
from .renderers import JSONRenderer
from .rows import ListingRows, NeedRows
from .serializers import EmergencyHideSerializer, ListingWriteSerializer, NeedWriteSerializer
from .throttles import AnonThrottle, WriteThrottle

COMMON_PARAMETERS = {"limit", "offset", "format"}


def wants_geojson(request) -> bool:
    return getattr(request.accepted_renderer, "format", "json") == "geojson"


def validated_filters(request, filterset_class, extra=COMMON_PARAMETERS) -> dict:
    """Validate the query string against a FilterSet; unknown parameters are errors."""
    data, errors = filters.clean_query(filterset_class, request.query_params, extra=extra)
    if errors:
        raise ValidationError(errors)
    return data


def checked_for_duplicates(request, data: dict, listing=None) -> dict:
    """The data to write, unless similar listings exist and the client did not say it is
    a different project (409, `SimilarListingsExist`)."""
    data = dict(data)
    if data.pop("different_project", False):
        return data
    similar = duplicates.similar_for_write(data=data, listing=listing)
    if similar:
        raise SimilarListingsExist(
            [
                {
                    "slug": item.slug,
                    "name": item.name,
                    "kind": item.kind,
                    "place": item.place,
                    "similarity": item.similarity,
                    "url": request.build_absolute_uri(
                        reverse("api:listing-detail", args=[item.slug])
                    ),
                    "join_url": request.build_absolute_uri(reverse("relay:join", args=[item.slug])),
                }
                for item in similar
            ]
        )
    return data


class LeanListMixin:
    """A paginated list built from rows; JSON or a GeoJSON FeatureCollection."""

    # Pages are built by `lean_list`; the OpenAPI document describes them itself.
    pagination_class = None
    schema = schema.PageSchema()
    filter_backends = [DjangoFilterBackend]

    def lean_list(self, request, page_for, builder) -> Response:
        """`page_for(offset=, limit=, cap=)` returns (count up to cap, rows): one statement."""
        paginator = LimitOffset()
        limit, offset = paginator.window(request)
        count, page = page_for(offset=offset, limit=limit, cap=paginator.count_cap)
        paginator.set_count(count)
        if wants_geojson(request):
            return Response(paginator.body(builder.features(page), geojson=True))
        return Response(paginator.body(builder.json(page)))


@schema.listing_viewset
class ListingViewSet(LeanListMixin, viewsets.GenericViewSet):
    """Co-operatives, mutual-aid programs and community projects."""

    queryset = Listing.objects.all()
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    filterset_class = ListingFilterSet
    permission_classes = [ListingPermission]

    def list(self, request):
        query = filters.listing_query(validated_filters(request, ListingFilterSet))
        return self.lean_list(
            request,
            lambda **window: selectors.listing_page(query, **window),
            ListingRows(request, with_distance=query.point is not None),
        )

    def retrieve(self, request, slug=None):
        listing = Listing.objects.filter(slug=slug).first()
        moved_to = detail.merged_redirect(request, listing)
        if moved_to is not None:
            return HttpResponsePermanentRedirect(moved_to)
        listing = detail.shown_listing(request.user, listing)
        return Response(detail.listing_detail(request, listing, geojson=wants_geojson(request)))

    def create(self, request):
        serializer = ListingWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = checked_for_duplicates(request, serializer.validated_data)
        listing = services.listing_submit(by=request.user, data=data)
        return Response(
            detail.listing_detail(request, listing, geojson=wants_geojson(request)),
            status=status.HTTP_201_CREATED,
        )

    def update(self, request, slug=None, partial=False):
        listing = detail.visible_listing(request.user, slug)
        self.check_object_permissions(request, listing)
        serializer = ListingWriteSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = checked_for_duplicates(request, serializer.validated_data, listing)
        listing = services.listing_update(listing=listing, by=request.user, data=data)
        return Response(detail.listing_detail(request, listing, geojson=wants_geojson(request)))

    def partial_update(self, request, slug=None):
        return self.update(request, slug, partial=True)

    def destroy(self, request, slug=None):
        listing = detail.visible_listing(request.user, slug)
        self.check_object_permissions(request, listing)
        services.listing_archive(listing=listing, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=True, methods=["post"], url_path="hide")
    def hide(self, request, slug=None):
        """Emergency hide (DESIGN.md §9): off lists, maps, exports and feeds at once."""
        listing = detail.visible_listing(request.user, slug)
        self.check_object_permissions(request, listing)
        serializer = EmergencyHideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["hidden"] and listing.emergency_hidden_at is None:
            services.listing_emergency_hide(
                listing=listing, by=request.user, reason=data.get("reason", "")
            )
        elif not data["hidden"] and listing.emergency_hidden_at is not None:
            services.listing_emergency_show(listing=listing, by=request.user)
        listing.refresh_from_db()
        return Response(detail.listing_detail(request, listing, geojson=wants_geojson(request)))

    @action(
        detail=True, methods=["get", "post"], url_path="needs", permission_classes=[NeedPermission]
    )
    def needs(self, request, slug=None):
        listing = detail.visible_listing(request.user, slug)
        if request.method == "POST":
            if not request.user.has_perm("directory.add_need", listing):
                self.permission_denied(request, **mfa_denied_detail(request))
            serializer = NeedWriteSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            need = services.need_create(
                listing=listing, by=request.user, data=serializer.validated_data
            )
            return Response(
                detail.need_detail(request, need, geojson=wants_geojson(request)),
                status=status.HTTP_201_CREATED,
            )
        return NeedViewSet.list_needs(self, request, listing=listing)


@schema.need_viewset
class NeedViewSet(LeanListMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Open needs of public listings: volunteers, skills, money, food, supplies, space..."""

    queryset = Need.objects.all()
    lookup_value_regex = "[0-9]{1,18}"
    filterset_class = NeedFilterSet
    permission_classes = [NeedPermission]

    def list(self, request):
        return self.list_needs(request)

    def list_needs(self, request, listing=None):
        data = validated_filters(request, NeedFilterSet)
        query = filters.need_query(data, listing=listing)
        return self.lean_list(
            request,
            lambda **window: selectors.need_page(query, **window),
            NeedRows(request, with_distance=query.point is not None),
        )

    def get_object(self):
        need = get_object_or_404(Need.objects.select_related("listing"), pk=self.kwargs["pk"])
        if not detail.can_see_need(self.request.user, need):
            raise NotFound()
        self.check_object_permissions(self.request, need)
        return need

    def retrieve(self, request, pk=None):
        return Response(
            detail.need_detail(request, self.get_object(), geojson=wants_geojson(request))
        )

    def partial_update(self, request, pk=None):
        need = self.get_object()
        serializer = NeedWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        need = services.need_update(need=need, by=request.user, data=serializer.validated_data)
        return Response(detail.need_detail(request, need, geojson=wants_geojson(request)))

    def perform_destroy(self, instance):
        services.need_close(need=instance, by=self.request.user)


@extend_schema(
    summary="Exchange a username and password (and the code of a second factor) for an API token",
    request=schema.TokenRequestSerializer,
    responses={200: schema.TokenSerializer, 400: schema.ERRORS[400], 429: schema.ERRORS[429]},
)
class ObtainToken(ObtainAuthToken):
    """`Authorization: Token <key>` then authenticates API clients."""

    renderer_classes = [JSONRenderer]
    parser_classes = [JSONParser]
    throttle_classes = [WriteThrottle, AnonThrottle]

    def post(self, request, *args, **kwargs):
        """An account with an authenticator app also sends its current code (`code`): a
        token is worth a sign-in, second factor included."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        authenticator = Authenticator.objects.filter(
            user=user, type=Authenticator.Type.TOTP
        ).first()
        if authenticator is not None:
            code = request.data.get("code")
            if not isinstance(code, str) or not code.strip():
                raise ValidationError(
                    {"code": [_("This account has two-factor authentication: send the six "
                                "digits your authenticator app shows as “code”.")]}
                )  # fmt: skip
            if not authenticator.wrap().validate_code(code.strip()):
                raise ValidationError({"code": [_("Incorrect code.")]})
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
