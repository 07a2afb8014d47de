"""Reference data: categories, regions (and their statistics), the gazetteer; and reports."""

import django_filters
from django.db.models import F
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from directory import gazetteer, services, stats
from directory.admin1 import admin1_name
from directory.choices import PlaceKind, RegionLevel
from directory.filters import FilterSet
from directory.models import Category, Place, Region, Report

from .pagination import LimitOffset
from .parameters import FORMAT, filter_parameters, only_format, page_parameters
from .renderers import JSONRenderer
from .rows import feature, point
from .schema import ERRORS, PAGE, collection_of, feature_of, page_of
from .serializers import ReportSerializer
from .views import LeanListMixin, validated_filters, wants_geojson

LANGUAGES = ("es", "pt", "fr", "en")


def names(obj, field: str = "name") -> dict[str, str]:
    return {
        code: getattr(obj, f"{field}_{code}")
        for code in LANGUAGES
        if getattr(obj, f"{field}_{code}")
    }


class CategoryOutSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.DictField(child=serializers.CharField())
    parent = serializers.CharField(allow_null=True)
    depth = serializers.IntegerField()
    icon = serializers.CharField(allow_blank=True)
    colour = serializers.CharField()
    essglobal_uri = serializers.CharField(allow_blank=True)

    def to_representation(self, category):
        return {
            "slug": category.slug,
            "name": names(category),
            "parent": category.parent_slug,
            "depth": category.depth,
            "icon": category.icon,
            "colour": category.colour,
            "essglobal_uri": category.essglobal_uri,
        }


class NoFilters(FilterSet):
    class Meta:
        model = Category
        fields: list[str] = []


