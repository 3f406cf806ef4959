"""Geocoding and distances: geopy behind one door.

Every address lookup in the app goes through :class:`Geocoder`, which talks to a Nominatim
server (the public OpenStreetMap one or the council's own), keeps to its rate limit and
remembers answers in the ``geocode_cache`` table so the same address is never sent twice.
Nothing leaves the server unless ``GEOCODER_URL`` is set.

No Flask here: callers pass a sqlite-utils ``Database`` and settings, so the CLI, bulk imports
and tests use it the same way as views do. The distance helpers need no network at all.
"""

from __future__ import annotations

import logging
import math
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, partial
from typing import Any
from urllib.parse import urlsplit

from geographiclib.geodesic import Geodesic
from geopy.adapters import BaseSyncAdapter, RequestsAdapter, URLLibAdapter
from geopy.exc import GeocoderServiceError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim
from pyproj import Transformer
from sqlite_utils import Database

from fieldapp.queries import geocache as geocache_q
from fieldapp.timeutil import utcnow

logger = logging.getLogger(__name__)


# A miss is remembered so a bad address is not re-sent on every page load, but only for a
# week: OpenStreetMap gains new addresses all the time, and a typo fixed upstream should
# start working without anyone clearing a table.
MISS_TTL = timedelta(days=7)

# The public server's usage policy allows at most one request a second, whatever we are told.
PUBLIC_NOMINATIM_DOMAIN = "nominatim.openstreetmap.org"
PUBLIC_MIN_DELAY_SECONDS = 1.0

DEFAULT_USER_AGENT = "fieldapp/0.1"

UNAVAILABLE_MESSAGE = (
    "The address lookup service could not be reached. "
    "Use your phone's location or place the premises on the map."
)
DISABLED_MESSAGE = (
    "Address lookup is not switched on for this service. "
    "Use your phone's location or place the premises on the map."
)


class GeocoderUnavailable(Exception):
    """The lookup could not be made; ``message`` is fit to show to an officer."""

    def __init__(self, message: str = UNAVAILABLE_MESSAGE):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class GeocoderSettings:
    """Where the Nominatim server is and how politely to use it.

    ``url`` may carry a path prefix (``https://maps.example.gov.uk/nominatim``); an empty
    ``url`` switches lookups off.
    """

    url: str = ""
    user_agent: str = DEFAULT_USER_AGENT
    min_delay_seconds: float = 1.0
    timeout_seconds: float = 5.0
    country_codes: str = "gb"

    def __post_init__(self) -> None:
        # Fail when the app starts, not on an officer's first lookup.
        if self.enabled:
            parts = urlsplit(self.url.strip())
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(
                    f"GEOCODER_URL must start with http:// or https:// and name a server, "
                    f"got {self.url!r}."
                )
            if parts.query or parts.fragment:
                raise ValueError(f"GEOCODER_URL must not contain ? or #, got {self.url!r}.")
        if self.min_delay_seconds < 0 or self.timeout_seconds <= 0:
            raise ValueError("Geocoder delay must be zero or more and timeout more than zero.")

    @property
    def enabled(self) -> bool:
        """False when no server is configured: nothing will be sent anywhere."""
        return bool(self.url.strip())

    @property
    def scheme(self) -> str:
        """``http`` or ``https``, from ``url``."""
        return urlsplit(self.url.strip()).scheme

    @property
    def domain(self) -> str:
        """Host, port and any path prefix, in the form geopy's ``domain`` argument takes."""
        parts = urlsplit(self.url.strip())
        path = parts.path.rstrip("/")
        # People paste the search endpoint itself; geopy adds "/search" on its own.
        if path.endswith("/search"):
            path = path[: -len("/search")]
        return parts.netloc + path


def settings_from_config(config: Mapping[str, Any]) -> GeocoderSettings:
    """Read ``GEOCODER_*`` keys from app config, falling back to the defaults above."""
    return GeocoderSettings(
        url=(config.get("GEOCODER_URL") or "").strip(),
        # geopy's own user agent is refused by the public server, so never send it.
        user_agent=(config.get("GEOCODER_USER_AGENT") or "").strip() or DEFAULT_USER_AGENT,
        min_delay_seconds=float(config.get("GEOCODER_MIN_DELAY_SECONDS", 1.0)),
        timeout_seconds=float(config.get("GEOCODER_TIMEOUT_SECONDS", 5.0)),
        # An explicit empty string means "anywhere"; a missing key means Great Britain.
        country_codes=(config.get("GEOCODER_COUNTRY_CODES", "gb") or "").replace(" ", "").lower(),
    )


def from_config(config: Mapping[str, Any]) -> Geocoder:
    """A :class:`Geocoder` for an app's config (``app.config`` or any mapping)."""
    return Geocoder(settings_from_config(config))


@dataclass(frozen=True)
class GeocodeResult:
    """A place found for an address; ``cached`` is True when no request was made."""

    latitude: float
    longitude: float
    display_name: str
    cached: bool


def normalise_query(query: str) -> str:
    """Lower case, single spaces, no padding: the form addresses are cached under."""
    return " ".join(query.lower().split())


