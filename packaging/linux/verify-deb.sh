#!/usr/bin/env bash
# Installs the .deb on a clean Debian 12 (a debootstrap root, copied fresh for every run), checks
# the desktop integration the way a file manager uses it, double-clicks an .apkg the way GNOME
# Files does (`gio open`), screenshots the window under Xvfb, then purges the package and checks
# that nothing of it is left. Needs root, debootstrap, Xvfb and ImageMagick's import.
# `make verify-deb` runs it after `make package-linux`.
#
#   packaging/linux/verify-deb.sh [FILE.apkg]   (default: a small deck package made by deckhand-cli)
#
# VERIFY_ROOT (default /var/tmp/deckhand-verify) holds the pristine root and the working copy;
# it lives outside the checkout so `go ./...` never walks a Debian tree.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

[ "$(id -u)" = 0 ] || die "run as root (debootstrap and chroot)"
DEBVER=${VERSION/-/\~}
DEB="$DIST/linux/deckhand_${DEBVER}_amd64.deb"
[ -f "$DEB" ] || die "$DEB missing: run make package-linux"
VERIFY_ROOT=${VERIFY_ROOT:-/var/tmp/deckhand-verify}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
PRISTINE="$VERIFY_ROOT/bookworm-pristine"
R="$VERIFY_ROOT/root"
# A display number nobody else on the machine uses (other builds may run their own Xvfb).
if [ -z "${DISPLAY_NUM:-}" ]; then
	for n in $(seq 170 199); do
		[ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ] || { DISPLAY_NUM=$n && break; }
	done
fi
SHOT="$DIST/linux/verify-screenshot.png"

fail=0
check() { # check DESCRIPTION COMMAND...
	if "${@:2}" >/dev/null 2>&1; then
		echo "ok    $1"
	else
		echo "FAIL  $1"
		fail=1
	fi
}
in_root() { chroot "$R" env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
	DEBIAN_FRONTEND=noninteractive "$@"; }

