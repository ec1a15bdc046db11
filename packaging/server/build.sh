#!/usr/bin/env bash
# Builds the pure-Go programs as static binaries (CGO_ENABLED=0) for self-hosters and scripts.
# `make package-server` runs it; nothing here needs cgo or C headers, so it cross-builds anywhere.
#
#   bin/dist/server/deckhand-syncd-VERSION-linux-{amd64,arm64}.tar.gz
#       deckhand-syncd, deckhand-cli, deckhand-syncd.service, deckhand-syncd.conf.example,
#       INSTALL.txt, LICENSE
#   bin/dist/server/deckhand-cli-VERSION-{linux,darwin}-{amd64,arm64}.tar.gz,
#   bin/dist/server/deckhand-cli-VERSION-windows-amd64.zip
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

OUT=$DIST/server
mkdir -p "$OUT"
LDFLAGS="-s -w"

gobuild() { # gobuild GOOS GOARCH OUTPUT PACKAGE
	(cd "$ROOT" && CGO_ENABLED=0 GOOS=$1 GOARCH=$2 "$GO" build -trimpath -ldflags "$LDFLAGS" -o "$3" "$4")
}

artifacts=""
for arch in amd64 arm64; do
	name="deckhand-syncd-$VERSION-linux-$arch"
	dir="$OUT/$name"
	rm -rf "$dir" && mkdir -p "$dir"
	gobuild linux "$arch" "$dir/deckhand-syncd" ./cmd/deckhand-syncd
	gobuild linux "$arch" "$dir/deckhand-cli" ./cmd/deckhand-cli
	cp "$ROOT/packaging/server/deckhand-syncd.service" "$ROOT/packaging/server/deckhand-syncd.conf.example" \
		"$ROOT/packaging/server/INSTALL.txt" "$ROOT/LICENSE" "$dir/"
	tar -C "$OUT" --owner=0 --group=0 -czf "$OUT/$name.tar.gz" "$name"
	rm -rf "$dir"
	artifacts="$artifacts $OUT/$name.tar.gz"
done

for target in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64; do
	os=${target%/*} arch=${target#*/}
	name="deckhand-cli-$VERSION-$os-$arch"
	dir="$OUT/$name"
	rm -rf "$dir" && mkdir -p "$dir"
	exe=deckhand-cli
	[ "$os" = windows ] && exe=deckhand-cli.exe
	gobuild "$os" "$arch" "$dir/$exe" ./cmd/deckhand-cli
	cp "$ROOT/LICENSE" "$dir/"
	if [ "$os" = windows ]; then
		rm -f "$OUT/$name.zip"
		(cd "$OUT" && zip -qr9 "$name.zip" "$name")
		artifacts="$artifacts $OUT/$name.zip"
	else
		tar -C "$OUT" --owner=0 --group=0 -czf "$OUT/$name.tar.gz" "$name"
		artifacts="$artifacts $OUT/$name.tar.gz"
	fi
	rm -rf "$dir"
done

# shellcheck disable=SC2086 # the list is space-separated paths without spaces
sha256 $artifacts
# shellcheck disable=SC2086
size $artifacts