class Geocoder:
    """Address lookups through Nominatim, rate limited and cached.

    Build one per process and share it between threads: geopy's RateLimiter is thread-safe,
    and each call is given its own database connection. Each gunicorn worker process has its
    own RateLimiter, so N workers can together reach N requests per ``min_delay_seconds``;
    lookups are rare (an officer adding a premises), so that is accepted rather than
    coordinating workers through the database.
    """

    def __init__(self, settings: GeocoderSettings, *, max_retries: int = 0):
        """``max_retries`` defaults to 0: an officer on a doorstep should be told at once to
        place the pin by hand, not wait through back-off. Bulk imports may ask for retries."""
        self.settings = settings
        self._geocode: Callable[..., Any] | None = None
        if not settings.enabled:
            return
        min_delay = settings.min_delay_seconds
        if settings.domain.lower() == PUBLIC_NOMINATIM_DOMAIN and min_delay < 1.0:
            logger.warning(
                "GEOCODER_MIN_DELAY_SECONDS=%s is below the public Nominatim limit; using %s.",
                min_delay,
                PUBLIC_MIN_DELAY_SECONDS,
            )
            min_delay = PUBLIC_MIN_DELAY_SECONDS
        nominatim = Nominatim(
            domain=settings.domain,
            scheme=settings.scheme,
            user_agent=settings.user_agent,
            timeout=settings.timeout_seconds,
            adapter_factory=_adapter_factory(),
        )
        self._geocode = RateLimiter(
            nominatim.geocode,
            min_delay_seconds=min_delay,
            max_retries=max_retries,
            # RateLimiter insists the wait after an error is at least the normal delay.
            error_wait_seconds=max(5.0, min_delay),
            swallow_exceptions=False,
        )

    @property
    def enabled(self) -> bool:
        """Whether lookups can be made at all; views use it to hide the address search."""
        return self._geocode is not None

    def geocode(self, db: Database, query: str) -> GeocodeResult | None:
        """Find ``query``, from the cache if possible; None when the address is not known.

        Raises :class:`GeocoderUnavailable` when lookups are switched off or the server cannot
        answer (down, too slow, HTTP error). Outages are never cached, so the next try asks
        again. A blank query returns None without asking anyone.
        """
        if self._geocode is None:
            raise GeocoderUnavailable(DISABLED_MESSAGE)
        key = normalise_query(query)
        if not key:
            return None
        row = geocache_q.get(db, key)
        if row is not None:
            if row["latitude"] is not None:
                return GeocodeResult(row["latitude"], row["longitude"], row["display_name"], True)
            if datetime.fromisoformat(row["fetched_at"]) > utcnow() - MISS_TTL:
                return None
        try:
            location = self._geocode(key, country_codes=self.settings.country_codes or None)
        except GeocoderServiceError as error:
            # Covers timeouts, refused connections, HTTP errors and unreadable answers. The
            # detail goes to the log for whoever runs the server, not to the officer.
            logger.warning("Geocoder failed for %r: %s", key, error)
            raise GeocoderUnavailable(UNAVAILABLE_MESSAGE) from error
        if location is None:
            geocache_q.store(db, key, None, None, None)
            return None
        geocache_q.store(db, key, location.latitude, location.longitude, location.address)
        return GeocodeResult(location.latitude, location.longitude, location.address, False)

    def geocode_many(
        self,
        db: Database,
        queries: Iterable[str],
        progress: Callable[[int, int], None] | None = None,
    ) -> Iterator[tuple[str, GeocodeResult | GeocoderUnavailable | None]]:
        """Look up many addresses at the rate limit, yielding ``(query, outcome)`` in order.

        The outcome is a result, None (not found) or the :class:`GeocoderUnavailable` raised
        for that query, so one failure does not lose the rest of an import. Stop iterating to
        give up (for example after several failures in a row). ``progress(done, total)`` is
        called after each query.
        """
        queries = list(queries)
        total = len(queries)
        for done, query in enumerate(queries, start=1):
            try:
                outcome: GeocodeResult | GeocoderUnavailable | None = self.geocode(db, query)
            except GeocoderUnavailable as error:
                outcome = error
            if progress is not None:
                progress(done, total)
            yield query, outcome


def _adapter_factory() -> Callable[..., BaseSyncAdapter]:
    """geopy's HTTP adapter, without hidden transport retries.

    geopy's RequestsAdapter retries each request twice inside urllib3, read timeouts
    included: a slow server then costs three times the timeout and three requests that the
    RateLimiter never sees. Retrying is the RateLimiter's job, so switch it off here.
    urllib (used when requests is missing) does not retry.
    """
    if RequestsAdapter.is_available:
        return partial(RequestsAdapter, max_retries=0)
    return URLLibAdapter


# -- Distances (no network) ------------------------------------------------------------------

