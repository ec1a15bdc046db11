#!/usr/bin/env bash
# Renders the app icon from its SVG sources into the PNG sizes the desktops ask for and a
# multi-size Windows .ico. The results are committed (assets/), so building a package needs no
# image tools; run this (`make icons`) only after editing assets/icon*.svg.
# Needs: rsvg-convert (librsvg2-bin) and ImageMagick's convert.
set -euo pipefail
cd "$(dirname "$0")/../assets"
mkdir -p hicolor
# 16 px has its own pixel-grid drawing; every other size is the full drawing scaled.
rsvg-convert -w 16 -h 16 icon-16.svg -o hicolor/16.png
for s in 24 32 48 64 128 256; do
	rsvg-convert -w "$s" -h "$s" icon.svg -o "hicolor/$s.png"
done
# 512 px: Fyne's icon (FyneApp.toml, macOS .icns, in-app window icon) and hicolor/512x512.
rsvg-convert -w 512 -h 512 icon.svg -o icon.png
# Windows picks the nearest size per context (16: title bar/menus, 32/48: desktop, 256: tiles).
convert hicolor/16.png hicolor/24.png hicolor/32.png hicolor/48.png hicolor/64.png \
	hicolor/256.png icon.ico
echo "icons written to $(pwd)"
