# syntax=docker/dockerfile:1
# Deckhand's sync server for self-hosters: a static Go binary on a distroless base (no shell,
# no package manager; CA certificates, tzdata and a "nonroot" user only).
#
#   docker build -t deckhand-syncd .
#   docker run -d --name deckhand-syncd -p 27701:27701 -v deckhand-data:/data \
#       -e SYNC_USER1=alice:secret deckhand-syncd
#   docker exec -i deckhand-syncd deckhand-syncd adduser bob   # password on stdin
#
# Settings: DECKHAND_SYNCD_<SETTING> variables (LISTEN, DATA, TLS_CERT, TLS_KEY,
# MAX_PAYLOAD_MEGS, LOG_LEVEL) or a config file mounted and named with DECKHAND_SYNCD_CONFIG.
# See docs/sync-server.md.

ARG GO_VERSION=1.26

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY . .
ARG TARGETOS
ARG TARGETARCH
# The cache mounts keep downloaded modules and compiled packages between builds; the build
# fetches only the modules the server imports (not the desktop app's GUI libraries).
# Pure Go (modernc.org/sqlite): CGO_ENABLED=0 gives a static binary that runs on any base.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -buildvcs=false -ldflags "-s -w" -o /out/deckhand-syncd ./cmd/deckhand-syncd \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/deckhand-syncd /usr/local/bin/deckhand-syncd
# The volume's mount point must belong to the nonroot user (65532) for a new volume to be
# writable; Docker copies this ownership into a fresh named volume. A bind mount needs
# `chown 65532:65532 DIR` on the host.
COPY --from=build --chown=65532:65532 /out/data /data
ENV DECKHAND_SYNCD_DATA=/data \
    DECKHAND_SYNCD_LISTEN=0.0.0.0:27701
VOLUME ["/data"]
EXPOSE 27701
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/deckhand-syncd"]
CMD ["serve"]
