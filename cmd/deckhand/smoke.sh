#!/bin/sh
# Smoke test of the real desktop app: builds it, generates a collection, runs the app under
# Xvfb, drives it with xdotool and saves screenshots. Needs xvfb, imagemagick and xdotool.
#   cmd/deckhand/smoke.sh [out-dir] [notes]
set -eu
OUT=${1:-bin/smoke}
NOTES=${2:-20000}
DISP=${SMOKE_DISPLAY:-:97}
GO=${GO:-go}
mkdir -p "$OUT" bin
WORK=$(mktemp -d)
XPID=""; APID=""
cleanup() {
	[ -n "$APID" ] && { kill "$APID" 2>/dev/null; wait "$APID" 2>/dev/null; } || true
	[ -n "$XPID" ] && { kill "$XPID" 2>/dev/null; wait "$XPID" 2>/dev/null; } || true
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

for tool in Xvfb import xdotool; do
	command -v $tool >/dev/null || { echo "smoke: $tool is not installed (apt-get install xvfb imagemagick xdotool)" >&2; exit 1; }
done
$GO build -o bin/deckhand ./cmd/deckhand
$GO run ./cmd/deckhand-cli gen --notes "$NOTES" --media 50 "$WORK/smoke.anki2"

Xvfb "$DISP" -screen 0 1280x800x24 >/dev/null 2>&1 &
XPID=$!
sleep 1
# private data and preference folders, so the run neither reads nor changes the user's
DISPLAY=$DISP DECKHAND_TIMING=1 DECKHAND_DATA="$WORK/data" XDG_CONFIG_HOME="$WORK/config" \
	./bin/deckhand --col "$WORK/smoke.anki2" >"$OUT/app.log" 2>&1 &
APID=$!
WID=$(DISPLAY=$DISP xdotool search --sync --onlyvisible --name Deckhand | head -1)
sleep 3
DISPLAY=$DISP import -window root "$OUT/1-main.png"
# first deck in the tree, then the first browser row (editor and preview fill in); the
# coordinates are for the 1280x800 screen with the menu bar at the top
DISPLAY=$DISP xdotool mousemove 70 133 click 1
sleep 2
DISPLAY=$DISP xdotool mousemove 420 175 click 1
sleep 2
DISPLAY=$DISP import -window root "$OUT/2-deck-note.png"
# Ctrl+N: Add mode; a bad search shows its error inline
DISPLAY=$DISP xdotool key --window "$WID" ctrl+n
sleep 1
DISPLAY=$DISP xdotool mousemove 450 93 click 1 key ctrl+a type 'deck:( '
DISPLAY=$DISP xdotool key Return
sleep 2
DISPLAY=$DISP import -window root "$OUT/3-add-search-error.png"
# another large deck once the search index is warm (the browser's figure after start-up)
DISPLAY=$DISP xdotool key Escape
DISPLAY=$DISP xdotool mousemove 70 533 click 1
sleep 2
DISPLAY=$DISP import -window root "$OUT/4-second-deck.png"
kill -0 "$APID" || { echo "smoke: the app exited early" >&2; cat "$OUT/app.log" >&2; exit 1; }
grep -E "first frame|browser search" "$OUT/app.log" || true
echo "smoke: screenshots in $OUT"
