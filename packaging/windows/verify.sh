#!/usr/bin/env bash
# Checks the Windows packages on Linux (no Windows here): what Deckhand.exe is (GUI subsystem,
# amd64, only system DLLs, icon + version + manifest resources), which files the NSIS
# setup.exe carries and which registry keys and shortcut its script writes, and the MSI's
# File, Shortcut, Registry and Directory tables. Exits non-zero when something is missing.
# `make verify-windows` runs it after `make package-windows`.
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

OUT=$DIST/windows
base="Deckhand-$VERSION-windows-amd64"
exe="$OUT/Deckhand.exe"
setup="$OUT/$base-setup.exe"
msi="$OUT/$base.msi"
for f in "$exe" "$setup" "$msi"; do
	[ -f "$f" ] || die "$f missing: run make package-windows"
done
fail=0
check() { # check DESCRIPTION COMMAND...: runs the command quietly, reports ok/FAIL
	if "${@:2}" >/dev/null 2>&1; then
		echo "ok    $1"
	else
		echo "FAIL  $1"
		fail=1
	fi
}
tmp=$(mktemp -d)
trap 'cleanup; rm -rf "$tmp"' EXIT

echo "== Deckhand.exe"
objdump=x86_64-w64-mingw32-objdump
command -v "$objdump" >/dev/null || objdump=objdump
"$objdump" -p "$exe" >"$tmp/pe.txt"
grep -E '^(Magic|Subsystem)|DLL Name' "$tmp/pe.txt" | sort -u
check "64-bit PE (PE32+)" grep -q 'Magic.*020b' "$tmp/pe.txt"
check "GUI subsystem (no console window)" grep -q 'Subsystem.*(Windows GUI)' "$tmp/pe.txt"
# Everything it imports ships with Windows: no mingw or libssp DLL to carry along.
check "imports only system DLLs" bash -c "! grep 'DLL Name' '$tmp/pe.txt' | grep -Eiv \
	'(kernel32|user32|gdi32|shell32|ole32|oleaut32|advapi32|opengl32|winmm|ws2_32|msvcrt|imm32|dwmapi|shcore|comdlg32|setupapi|hid|ntdll|bcrypt|crypt32|secur32|userenv|iphlpapi|dnsapi|version|powrprof|uxtheme|comctl32|api-ms-win-[a-z0-9-]+)\.dll'"
7z l "$exe" >"$tmp/rsrc.txt" 2>&1 || true
grep -E '\.rsrc' "$tmp/rsrc.txt" | awk '{print $NF}' | head -n 20
check "icon resource" grep -Eq '\.rsrc/(ICON|GROUP_ICON)' "$tmp/rsrc.txt"
check "version resource" grep -Eq '\.rsrc/(VERSION|version\.txt)' "$tmp/rsrc.txt"
check "manifest resource" grep -q '\.rsrc/MANIFEST' "$tmp/rsrc.txt"
# 7-Zip shows the version resource as UTF-16 text; strip the zero bytes to read it.
7z e -so "$exe" .rsrc/version.txt 2>/dev/null | tr -d '\0\r' >"$tmp/version.txt" || true
grep -E 'FILEVERSION|"(ProductName|ProductVersion|FileDescription)"' "$tmp/version.txt" | sed 's/^ */   /'
check "version resource says $NUMVER" grep -q "\"FileVersion\", *\"$NUMVER" "$tmp/version.txt"
check "product name Deckhand" grep -q '"ProductName", *"Deckhand"' "$tmp/version.txt"

echo "== $(basename "$setup") (NSIS)"
7z l "$setup" >"$tmp/nsis.txt"
sed -n '/^----/,/^----/p' "$tmp/nsis.txt" | sed '1d;$d' | awk '{print $NF}'
for f in Deckhand.exe deckhand-cli.exe Deckhand.ico LICENSE.txt; do
	check "carries $f" grep -q "$f" "$tmp/nsis.txt"
