#!/usr/bin/env bash
# Builds Deckhand for Linux (amd64): the fyne tool's .tar.xz and a Debian package.
# `make package-linux` runs it.
#
#   bin/dist/linux/deckhand-VERSION-linux-amd64.tar.xz   fyne package output (binary, .desktop,
#                                                        icon, Makefile for `make user-install`)
#   bin/dist/linux/deckhand_DEBVERSION_amd64.deb         the same binary plus deckhand-cli, the
#                                                        .desktop entry, hicolor icons, MIME types
#                                                        for .apkg/.colpkg, AppStream metadata
# Needs: the Fyne build headers (make deps), dpkg-dev (dpkg-deb, dpkg-shlibdeps).
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

OUT=$DIST/linux
ARCH=amd64
mkdir -p "$OUT"

build_tools
stage_source linux

# 1. The fyne tool builds the release binary (app metadata, icon and fyneDo migration injected)
#    and wraps it with its .desktop file and icon.
rm -f "$OUT/$APP_NAME.tar.xz"
(cd "$OUT" && CGO_ENABLED=1 "$FYNE" package --target linux --release --src "$SRC")
TARBALL="$OUT/deckhand-$VERSION-linux-$ARCH.tar.xz"
mv "$OUT/$APP_NAME.tar.xz" "$TARBALL"

# 2. The .deb reuses that very binary and .desktop file.
DEBVER=${VERSION/-/\~} # 1.2.0-rc1 sorts before 1.2.0 only as 1.2.0~rc1
DEB="$OUT/deckhand_${DEBVER}_$ARCH.deb"
root="$OUT/deb-root"
rm -rf "$root" "$OUT/tar" && mkdir -p "$root/DEBIAN" "$OUT/tar"
tar -xJf "$TARBALL" -C "$OUT/tar"
bin=$(find "$OUT/tar" -path '*/bin/deckhand' -type f | head -n 1)
desktop=$(find "$OUT/tar" -name "$APP_ID.desktop" -type f | head -n 1)
if [ -z "$bin" ] || [ -z "$desktop" ]; then die "unexpected layout in $TARBALL"; fi

install -Dm755 "$bin" "$root/usr/bin/deckhand"
(cd "$ROOT" && CGO_ENABLED=0 GOOS=linux GOARCH=$ARCH "$GO" build -trimpath -ldflags "-s -w" \
	-o "$root/usr/bin/deckhand-cli" ./cmd/deckhand-cli)
# fyne writes Exec=deckhand %F; TryExec hides the entry if the binary is gone. No StartupNotify:
# GLFW does not send the startup-complete message, so the desktop would show a busy cursor.
{
	sed -e '/^StartupWMClass=/d' -e '/^$/d' "$desktop"
	echo "TryExec=deckhand"
	echo "StartupWMClass=$APP_NAME"
} >"$OUT/$APP_ID.desktop"
install -Dm644 "$OUT/$APP_ID.desktop" "$root/usr/share/applications/$APP_ID.desktop"
rm -f "$OUT/$APP_ID.desktop"
for png in "$ROOT"/assets/hicolor/*.png; do
	s=$(basename "$png" .png)
	install -Dm644 "$png" "$root/usr/share/icons/hicolor/${s}x$s/apps/$APP_ID.png"
done
install -Dm644 "$ROOT/assets/icon.png" "$root/usr/share/icons/hicolor/512x512/apps/$APP_ID.png"
install -Dm644 "$ROOT/assets/icon.svg" "$root/usr/share/icons/hicolor/scalable/apps/$APP_ID.svg"
install -Dm644 "$ROOT/packaging/linux/deckhand-mime.xml" "$root/usr/share/mime/packages/deckhand.xml"
install -Dm644 "$ROOT/packaging/linux/$APP_ID.metainfo.xml" "$root/usr/share/metainfo/$APP_ID.metainfo.xml"
install -d "$root/usr/share/doc/deckhand"
{
	echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
	echo "Upstream-Name: Deckhand"
	echo "Source: https://github.com/deckhand-app/deckhand"
	echo
	echo "Files: *"
	echo "Copyright: the Deckhand authors"
	echo "License: MIT"
	sed 's/^$/./; s/^/ /' "$ROOT/LICENSE"
} >"$root/usr/share/doc/deckhand/copyright"

# Debian policy wants a changelog; a native package's is the release list.
{
	echo "deckhand ($DEBVER) stable; urgency=medium"
	echo
	echo "  * Release $VERSION: https://github.com/deckhand-app/deckhand/releases"
	echo
	echo " -- Deckhand developers <deckhand@users.noreply.github.com>  $(LC_ALL=C date -R)"
} | gzip -9n >"$root/usr/share/doc/deckhand/changelog.gz"
# deckhand-cli is static on purpose (pure Go, the same binary as the standalone CLI archive); Go
# builds position-dependent executables by default.
install -d "$root/usr/share/lintian/overrides"
printf '%s\n' "deckhand: statically-linked-binary [usr/bin/deckhand-cli]" \
	"deckhand: hardening-no-pie [usr/bin/deckhand]" \
	>"$root/usr/share/lintian/overrides/deckhand"

# Libraries the binaries link (dpkg-shlibdeps) plus those GLFW opens at run time with dlopen
# (GL/EGL, X11 and Wayland), which no ELF header names; GTK 3 for the native file dialogs.
shlibs=$(cd "$OUT" && mkdir -p shlibs/debian &&
	printf 'Source: deckhand\n\nPackage: deckhand\nArchitecture: %s\n' "$ARCH" >shlibs/debian/control &&
	cd shlibs && dpkg-shlibdeps -O "$root/usr/bin/deckhand" | sed -n 's/^shlibs:Depends=//p')
rm -rf "$OUT/shlibs"
runtime="libgl1, libegl1, libx11-6, libxcursor1, libxrandr2, libxinerama1, libxi6, libxxf86vm1,
 libxkbcommon0, libwayland-client0, libwayland-cursor0, libwayland-egl1, libgtk-3-0"
# One entry per package, the versioned one from dpkg-shlibdeps first.
depends=$(echo "${shlibs:-libc6}, $runtime" | tr -d '\n' | tr ',' '\n' | sed 's/^ *//; s/ *$//' |
	awk '{ name = $1 } !seen[name]++' | paste -sd, - | sed 's/,/, /g')
cat >"$root/DEBIAN/control" <<CONTROL
Package: deckhand
Version: $DEBVER
Architecture: $ARCH
Maintainer: Deckhand developers <deckhand@users.noreply.github.com>
Installed-Size: $(du -sk "$root/usr" | cut -f1)
Depends: $depends
Recommends: xdg-utils
Section: education
Priority: optional
Homepage: https://github.com/deckhand-app/deckhand
Description: Anki-compatible flashcard deck manager
 Deckhand manages flashcard decks directly in Anki's collection format: what
 Deckhand writes, Anki opens, and the other way round. Double-clicking an .apkg
 or .colpkg file opens Deckhand and imports it. The package also ships
 deckhand-cli, the command-line interface.
CONTROL
(cd "$root" && find usr -type f -print0 | sort -z | xargs -0 md5sum >DEBIAN/md5sums)
# No maintainer scripts: dpkg's triggers from shared-mime-info, desktop-file-utils and
# hicolor-icon-theme refresh the MIME, .desktop and icon caches on install and removal.
find "$root" -type d -exec chmod 755 {} +
dpkg-deb --build --root-owner-group -Zxz "$root" "$DEB" >/dev/null
rm -rf "$root" "$OUT/tar"

sha256 "$TARBALL" "$DEB"
size "$TARBALL" "$DEB"
