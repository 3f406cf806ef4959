"""The risk map, built with folium but drawn in the browser from compact point data.

One folium object per site costs about a millisecond and a kilobyte of HTML each, which is
36 seconds and 39 MB at a national 50,000 sites. Here folium builds the page skeleton (map,
tiles, scripts) and the sites travel as one compact JSON array that static/js/risk-map.js
turns into clustered markers. Pure: no Flask; the caller passes URLs and settings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from html import escape

import folium
from branca.element import Element

from fieldapp.checklists.model import SECTORS

# Where the map opens when a filter matches nothing (Leicester, the demo district).
DEFAULT_CENTRE = (52.6369, -1.1398)


def build_map(
    points_json: str,
    *,
    assets: Mapping[str, str],
    site_url: str,
    premises_url: str | None,
    tile_url: str = "",
    tile_attribution: str = "",
    max_zoom: int = 19,
    heat: bool = False,
    nonce: str = "",
    title: str = "Map of sites",
) -> str:
    """The full HTML document of the map, called ``title``.

    ``assets`` maps "leaflet_js", "leaflet_css", "heat_js", "map_js" and "map_css" to local
    URLs: nothing is fetched from a CDN. ``site_url`` has "{id}" where a site's id goes
    (its popup data). ``nonce`` is the page's Content-Security-Policy nonce: folium's own
    inline set-up script and styles carry it, so the strict policy lets them run.
    """
    m = _base_map(assets, tile_url, tile_attribution, max_zoom)
    root = m.get_root()
    for key in ("map_css",):
        root.header.add_child(Element(f'<link rel="stylesheet" href="{assets[key]}">'))
    config = {
        "mapName": m.get_name(),
        "siteUrl": site_url,
        "premisesUrl": premises_url,
        "heat": heat,
        # Sector names in the order of the sector codes the points carry.
        "sectors": list(SECTORS.values()),
    }
    # Data as JSON inside a non-executing script tag: "</" can never appear in it because
    # it holds only numbers, and the config is escaped by json.dumps plus the replace.
    # The points go in after rendering: through folium's templates a megabyte of data took
    # half the build time, for no change to it.
    root.html.add_child(
        Element(
            '<script type="application/json" id="map-points">' + _POINTS + "</script>"
            '<script type="application/json" id="map-config">'
            + json.dumps(config).replace("</", "<\\/")
            + "</script>"
        )
    )
    for key in ("heat_js", "map_js"):
        root.html.add_child(Element(f'<script src="{assets[key]}" defer></script>'))
    html = _as_a_page(root.render(), m.get_name(), title)
    return _with_nonce(html, nonce).replace(_POINTS, points_json, 1)


_VIEWPORT = re.compile(r'<meta name="viewport"[^>]*>')


def _as_a_page(html: str, map_name: str, title: str) -> str:
    """Folium's document made a page a screen reader can name and a phone can zoom: a
    language, a title, the map inside a main landmark under a heading, and a viewport that
    does not forbid pinch zoom (folium's sets user-scalable=no, which WCAG 1.4.4 rules out).
    """
    html = html.replace("<html>", '<html lang="en-GB">', 1)
    html = html.replace("<head>", f"<head>\n<title>{escape(title)}</title>", 1)
    html = _VIEWPORT.sub(
        '<meta name="viewport" content="width=device-width, initial-scale=1">', html, 1
    )
    opening = f'<div class="folium-map" id="{map_name}" ></div>'
    if opening not in html:
        raise ValueError("folium's map element is not where it was: check the folium version")
    heading = f'<h1 class="app-map-heading">{escape(title)}</h1>'
    main = f'<main class="app-map-main">{heading}{opening}</main>'
    return html.replace(opening, main, 1)


def _with_nonce(html: str, nonce: str) -> str:
    """Put the nonce on folium's bare <script> and <style> tags (ours all have attributes:
    a src, or a JSON type that never runs). Done before the points go in."""
    if not nonce:
        return html
    return html.replace("<script>", f'<script nonce="{nonce}">').replace(
        "<style>", f'<style nonce="{nonce}">'
    )


_POINTS = "@@FIELDAPP-POINTS@@"


def _base_map(
    assets: Mapping[str, str], tile_url: str, tile_attribution: str, max_zoom: int
) -> folium.Map:
    """Folium's map with our own Leaflet and, if configured, the tile layer."""
    m = folium.Map(
        location=DEFAULT_CENTRE,
        zoom_start=12,
        tiles=None,
        max_zoom=max_zoom,
        control_scale=True,
        prefer_canvas=False,
    )
    # Clustering needs the map itself to know its deepest zoom, which folium only passes to
    # tile layers (and there may be none).
    m.options["maxZoom"] = max_zoom
    # Folium's defaults pull Leaflet, jQuery, Bootstrap and Font Awesome from public CDNs.
    # Replace them on this map only (never mutate the shared class lists).
    m.default_js = [("leaflet", assets["leaflet_js"])]
    m.default_css = [("leaflet_css", assets["leaflet_css"])]
    if tile_url:
        folium.TileLayer(
            tiles=tile_url, attr=tile_attribution, name="Map", max_zoom=max_zoom, control=False
        ).add_to(m)
    return m