done
# The installer's behaviour is its script; check the generated calls rather than trusting it.
nsi="$ROOT/packaging/windows/deckhand.nsi"
# shellcheck disable=SC2016 # NSIS variables, matched literally
{
check "per-user (RequestExecutionLevel user)" grep -q '^RequestExecutionLevel user' "$nsi"
check "installs into %LOCALAPPDATA%\\Programs" grep -qF 'InstallDir "$LOCALAPPDATA\Programs\${APPNAME}"' "$nsi"
check "Start-menu shortcut" grep -qF 'CreateShortCut "$SMPROGRAMS\${APPNAME}.lnk" "$INSTDIR\${EXE}"' "$nsi"
check ".apkg association" grep -q 'Associate ".apkg" "Deckhand.apkg"' "$nsi"
check ".colpkg association" grep -q 'Associate ".colpkg" "Deckhand.colpkg"' "$nsi"
check "open command passes the file" grep -Fq "shell\\open\\command\" \"\" '\"\$INSTDIR\\\${EXE}\" \"%1\"'" "$nsi"
check "uninstaller registered" grep -qF 'WriteRegStr HKCU "${UNINSTKEY}" "UninstallString"' "$nsi"
check "uninstaller removes the association" grep -qF '!insertmacro Unassociate ".apkg" "Deckhand.apkg"' "$nsi"
}

echo "== $(basename "$msi") (MSI)"
msiinfo suminfo "$msi" | grep -E 'Subject|Template|Source|Security'
for t in File Shortcut Registry Directory Component; do
	msiinfo export "$msi" "$t" >"$tmp/$t.idt"
done
cut -f1,3,4 "$tmp/File.idt" | sed 1,3d
cut -f1,2,3,5 "$tmp/Shortcut.idt" | sed 1,3d
cut -f2,3,4,5 "$tmp/Registry.idt" | sed 1,3d | sort
# Word count 10 = compressed (2) + needs no elevation (8): a per-user package.
check "per-user package (no elevation)" bash -c "msiinfo suminfo '$msi' | grep -q '^Source: 10 '"
check "x64 package" bash -c "msiinfo suminfo '$msi' | grep -q 'Template: x64;1033'"
for f in Deckhand.exe deckhand-cli.exe; do
	check "installs $f" grep -q "	$f	" "$tmp/File.idt"
done
check "installs under LocalAppDataFolder\\Programs\\Deckhand" \
	grep -q "^INSTALLDIR	UserProgramsFolder	Deckhand" "$tmp/Directory.idt"
check "Start-menu shortcut to Deckhand.exe" grep -q "ProgramMenuFolder	Deckhand	.*\[INSTALLDIR\]Deckhand.exe" "$tmp/Shortcut.idt"
check ".apkg -> Deckhand.apkg (HKCU)" grep -q "^[^	]*	1	Software\\\\Classes\\\\.apkg		Deckhand.apkg" "$tmp/Registry.idt"
check ".colpkg -> Deckhand.colpkg (HKCU)" grep -q "^[^	]*	1	Software\\\\Classes\\\\.colpkg		Deckhand.colpkg" "$tmp/Registry.idt"
check "open command passes the file" grep -Fq 'Software\Classes\Deckhand.apkg\shell\open\command		"[INSTALLDIR]Deckhand.exe" "%1"' "$tmp/Registry.idt"
check "every component 64-bit with an HKCU key path" bash -c "sed 1,3d '$tmp/Component.idt' | awk -F'\t' '\$4 != 260 || \$6 !~ /^reg/ {bad=1} END {exit bad}'"
mkdir -p "$tmp/x"
(cd "$tmp/x" && msiextract "$msi" >/dev/null)
check "MSI's Deckhand.exe is the built one" bash -c "cmp -s '$exe' \"\$(find '$tmp/x' -name Deckhand.exe | head -n 1)\""

