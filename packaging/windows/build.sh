#!/usr/bin/env bash
# Builds Deckhand for Windows (amd64) and its installers, on Linux (cross, with mingw-w64) or on
# Windows (Git Bash with a mingw gcc on PATH). `make package-windows` runs it.
#
#   packaging/windows/build.sh [exe|installers|all]     (default: all)
#
# exe:        bin/dist/windows/Deckhand.exe with icon, version info and manifest (a .syso made
#             with goversioninfo), plus deckhand-cli.exe (pure Go).
# installers: Deckhand-VERSION-windows-amd64-setup.exe (NSIS, per-user) and
#             Deckhand-VERSION-windows-amd64.msi (wixl, per-user), from the exe step's files.
# Needs on Debian: gcc-mingw-w64-x86-64, nsis (makensis), wixl; and msitools for the checks.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

OUT=$DIST/windows
what=${1:-all}
mkdir -p "$OUT"

# quad prints the four-part Windows version MAJOR.MINOR.PATCH.BUILD.
quad() {
	local a b c
	IFS=. read -r a b c _ <<<"$NUMVER.0.0"
	echo "${a:-0}.${b:-0}.${c:-0}.$BUILD"
}
QUAD=$(quad)

build_exe() {
	build_tools
	stage_source windows
	local a b c d
	IFS=. read -r a b c d <<<"$QUAD"
	# The manifest's assemblyIdentity carries the version too.
	sed "s/version=\"0.0.0.0\"/version=\"$QUAD\"/" "$ROOT/packaging/windows/deckhand.exe.manifest" \
		>"$OUT/Deckhand.exe.manifest"
	# Go links every .syso in the main package's folder; the _windows_amd64 suffix limits it to
	# this target.
	local syso="$SRC/deckhand_windows_amd64.syso"
	(cd "$ROOT" && "$GOVERSIONINFO" -64 -o "$syso" \
		-icon assets/icon.ico -manifest "$OUT/Deckhand.exe.manifest" \
		-ver-major "$a" -ver-minor "$b" -ver-patch "$c" -ver-build "$d" \
		-product-ver-major "$a" -product-ver-minor "$b" -product-ver-patch "$c" -product-ver-build "$d" \
		-file-version "$QUAD" -product-version "$QUAD" \
		packaging/windows/versioninfo.json)
	rm -f "$OUT/Deckhand.exe.manifest"

	if [ "$(uname -s)" = Linux ]; then
		export CC=${CC:-x86_64-w64-mingw32-gcc}
		command -v "$CC" >/dev/null || die "$CC missing (apt-get install gcc-mingw-w64-x86-64)"
		# The fyne tool compiles C with -fstack-protector-strong -D_FORTIFY_SOURCE=3; Debian's
		# mingw-w64 keeps those helpers in libssp, which gcc does not link by itself. Link the
		# static archive so the exe needs no libssp-0.dll.
		if [ -f "$("$CC" -print-file-name=libssp.a)" ]; then
			export CGO_LDFLAGS="${CGO_LDFLAGS:-} -l:libssp.a"
		fi
	fi
	# fyne build adds the app metadata (FyneApp.toml, icon) and, with --release,
	# -H=windowsgui (no console window), -s -w and -trimpath.
	(cd "$ROOT" && GOARCH=amd64 CGO_ENABLED=1 "$FYNE" build --target windows --release \
		--src "$SRC" -o "$OUT/Deckhand.exe")
	# The CLI is pure Go: no cgo, no console-less flag (it is a console program).
	(cd "$ROOT" && GOOS=windows GOARCH=amd64 CGO_ENABLED=0 "$GO" build -trimpath -ldflags "-s -w" \
		-o "$OUT/deckhand-cli.exe" ./cmd/deckhand-cli)
	size "$OUT/Deckhand.exe" "$OUT/deckhand-cli.exe"
}

build_installers() {
	[ -f "$OUT/Deckhand.exe" ] || die "$OUT/Deckhand.exe missing: run the exe step first"
	command -v makensis >/dev/null || die "makensis missing (apt-get install nsis)"
	command -v wixl >/dev/null || die "wixl missing (apt-get install wixl)"
	local base="Deckhand-$VERSION-windows-amd64"
	# Everything the installers take is gathered in one folder, so both list the same files.
	local stage="$OUT/stage"
	rm -rf "$stage" && mkdir -p "$stage"
	cp "$OUT/Deckhand.exe" "$OUT/deckhand-cli.exe" "$stage/"
	cp "$ROOT/assets/icon.ico" "$stage/Deckhand.ico"
	cp "$ROOT/LICENSE" "$stage/LICENSE.txt"

	makensis -V2 -INPUTCHARSET UTF8 -DVERSION="$VERSION" -DQUADVERSION="$QUAD" \
		-DSTAGE="$stage" -DOUTFILE="$OUT/$base-setup.exe" \
		"$ROOT/packaging/windows/deckhand.nsi"

	# wixl resolves only relative Source paths, hence the cd.
	(cd "$stage" && wixl -a x64 -D Version="$QUAD" -D Stage=. \
		-o "$OUT/$base.msi" "$ROOT/packaging/windows/deckhand.wxs")

	# A zip of the same files for people who want no installer.
	(cd "$stage" && rm -f "$OUT/$base.zip" && 7z a -bd -tzip -mx=9 "$OUT/$base.zip" . >/dev/null) ||
		(cd "$stage" && zip -qr9 "$OUT/$base.zip" .)
	sha256 "$OUT/$base-setup.exe" "$OUT/$base.msi" "$OUT/$base.zip"
	size "$OUT/$base-setup.exe" "$OUT/$base.msi" "$OUT/$base.zip"
}

case "$what" in
exe) build_exe ;;
installers) build_installers ;;
all)
	build_exe
	build_installers
	;;
*) die "usage: $0 [exe|installers|all]" ;;
esac