# Shortest length of a degree of latitude on the WGS84 ellipsoid (at the equator), and the
# length of a degree of longitude at the equator; using the short ones keeps the box too big,
# never too small.
_METRES_PER_DEGREE_LAT_MIN = 110_574.0
_METRES_PER_DEGREE_LON_EQUATOR = 111_319.0
_BOX_PADDING = 1.01


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in metres between two points, on the WGS84 ellipsoid.

    The same geodesic geopy computes (geopy's ``geodesic`` calls geographiclib), asked of
    geographiclib directly: geopy's wrapper objects cost ten times the sum itself, and this
    runs for every visit stored and every premises listed near an officer.
    """
    return _WGS84.Inverse(lat1, lon1, lat2, lon2, Geodesic.DISTANCE)["s12"]


_WGS84 = Geodesic.WGS84


def bounding_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """``(min_lat, max_lat, min_lon, max_lon)`` holding every point within ``radius_m``.

    For a cheap indexed ``BETWEEN`` filter before exact distances are worked out, so it errs
    on the generous side. Not meant for boxes touching a pole or the 180th meridian.
    """
    d_lat = radius_m / _METRES_PER_DEGREE_LAT_MIN * _BOX_PADDING
    min_lat, max_lat = max(lat - d_lat, -90.0), min(lat + d_lat, 90.0)
    # A degree of longitude shrinks towards the poles, so size it at the box's edge nearest
    # the pole, where it is shortest.
    cos_edge = math.cos(math.radians(max(abs(min_lat), abs(max_lat))))
    if cos_edge <= 1e-9:
        return min_lat, max_lat, -180.0, 180.0
    d_lon = radius_m / (_METRES_PER_DEGREE_LON_EQUATOR * cos_edge) * _BOX_PADDING
    return min_lat, max_lat, max(lon - d_lon, -180.0), min(lon + d_lon, 180.0)


def order_by_distance(
    origin: tuple[float, float],
    rows: Iterable[Mapping[str, Any]],
    lat_key: str = "latitude",
    lon_key: str = "longitude",
) -> list[dict[str, Any]]:
    """Copies of ``rows`` with ``distance_m`` from ``origin``, nearest first.

    Rows without coordinates are left out (they cannot be placed on a route). Each distance
    is a geodesic (~tens of microseconds), so narrow big tables with :func:`bounding_box`
    first. Equal distances keep their input order.
    """
    origin_lat, origin_lon = origin
    placed: list[dict[str, Any]] = []
    for row in rows:
        lat, lon = row.get(lat_key), row.get(lon_key)
        if lat is None or lon is None:
            continue
        placed.append({**row, "distance_m": distance_m(origin_lat, origin_lon, lat, lon)})
    placed.sort(key=lambda r: r["distance_m"])
    return placed


# How a premises' map position was found (premises.location_source), in words for the
# premises page, the list and the map.
PLACED_BY = {
    "gps": "placed by a phone's location fix",
    "map": "placed by hand on the map",
    "geocoder": "placed by looking up the address",
    "import": "placed from the coordinates in an imported file",
    "uprn": "placed at its UPRN's address point (OS Open UPRN)",
    "postcode": "placed at the centre of its postcode (the first visit's location fix will "
    "replace it)",
    "demo": "a demonstration position",
}
# The same, as a short label for the map's popups and the site list.
PLACED_BY_SHORT = {
    "gps": "officer's location fix",
    "map": "pin placed by hand",
    "geocoder": "address look-up",
    "import": "council file's coordinates",
    "uprn": "UPRN address point",
    "postcode": "postcode centre (rough)",
    "demo": "demonstration",
}
# A postcode's centre can be hundreds of metres from the door: good enough for the map and
# a ward, never for judging where an officer's fix was taken.
SOURCE_POSTCODE = "postcode"
SOURCE_UPRN = "uprn"


# British National Grid (EPSG:27700) covers Great Britain within these metres.
BNG_EASTING = (0.0, 700_000.0)
BNG_NORTHING = (0.0, 1_300_000.0)


@cache
def _bng_to_wgs84() -> Transformer:
    # One transformer for the process: building one costs far more than using it.
    return Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def bng_to_wgs84(easting: float, northing: float) -> tuple[float, float]:
    """British National Grid easting/northing in metres to WGS84 (latitude, longitude),
    rounded to 6 decimal places (about 10 cm). PROJ does the datum shift."""
    longitude, latitude = _bng_to_wgs84().transform(easting, northing)
    return round(latitude, 6), round(longitude, 6)


def bng_to_wgs84_many(
    eastings: Sequence[float], northings: Sequence[float]
) -> tuple[list[float], list[float]]:
    """Many easting/northing pairs to ``(latitudes, longitudes)``, each rounded as
    :func:`bng_to_wgs84` rounds, in one call to PROJ.

    For bulk loads (Code-Point Open has 1.7 million postcodes): one transform of whole
    arrays costs a fraction of a call per pair. Plain ``array('d')`` buffers are handed
    over, so numpy is not needed.
    """
    if len(eastings) != len(northings):
        raise ValueError("eastings and northings must be the same length")
    longitudes, latitudes = _bng_to_wgs84().transform(array("d", eastings), array("d", northings))
    return [round(v, 6) for v in latitudes], [round(v, 6) for v in longitudes]
