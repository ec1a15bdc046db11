# Deckhand build, run and test entry points. `make run` and `make test` are what the README
# promises a new user; both install what a fresh Debian/Ubuntu machine lacks first.

GO        ?= go
PKGS      := ./...
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# C headers Fyne's GLFW driver needs to build with cgo (see docs and ../shared spec).
DEB_PKGS  := gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev \
             libxinerama-dev libxi-dev libxxf86vm-dev libwayland-dev libxkbcommon-dev

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

bench:
	$(GO) test -tags ci -run '^$$' -bench . -benchmem -timeout 60m $(PKGS)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags ci $(PKGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
