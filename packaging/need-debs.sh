#!/usr/bin/env bash
# need-debs.sh PKG... installs the Debian packages among PKG that are missing (apt-get, with
# sudo unless root). The packaging make targets call it, like `make deps` does for the build.
set -euo pipefail
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
command -v apt-get >/dev/null || {
	echo "please install:$missing" >&2
	exit 1
}
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
echo "installing:$missing"
# shellcheck disable=SC2086 # word splitting of the package list is intended
$sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
