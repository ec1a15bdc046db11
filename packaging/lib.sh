# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables set here are for the scripts that source this
# Shared by the packaging scripts (sourced, not run). Portable to macOS's bash 3.2 and Git Bash:
# no associative arrays, no `sed -i`, no GNU-only flags in what the macOS job runs.
#
# Inputs (environment, all optional):
#   VERSION  release version, "v" prefix allowed (default: Version in FyneApp.toml)
#   BUILD    build number, a positive integer (default: Build in FyneApp.toml)
#   DIST     output folder (default: bin/dist in the checkout, which git ignores)
#   GO       the go command (default: go)

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIST=${DIST:-$ROOT/bin/dist}
GO=${GO:-go}
APP_ID=app.deckhand.desktop
APP_NAME=Deckhand

die() {
	echo "packaging: $*" >&2
	exit 1
}

# toml_get KEY prints the first `KEY = value` of FyneApp.toml without quotes.
toml_get() {
	sed -n "s/^$1 *= *\"\{0,1\}\([^\"]*\)\"\{0,1\} *\$/\1/p" "$ROOT/FyneApp.toml" | head -n 1
}

VERSION=${VERSION:-$(toml_get Version)}
VERSION=${VERSION#v}
BUILD=${BUILD:-$(toml_get Build)}
# The fyne tool, Windows version resources and MSI ProductVersion take only numbers (x.y.z);
# a pre-release tag such as v1.2.0-rc1 keeps its full name in file names only.
NUMVER=${VERSION%%[-+]*}
case "$NUMVER" in
*[!0-9.]* | '' | .* | *. | *..*) die "version \"$VERSION\" must start with digits like 1.2.3" ;;
esac
case "$BUILD" in
'' | *[!0-9]*) die "build number \"$BUILD\" must be a positive integer" ;;
esac

# The fyne tool reads FyneApp.toml only from the main package's folder and writes its own files
# there while it builds (fyne_metadata_init.go, the binary, a .syso for Windows), while the
# project keeps FyneApp.toml at the root (where `go run ./cmd/deckhand` finds it). So each build
# works on a copy of cmd/deckhand under bin/pkgsrc/KIND/deckhand (inside the module, so
# its imports resolve; the leaf name keeps the binary called deckhand), with FyneApp.toml
# beside it carrying the release version and an absolute icon path. The checkout itself is
# never touched, and builds of different kinds can run at the same time.
# stage_source KIND sets SRC to that folder; it is removed on exit.
SRC=""
CLEANUP_DIRS=""

cleanup() {
	local d
	for d in $CLEANUP_DIRS; do
		case "$d" in "$ROOT"/bin/pkgsrc/*) rm -rf "$d" ;; esac
	done
	rmdir "$ROOT/bin/pkgsrc" 2>/dev/null || true
}
trap cleanup EXIT

stage_source() {
	SRC="$ROOT/bin/pkgsrc/$1/deckhand"
	rm -rf "$SRC" && mkdir -p "$SRC"
	CLEANUP_DIRS="$CLEANUP_DIRS $ROOT/bin/pkgsrc/$1"
	# Everything the package may embed comes along; tests, binaries and leftovers do not.
	cp -R "$ROOT/cmd/deckhand/." "$SRC/"
	rm -f "$SRC"/*_test.go "$SRC/deckhand" "$SRC/deckhand.exe" "$SRC/fyne_metadata_init.go" "$SRC"/*.syso
	sed -e "s|^Icon = .*|Icon = \"$ROOT/assets/icon.png\"|" \
		-e "s|^Version = .*|Version = \"$NUMVER\"|" \
		-e "s|^Build = .*|Build = $BUILD|" "$ROOT/FyneApp.toml" >"$SRC/FyneApp.toml"
}

# build_tools compiles the fyne and goversioninfo commands (tool dependencies in go.mod) for
# the machine we run on, so a cross build's GOOS/GOARCH never leaks into them.
TOOLS="$DIST/.tools"
FYNE="$TOOLS/fyne"
GOVERSIONINFO="$TOOLS/goversioninfo"
build_tools() {
	mkdir -p "$TOOLS"
	(cd "$ROOT" && env -u GOOS -u GOARCH -u CC -u CGO_LDFLAGS "$GO" build -o "$TOOLS/" \
		fyne.io/tools/cmd/fyne github.com/josephspurrier/goversioninfo/cmd/goversioninfo)
}

# sha256 FILE... writes FILE.sha256 beside each file, in `sha256sum -c` format.
sha256() {
	local f
	for f in "$@"; do
		(
			cd "$(dirname "$f")"
			if command -v sha256sum >/dev/null; then
				sha256sum "$(basename "$f")"
			else
				shasum -a 256 "$(basename "$f")"
			fi
		) >"$f.sha256"
	done
}

# size FILE... prints each file's size for the build log.
size() {
	local f
	for f in "$@"; do
		printf '%8s KiB  %s\n' "$(($(wc -c <"$f") / 1024))" "${f#"$ROOT"/}"
	done
}
