#!/usr/bin/env bash
# Builds Deckhand.app and a .dmg on macOS (it needs Xcode's clang and hdiutil, so it runs on a
# Mac: the release workflow's macOS job). `make package-darwin` runs it.
#
#   GOARCH=arm64|amd64 packaging/darwin/build.sh     (default: this Mac's architecture)
#   -> bin/dist/darwin/Deckhand-VERSION-macos-ARCH.dmg (Deckhand.app + an Applications link)
#
# The app is ad-hoc signed (no Apple Developer ID here): macOS asks once, on first open, to
# confirm it in System Settings > Privacy & Security ("Open Anyway").
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

[ "$(uname -s)" = Darwin ] || die "the macOS package builds only on macOS"
ARCH=${GOARCH:-$("$GO" env GOARCH)}
OUT=$DIST/darwin/$ARCH
rm -rf "$OUT" && mkdir -p "$OUT"

build_tools
stage_source "darwin-$ARCH"

# fyne package builds the release binary for GOARCH (cgo with Xcode's clang, which takes
# -arch from Go for a cross-architecture build), makes the .icns from assets/icon.png and writes
# Info.plist (CFBundleIdentifier app.deckhand.desktop, version from FyneApp.toml).
(cd "$OUT" && GOARCH=$ARCH CGO_ENABLED=1 "$FYNE" package --target darwin --release \
	--src "$SRC")
APP="$OUT/$APP_NAME.app"
[ -d "$APP" ] || die "fyne package made no $APP"
# Seal the bundle (binary, Info.plist, icon) with an ad-hoc signature: an unsigned or partly
# signed bundle is reported as "damaged" once downloaded.
codesign --force --deep --sign - "$APP"
codesign --verify --deep --strict "$APP"
plutil -p "$APP/Contents/Info.plist"
lipo -archs "$APP/Contents/MacOS/"* 2>/dev/null || true

# The disk image: the app next to a link to /Applications, to drag it onto.
stage="$OUT/dmg"
mkdir -p "$stage"
cp -R "$APP" "$stage/"
ln -s /Applications "$stage/Applications"
DMG="$DIST/darwin/Deckhand-$VERSION-macos-$ARCH.dmg"
rm -f "$DMG"
hdiutil create -volname "$APP_NAME" -srcfolder "$stage" -fs HFS+ -format UDZO -ov "$DMG"
rm -rf "$stage"
hdiutil verify "$DMG"

sha256 "$DMG"
size "$DMG"
