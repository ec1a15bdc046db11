# Deckhand build, run and test entry points. `make run` and `make test` are what the README
# promises a new user; both install what a fresh Debian/Ubuntu machine lacks first.

GO        ?= go
PKGS      := ./...
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# C headers Fyne's GLFW driver needs to build with cgo (see docs and ../shared spec), and
# GTK 3's for the native file dialogs (github.com/sqweek/dialog, views/filepicker_native.go).
DEB_PKGS  := gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev \
             libxinerama-dev libxi-dev libxxf86vm-dev libwayland-dev libxkbcommon-dev \
             libgtk-3-dev

.PHONY: all deps build run test bench lint fmt clean

all: build

# deps installs the Debian packages the build needs, only when some are missing.
deps:
	@missing=""; for p in $(DEB_PKGS); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		if ! command -v apt-get >/dev/null; then echo "please install:$$missing" >&2; exit 1; fi; \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	fi
	$(GO) mod download

build: deps
	$(GO) build -o bin/ ./cmd/...

# run opens the GUI on the default collection (created in your data folder on first run).
run: deps
	$(GO) run ./cmd/deckhand

# test: the real binaries must build (cgo, GLFW), then every test runs on Fyne's test driver.
test: deps
	$(GO) build -o /dev/null ./cmd/deckhand-cli
	$(GO) build -o /dev/null ./cmd/deckhand
	$(GO) vet -tags ci $(PKGS)
	$(GO) test -tags ci -count=1 $(PKGS)

# bench runs the benchmark suite (bench/run.sh: 10k and 100k notes, floors, outside tools)
# and prints the table of docs/benchmarks.md; results in bench/out/. One run of each (BENCH_COUNT=1)
# takes about 15 minutes on 2 cores once the collections are cached; the default 3 runs, ~45.
bench:
	GO=$(GO) sh bench/run.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags ci $(PKGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin

# ---- Release packages (packaging/, see README "Install"). Not part of `make test`: each takes
# minutes. VERSION=1.2.3 (a leading v is fine) and BUILD=N override FyneApp.toml's; the results
# and their .sha256 files go to bin/dist/. The scripts install missing Debian packages first.
PKG_ENV = VERSION="$(VERSION)" BUILD="$(BUILD)" GO="$(GO)"

.PHONY: icons packages package-linux package-windows package-server package-darwin \
	verify-deb verify-windows

# icons re-renders assets/ from assets/icon.svg and icon-16.svg (only needed after editing them).
icons:
	packaging/need-debs.sh librsvg2-bin imagemagick
	packaging/icons.sh

packages: package-linux package-windows package-server

# Linux: fyne's .tar.xz and a .deb (desktop entry, icons, .apkg/.colpkg MIME types).
package-linux: deps
	packaging/need-debs.sh dpkg-dev xz-utils
	$(PKG_ENV) packaging/linux/build.sh

# Windows, cross-built with mingw-w64: Deckhand.exe, NSIS setup.exe, MSI and zip.
package-windows:
	packaging/need-debs.sh gcc-mingw-w64-x86-64 nsis wixl msitools p7zip-full zip
	$(PKG_ENV) packaging/windows/build.sh

# deckhand-syncd server tarballs (systemd unit, example config) and deckhand-cli archives.
package-server:
	packaging/need-debs.sh zip
	$(PKG_ENV) packaging/server/build.sh

# macOS .app and .dmg: only on a Mac (the release workflow's macOS job).
package-darwin:
	$(PKG_ENV) packaging/darwin/build.sh

# Installs the .deb into a fresh Debian root (debootstrap), opens .apkg-association checks,
# launches the app under Xvfb for a screenshot, then purges it and checks nothing is left.
verify-deb:
	packaging/need-debs.sh debootstrap xvfb imagemagick
	$(PKG_ENV) packaging/linux/verify-deb.sh

# Lists what the Windows installers install: files, shortcuts, registry keys.
verify-windows:
	packaging/need-debs.sh msitools p7zip-full
	$(PKG_ENV) packaging/windows/verify.sh

# smoke runs the real app under Xvfb on a generated collection, drives it with xdotool and
# saves screenshots (SMOKE_OUT, default bin/smoke; SMOKE_NOTES notes, default 20000).
SMOKE_OUT   ?= bin/smoke
SMOKE_NOTES ?= 20000
.PHONY: smoke
smoke: deps
	GO=$(GO) sh cmd/deckhand/smoke.sh $(SMOKE_OUT) $(SMOKE_NOTES)
