#!/bin/sh
# Rebuild the committed front-end assets in ../static/govuk/ from GOV.UK Frontend.
# Usage: cd frontend && npm ci && npm run build   (or: sh build.sh)
set -eu
cd "$(dirname "$0")"

DIST=node_modules/govuk-frontend/dist/govuk
OUT=../static/govuk
[ -d "$DIST" ] || { echo "Run 'npm ci' first" >&2; exit 1; }

rm -rf "$OUT"
mkdir -p "$OUT"

# 1. CSS: GOV.UK Frontend subset + fieldapp styles, minified, no source map
node_modules/.bin/sass --pkg-importer=node --style=compressed --no-source-map \
  src/fieldapp.scss "$OUT/fieldapp.min.css"

# 2. JS: GOV.UK Frontend ES module build (map not shipped, so drop its comment)
sed 's#//\# sourceMappingURL=.*$##' "$DIST/govuk-frontend.min.js" > "$OUT/govuk-frontend.min.js"

# 3. Assets: copy only files the compiled CSS references (url(...) relative to the CSS)
for ref in $(grep -o 'url([^)]*)' "$OUT/fieldapp.min.css" | sed -e 's/^url(//' -e 's/)$//' -e "s/[\"']//g" | sort -u); do
  case "$ref" in
    data:*) continue ;;
    http:*|https:*|//*) echo "ERROR: remote URL in CSS: $ref" >&2; exit 1 ;;
    *fonts/*|*.woff|*.woff2|*.ttf|*.otf|*.eot) echo "ERROR: font in CSS: $ref" >&2; exit 1 ;;
    *crest*|*crown*|*royal-arms*) echo "ERROR: crown/crest image in CSS: $ref" >&2; exit 1 ;;
    assets/*) mkdir -p "$OUT/$(dirname "$ref")"; cp "$DIST/${ref#assets/}" "$OUT/$ref" ;;
    *) echo "ERROR: unexpected URL in CSS: $ref" >&2; exit 1 ;;
  esac
done

# 4. Sanity checks
if grep -Eiq '@font-face|GDS Transport|woff' "$OUT/fieldapp.min.css"; then
  echo "ERROR: font reference found in CSS" >&2; exit 1
fi
ls -l "$OUT" && echo "Built $OUT"

# 5. Leaflet and plugins for the maps, served from static/ (no CDN at run time)
LOUT=../static/leaflet
rm -rf "$LOUT"
mkdir -p "$LOUT/images"
cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css "$LOUT/"
cp node_modules/leaflet/dist/images/*.png "$LOUT/images/"
cp node_modules/leaflet.markercluster/dist/leaflet.markercluster.js \
   node_modules/leaflet.markercluster/dist/MarkerCluster.css \
   node_modules/leaflet.markercluster/dist/MarkerCluster.Default.css "$LOUT/"
cp node_modules/leaflet.heat/dist/leaflet-heat.js "$LOUT/"
sed -i 's#//\# sourceMappingURL=.*$##' "$LOUT"/*.js
ls -l "$LOUT" && echo "Built $LOUT"