@extend_schema_view(
    list=extend_schema(
        summary="The category tree, parents first",
        parameters=[only_format("json"), *PAGE],
        responses={
            200: page_of("Category", CategoryOutSerializer),
            400: ERRORS[400],
            429: ERRORS[429],
        },
    )
)
class CategoryViewSet(LeanListMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = CategoryOutSerializer
    filterset_class = NoFilters
    renderer_classes = [JSONRenderer]
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        return Category.objects.order_by("path")

    def list(self, request):
        validated_filters(request, NoFilters)
        paginator = LimitOffset()
        categories = paginator.paginate_queryset(self.get_queryset(), request)
        by_path = (
            {c.path: c.slug for c in Category.objects.only("path", "slug")} if categories else {}
        )
        for category in categories:
            category.parent_slug = (
                by_path.get(category.path[: -Category.steplen]) if category.depth > 1 else None
            )
        return Response(paginator.body(CategoryOutSerializer(categories, many=True).data))


class RegionFilterSet(FilterSet):
    level = django_filters.ChoiceFilter(choices=RegionLevel.choices, label=_("Level of region"))
    country = django_filters.CharFilter(
        max_length=2, min_length=2, label=_("Country (ISO 3166-1 alpha-2)")
    )
    parent = django_filters.CharFilter(max_length=120, label=_("Slug of the parent region"))

    class Meta:
        model = Region
        fields: list[str] = []


class RegionOutSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.DictField(child=serializers.CharField())
    level = serializers.ChoiceField(choices=RegionLevel.choices)
    code = serializers.CharField(allow_blank=True)
    country = serializers.CharField(allow_blank=True)
    parent = serializers.CharField(allow_null=True)
    url = serializers.URLField()

    def to_representation(self, region):
        request = self.context["request"]
        return {
            "slug": region.slug,
            "name": names(region),
            "level": region.level,
            "code": region.code,
            "country": str(region.country.code or ""),
            "parent": region.parent_slug,
            "url": request.build_absolute_uri(f"/api/v1/regions/{region.slug}/"),
        }


class RegionDetailOutSerializer(RegionOutSerializer):
    geometry = serializers.JSONField(help_text="GeoJSON MultiPolygon, simplified to ~100 m.")


class RegionFeatureSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Feature"])
    id = serializers.CharField()
    geometry = serializers.JSONField()
    properties = RegionOutSerializer()


class CountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_kind = serializers.DictField(child=serializers.IntegerField())


class ListingCountsSerializer(CountsSerializer):
    by_category = serializers.DictField(child=serializers.IntegerField())


class SubRegionStatsSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.DictField(child=serializers.CharField())
    listings = CountsSerializer()
    open_needs = CountsSerializer()


class RegionStatsSerializer(serializers.Serializer):
    region = serializers.CharField()
    listings = ListingCountsSerializer()
    open_needs = CountsSerializer()
    sub_regions = SubRegionStatsSerializer(many=True)
    refreshed_at = serializers.DateTimeField(allow_null=True)


@extend_schema_view(
    list=extend_schema(
        summary="Regions (no geometry; see one region)",
        parameters=[*filter_parameters(RegionFilterSet), only_format("json"), *PAGE],
        responses={200: page_of("Region", RegionOutSerializer), 400: ERRORS[400], 429: ERRORS[429]},
    ),
    retrieve=extend_schema(
        summary="One region with its boundary",
        parameters=[FORMAT],
        responses={
            (200, "application/json"): RegionDetailOutSerializer,
            (200, "application/geo+json"): RegionFeatureSerializer,
            400: ERRORS[400],
            404: ERRORS[404],
            429: ERRORS[429],
        },
    ),
    stats=extend_schema(
        summary="Counts by kind and category, open needs by kind, per sub-region",
        responses={
            200: RegionStatsSerializer,
            400: ERRORS[400],
            404: ERRORS[404],
            429: ERRORS[429],
        },
    ),
)
class RegionViewSet(LeanListMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = RegionOutSerializer
    filterset_class = RegionFilterSet
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    permission_classes = [permissions.AllowAny]

    def get_renderers(self):
        if self.action == "retrieve":
            return super().get_renderers()
        return [JSONRenderer()]

    def get_queryset(self):
        return (
            Region.objects.annotate(parent_slug=F("parent__slug"))
            .defer("geom")
            .order_by("level", "slug")
        )

    def list(self, request):
        data = validated_filters(request, RegionFilterSet)
        qs = self.get_queryset()
        if data.get("level"):
            qs = qs.filter(level=data["level"])
        if data.get("country"):
            qs = qs.filter(country=data["country"].upper())
        if data.get("parent"):
            qs = qs.filter(parent__slug=data["parent"])
        paginator = LimitOffset()
        page = paginator.paginate_queryset(qs, request)
        return Response(
            paginator.body(RegionOutSerializer(page, many=True, context={"request": request}).data)
        )

    def retrieve(self, request, slug=None):
        region = gazetteer.region_with_outline(slug)
        body = RegionOutSerializer(region, context={"request": request}).data
        geometry = region.outline
        if wants_geojson(request):
            return Response(
                {"type": "Feature", "id": region.slug, "geometry": geometry, "properties": body}
            )
        return Response({**body, "geometry": geometry})

    @action(detail=True, methods=["get"])
    def stats(self, request, slug=None):
        region = gazetteer.region_with_outline(slug, outline=False)
        return Response(stats.region_stats(region))


class PlaceFilterSet(FilterSet):
    q = django_filters.CharFilter(
        min_length=2, max_length=100, required=True, label=_("City or US ZIP code (typeahead)")
    )
    country = django_filters.CharFilter(
        min_length=2, max_length=2, label=_("Country (ISO 3166-1 alpha-2)")
    )

    class Meta:
        model = Place
        fields: list[str] = []


class PlaceOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=PlaceKind.choices)
    name = serializers.CharField()
    label = serializers.CharField()
    admin1 = serializers.CharField(
        allow_blank=True,
        help_text=_(
            'State or province name, in the reader\'s language where known ("Nuevo León", '
            '"California").'
        ),
    )
    admin1_code = serializers.CharField(
        allow_blank=True,
        help_text=_('GeoNames admin1 code of the state or province ("19"; in the US "CA").'),
    )
    country = serializers.CharField()
    postal_code = serializers.CharField(allow_blank=True)
    population = serializers.IntegerField()
    location = serializers.JSONField()

    def to_representation(self, place):
        return {
            "id": place.pk,
            "kind": place.kind,
            "name": place.name,
            "label": str(place),
            "admin1": admin1_name(
                place.country.code, place.admin1_name or place.admin1, get_language()
            ),
            "admin1_code": place.admin1,
            "country": str(place.country.code),
            "postal_code": place.postal_code,
            "population": place.population,
            "location": point([place.point.x, place.point.y]),
        }


PLACES_LIMIT = 20


@extend_schema_view(
    list=extend_schema(
        summary="Look up a place: cities and US ZIP codes",
        parameters=[
            *filter_parameters(PlaceFilterSet),
            FORMAT,
            *page_parameters(max_limit=PLACES_LIMIT),
        ],
        responses={
            (200, "application/json"): page_of("Place", PlaceOutSerializer),
            (200, "application/geo+json"): collection_of(
                "Place", feature_of("Place", PlaceOutSerializer)
            ),
            400: ERRORS[400],
            429: ERRORS[429],
        },
    )
)
class PlaceViewSet(LeanListMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Place.objects.none()
    serializer_class = PlaceOutSerializer
    filterset_class = PlaceFilterSet
    permission_classes = [permissions.AllowAny]

    def list(self, request):
        data = validated_filters(request, PlaceFilterSet)
        places = gazetteer.places_matching(data["q"], country=(data.get("country") or "").upper())
        paginator = LimitOffset()
        paginator.max_limit = PLACES_LIMIT
        page = paginator.paginate_queryset(places, request)
        items = PlaceOutSerializer(page, many=True).data
        if wants_geojson(request):
            return Response(
                paginator.body(
                    [feature(item, item["location"]["coordinates"]) for item in items], geojson=True
                )
            )
        return Response(paginator.body(items))


class ReportOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


@extend_schema_view(
    create=extend_schema(
        summary="Report a listing or need (closed, wrong, unsafe, spam...)",
        request=ReportSerializer,
        responses={201: ReportOutSerializer, 400: ERRORS[400], 413: ERRORS[413], 429: ERRORS[429]},
    )
)
class ReportViewSet(viewsets.GenericViewSet):
    serializer_class = ReportSerializer
    renderer_classes = [JSONRenderer]
    permission_classes = [permissions.AllowAny]

    def create(self, request):
        serializer = ReportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reporter = request.user if request.user.is_authenticated else None
        report = services.report_create(
            report=Report(reporter=reporter, **serializer.validated_data)
        )
        return Response({"id": report.pk, "status": report.status}, status=status.HTTP_201_CREATED)