xvfb_pid=""
teardown() {
	[ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null
	# Kill what still runs inside the root (the app), then unmount before anything is removed.
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$R" ] && kill -9 "${p#/proc/}" 2>/dev/null
	done
	mountpoint -q "$R/proc" && umount -l "$R/proc"
	cleanup
}
trap teardown EXIT

if [ ! -x "$PRISTINE/bin/sh" ]; then
	echo "== debootstrap bookworm (minbase) into $PRISTINE"
	rm -rf "$PRISTINE" && mkdir -p "$VERIFY_ROOT"
	debootstrap --variant=minbase bookworm "$PRISTINE" "$MIRROR" >"$VERIFY_ROOT/debootstrap.log"
fi
echo "== fresh copy of the clean root"
mountpoint -q "$R/proc" && die "$R/proc still mounted"
rm -rf "$R" && cp -a "$PRISTINE" "$R"
cp /etc/resolv.conf "$R/etc/resolv.conf"
mount -t proc proc "$R/proc"
cp "$DEB" "$R/tmp/deckhand.deb"

# The file to double-click: the caller's, or one the CLI makes in the root after install.
apkg=/tmp/Test\ deck.apkg
if [ $# -gt 0 ]; then
	cp "$1" "$R$apkg"
fi

echo "== apt-get install ./deckhand.deb (resolves Depends, brings Recommends)"
in_root apt-get update -q >/dev/null
in_root apt-get install -y -q /tmp/deckhand.deb >"$VERIFY_ROOT/install.log" 2>&1 ||
	{ tail -n 30 "$VERIFY_ROOT/install.log"; die "install failed"; }
grep -E '^(Setting up|Processing triggers)' "$VERIFY_ROOT/install.log" | grep -Ei 'deckhand|mime|desktop|icon' || true
echo "   $(grep -c '^Setting up' "$VERIFY_ROOT/install.log") packages set up"
in_root dpkg -L deckhand | sort >"$VERIFY_ROOT/files.txt"
# What a desktop session has and the test uses: gio (GLib's launcher, used by GNOME Files and
# xdg-open), desktop-file-utils (mimeinfo.cache), a D-Bus session for the app, xwininfo.
in_root apt-get install -y -q --no-install-recommends libglib2.0-bin desktop-file-utils dbus-x11 x11-utils \
	>>"$VERIFY_ROOT/install.log" 2>&1 || die "installing the desktop tools failed"

echo "== what the package installed"
in_root dpkg -s deckhand | grep -E '^(Status|Version|Depends|Recommends|Installed-Size)'
while read -r f; do
	if [ -f "$R$f" ]; then echo "   $f"; fi
done <"$VERIFY_ROOT/files.txt"
check "deckhand is installed" bash -c "chroot '$R' dpkg -s deckhand | grep -q 'Status: install ok installed'"
check "deckhand and deckhand-cli on PATH" in_root sh -c 'command -v deckhand && command -v deckhand-cli'
check "binary finds all its libraries" bash -c "! chroot '$R' ldd /usr/bin/deckhand | grep -q 'not found'"
check "deckhand-cli runs" in_root deckhand-cli --help
check "desktop entry valid" in_root desktop-file-validate "/usr/share/applications/$APP_ID.desktop"
check "hicolor icons 16..512 and scalable" bash -c "for s in 16 24 32 48 64 128 256 512; do \
	[ -f '$R/usr/share/icons/hicolor/'\$s'x'\$s'/apps/$APP_ID.png' ] || exit 1; done; \
	[ -f '$R/usr/share/icons/hicolor/scalable/apps/$APP_ID.svg' ]"
check "MIME database knows *.apkg (update-mime-database trigger ran)" \
	grep -q 'application/x-apkg:\*\.apkg' "$R/usr/share/mime/globs2"
check "MIME database knows *.colpkg" grep -q 'application/x-colpkg:\*\.colpkg' "$R/usr/share/mime/globs2"

if [ ! -f "$R$apkg" ]; then
	in_root deckhand-cli init /tmp/src.anki2 >/dev/null
	in_root deckhand-cli --col /tmp/src.anki2 add --deck "Verify::Deck" --type Basic \
		--field Front=cat --field Back=Katze >/dev/null
	in_root deckhand-cli --col /tmp/src.anki2 export "$apkg" >/dev/null 2>&1 || true
	[ -f "$R$apkg" ] || die "no .apkg to open: pass one as the argument"
fi
check ".apkg detected as application/x-apkg (gio)" bash -c \
	"chroot '$R' gio info -a standard::content-type '$apkg' | grep -q 'application/x-apkg'"
check "Deckhand is the default application for application/x-apkg" bash -c \
	"chroot '$R' gio mime application/x-apkg | grep -q 'Default application.*$APP_ID.desktop'"
check "Deckhand is the default application for application/x-colpkg" bash -c \
	"chroot '$R' gio mime application/x-colpkg | grep -q 'Default application.*$APP_ID.desktop'"
check "update-desktop-database lists it" grep -q "application/x-apkg=.*$APP_ID.desktop" \
	"$R/usr/share/applications/mimeinfo.cache"

echo "== double-click: gio open '$apkg' under Xvfb :$DISPLAY_NUM"
# X over TCP: nothing of the host needs to be mounted into the root.
Xvfb ":$DISPLAY_NUM" -screen 0 1280x800x24 -listen tcp -ac -nolisten unix >"$VERIFY_ROOT/xvfb.log" 2>&1 &
xvfb_pid=$!
sleep 2
# A login session has these; a bare chroot does not.
mkdir -p "$R/root/.cache" "$R/root/.config" "$R/run/user/0" && chmod 700 "$R/run/user/0"
in_root env DISPLAY="127.0.0.1:$DISPLAY_NUM" XDG_RUNTIME_DIR=/run/user/0 \
	dbus-launch gio open "$apkg" >"$VERIFY_ROOT/app.log" 2>&1 &
app_pid=""
for _ in $(seq 1 40); do
	sleep 0.5
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$R" ] || continue
		[ "$(readlink "$p/exe" 2>/dev/null)" = "$R/usr/bin/deckhand" ] && app_pid=${p#/proc/}
	done
	[ -n "$app_pid" ] && break
done
if [ -n "$app_pid" ]; then
	echo "   running: $(tr '\0' ' ' <"/proc/$app_pid/cmdline")"
	check "the app got the file on its command line" grep -q "Test deck.apkg" "/proc/$app_pid/cmdline"
else
	check "gio open started /usr/bin/deckhand" false
fi
sleep 8
DISPLAY=":$DISPLAY_NUM" import -display "127.0.0.1:$DISPLAY_NUM" -window root "$SHOT" 2>/dev/null ||
	import -display "127.0.0.1:$DISPLAY_NUM" -window root "$SHOT"
echo "   screenshot: $SHOT"
check "the app is still running after 8 s" test -n "$app_pid" -a -d "/proc/$app_pid"
# The window as the desktop sees it: its title and WM_CLASS (the .desktop's StartupWMClass).
chroot "$R" env DISPLAY="127.0.0.1:$DISPLAY_NUM" xwininfo -root -children 2>/dev/null |
	grep -i '"deckhand' | sed 's/^ */   /' >"$VERIFY_ROOT/windows.txt" || true
cat "$VERIFY_ROOT/windows.txt"
check "a Deckhand window is mapped" grep -q '"Deckhand' "$VERIFY_ROOT/windows.txt"
# GLFW takes X11's WM_CLASS from the title the window had when first shown; the .desktop says
# StartupWMClass=Deckhand (as fyne writes it), which X11 docks use to group the window with
# its launcher. Only the app can make them agree, so this is reported, not failed.
if ! grep -q '("[^"]*" "Deckhand")' "$VERIFY_ROOT/windows.txt"; then
	echo "note  WM_CLASS is not \"Deckhand\": X11 docks may not group the window with its launcher"
fi
echo "   app log:" && sed -n '1,10p' "$VERIFY_ROOT/app.log" | sed 's/^/   | /'
[ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null
sleep 1

echo "== apt-get purge deckhand"
in_root apt-get purge -y -q deckhand >"$VERIFY_ROOT/purge.log" 2>&1 || die "purge failed"
check "package gone from dpkg" bash -c "! chroot '$R' dpkg -s deckhand"
left=$(while read -r f; do
	if [ -e "$R$f" ] && [ ! -d "$R$f" ]; then echo "$f"; fi
done <"$VERIFY_ROOT/files.txt")
check "none of its files left" test -z "$left"
if [ -n "$left" ]; then echo "$left"; fi
check "MIME types gone with it" bash -c "! grep -q 'x-apkg' '$R/usr/share/mime/globs2'"
check "mimeinfo.cache no longer lists it" bash -c "! grep -q '$APP_ID' '$R/usr/share/applications/mimeinfo.cache'"
check "no deckhand .desktop or icon left" bash -c "! find '$R/usr' -name '$APP_ID*' | grep -q ."

[ "$fail" = 0 ] || die "some checks failed"
echo "all .deb checks passed"
