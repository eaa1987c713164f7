#!/usr/bin/env bash
# s3-server-dist.sh — build the S3-compatible server the tiered storage tests start
# (github.com/johannesboyne/gofakes3's own main, from the Go module proxy) into a cache OUTSIDE
# the repository, and print the binary's path. Idempotent: with the binary present, no network.
#
# Why gofakes3 and not SeaweedFS (the first choice): `go install
# github.com/seaweedfs/seaweedfs/weed@<version>` is refused (its go.mod has replace directives),
# and building it as the main module from the proxy's source took far longer than CI's ~2 minute
# budget on a 2-core machine (README, Tiered storage). gofakes3 builds in 74 s with empty Go
# module and build caches (a fresh CI machine), 9-17 s with warm ones.
#
# Environment:
#   BUNKA_CACHE      cache root (default: $HOME/.cache/bunka)
#   GOFAKES3_VERSION (default below)
set -euo pipefail
VERSION="${GOFAKES3_VERSION:-v1.2.0}"
BUNKA_CACHE="${BUNKA_CACHE:-$HOME/.cache/bunka}"
DIR="$BUNKA_CACHE/gofakes3-$VERSION"
BIN="$DIR/bin/gofakes3"
if [ ! -x "$BIN" ]; then
  command -v go >/dev/null 2>&1 || { echo "s3-server-dist.sh: Go is not installed" >&2; exit 3; }
  mkdir -p "$DIR"
  started=$(date +%s)
  GOBIN="$DIR/bin" go install "github.com/johannesboyne/gofakes3/cmd/gofakes3@$VERSION" >&2
  echo "s3-server-dist.sh: built gofakes3 $VERSION in $(( $(date +%s) - started )) s" >&2
fi
echo "$BIN"