# With Wine (Debian's wine64) the installers really run: silent install, files, shortcut and
# registry, silent uninstall, nothing left, and an association another program already owned
# kept. Go 1.26 programs need Windows 10's bcryptprimitives.dll, which Wine 8 lacks, so the
# app itself is not started here (the release workflow's windows-smoke job does that part on
# Windows).
wine64=${WINE64:-/usr/lib/wine/wine64}
if [ -x "$wine64" ]; then
	echo "== under Wine: install, inspect, uninstall"
	export WINEPREFIX="$tmp/wine" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
	w() { timeout 300 "$wine64" "$@" 2>/dev/null | tr -d '\r'; }
	w wineboot --init >/dev/null
	user=$(w cmd /c 'echo %USERNAME%' | head -n 1)
	progs="$WINEPREFIX/drive_c/users/$user/AppData/Local/Programs/Deckhand"
	startmenu="$WINEPREFIX/drive_c/users/$user/AppData/Roaming/Microsoft/Windows/Start Menu/Programs"
	# reg output is dumped to files and grepped: simpler than quoting Wine calls into checks.
	key() { w reg query "$1" /s >"$2" || true; } # a missing key is an empty file
	# Another program owns .apkg already; Deckhand must leave that default alone.
	w reg add 'HKCU\Software\Classes\.apkg' /ve /d Other.apkg /f >/dev/null
	cp "$setup" "$tmp/setup.exe"
	w "$tmp/setup.exe" /S >/dev/null
	check "setup.exe /S installed Deckhand.exe, deckhand-cli.exe, uninstall.exe" \
		test -f "$progs/Deckhand.exe" -a -f "$progs/deckhand-cli.exe" -a -f "$progs/uninstall.exe"
	check "Start-menu shortcut" test -f "$startmenu/Deckhand.lnk"
	key 'HKCU\Software\Classes\.apkg' "$tmp/apkg.txt"
	key 'HKCU\Software\Classes\.colpkg' "$tmp/colpkg.txt"
	key 'HKCU\Software\Classes\Deckhand.apkg' "$tmp/progid.txt"
	key 'HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\Deckhand' "$tmp/arp.txt"
	sed 's/^/   /' "$tmp/apkg.txt" "$tmp/progid.txt" | grep -v '^ *$'
	check ".colpkg opens with Deckhand" grep -q 'Default).*Deckhand.colpkg' "$tmp/colpkg.txt"
	check "open command passes the file" grep -q 'Deckhand.exe" "%1"' "$tmp/progid.txt"
	check "another program's .apkg default kept" grep -q 'Default).*Other.apkg' "$tmp/apkg.txt"
	check "Deckhand offered under Open with for .apkg" grep -q '^ *Deckhand.apkg' "$tmp/apkg.txt"
	check "listed in Apps (Uninstall key)" grep -q "DisplayVersion.*$VERSION" "$tmp/arp.txt"
	w "C:\\users\\$user\\AppData\\Local\\Programs\\Deckhand\\uninstall.exe" /S >/dev/null
	for _ in $(seq 1 30); do [ -d "$progs" ] || break; sleep 1; done
	check "uninstall removed the folder" test ! -e "$progs"
	check "uninstall removed the shortcut" test ! -e "$startmenu/Deckhand.lnk"
	key 'HKCU\Software\Classes' "$tmp/classes.txt"
	key 'HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\Deckhand' "$tmp/arp.txt"
	check "uninstall removed Deckhand's keys" bash -c "! grep -qi deckhand '$tmp/classes.txt' '$tmp/arp.txt'"
	key 'HKCU\Software\Classes\.apkg' "$tmp/apkg.txt"
	check "the other program's .apkg default survives" grep -q 'Default).*Other.apkg' "$tmp/apkg.txt"
	w reg delete 'HKCU\Software\Classes\.apkg' /f >/dev/null

	cp "$msi" "$tmp/deckhand.msi"
	w msiexec /i "$tmp/deckhand.msi" /qn >/dev/null
	check "msiexec /i installed Deckhand.exe per user" test -f "$progs/Deckhand.exe"
	check "MSI Start-menu shortcut" test -f "$startmenu/Deckhand.lnk"
	key 'HKCU\Software\Classes\.apkg' "$tmp/apkg.txt"
	check "MSI .apkg association" grep -q 'Default).*Deckhand.apkg' "$tmp/apkg.txt"
	w msiexec /x "$tmp/deckhand.msi" /qn >/dev/null
	key 'HKCU\Software\Classes' "$tmp/classes.txt"
	check "msiexec /x removed the files" test ! -e "$progs"
	check "msiexec /x removed the shortcut" test ! -e "$startmenu/Deckhand.lnk"
	check "msiexec /x removed the keys" bash -c "! grep -qi deckhand '$tmp/classes.txt'"
	wineserver -k 2>/dev/null || true
else
	echo "== Wine not installed (apt-get install wine64): installers not run"
fi

[ "$fail" = 0 ] || die "some checks failed"
echo "all Windows package checks passed"
