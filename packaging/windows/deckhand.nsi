; Deckhand's Windows installer (NSIS 3, 64-bit, Unicode). Per-user: installs into
; %LOCALAPPDATA%\Programs\Deckhand and writes only HKCU, so no administrator rights are asked.
; It adds a Start-menu shortcut, opens .apkg/.colpkg files with Deckhand on double-click
; (Deckhand imports the file given on its command line) and registers an uninstaller in
; Settings > Apps. packaging/windows/build.sh runs it:
;   makensis -DVERSION=1.2.3 -DQUADVERSION=1.2.3.4 -DSTAGE=dir -DOUTFILE=setup.exe deckhand.nsi

; A 64-bit installer for a 64-bit program (Unicode; the amd64 stubs ship with NSIS 3).
Target amd64-unicode
ManifestDPIAware true
SetCompressor /SOLID lzma

!ifndef VERSION
  !error "define VERSION (makensis -DVERSION=1.2.3)"
!endif
!ifndef QUADVERSION
  !error "define QUADVERSION (makensis -DQUADVERSION=1.2.3.4)"
!endif
!ifndef STAGE
  !error "define STAGE, the folder with Deckhand.exe, deckhand-cli.exe, Deckhand.ico, LICENSE.txt"
!endif
!ifndef OUTFILE
  !define OUTFILE "Deckhand-${VERSION}-windows-amd64-setup.exe"
!endif

!define APPNAME "Deckhand"
!define EXE "Deckhand.exe"
!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Deckhand"
; Registry paths of the file association, all under HKCU\Software\Classes.
!define CLASSES "Software\Classes"

Name "${APPNAME}"
OutFile "${OUTFILE}"
RequestExecutionLevel user
InstallDir "$LOCALAPPDATA\Programs\${APPNAME}"
; A later install finds the folder the user chose last time.
InstallDirRegKey HKCU "Software\${APPNAME}" "InstallDir"
BrandingText "${APPNAME} ${VERSION}"

VIProductVersion "${QUADVERSION}"
VIFileVersion "${QUADVERSION}"
VIAddVersionKey "ProductName" "${APPNAME}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${QUADVERSION}"
VIAddVersionKey "FileDescription" "${APPNAME} ${VERSION} setup"
VIAddVersionKey "LegalCopyright" "Copyright (c) the Deckhand authors. MIT licence."

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "x64.nsh"

!define MUI_ICON "${STAGE}\Deckhand.ico"
!define MUI_UNICON "${STAGE}\Deckhand.ico"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\${EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "Start ${APPNAME}"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_LICENSE "${STAGE}\LICENSE.txt"
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

; Associate EXT (".apkg") with PROGID ("Deckhand.apkg"). Deckhand is always offered under
; "Open with"; it becomes the double-click default unless another program already is (for
; example Anki), which the user's own choice should not lose.
!macro Associate EXT PROGID DESC MIME
  WriteRegStr HKCU "${CLASSES}\${PROGID}" "" "${DESC}"
  WriteRegStr HKCU "${CLASSES}\${PROGID}\DefaultIcon" "" '"$INSTDIR\${EXE}",0'
  WriteRegStr HKCU "${CLASSES}\${PROGID}\shell\open\command" "" '"$INSTDIR\${EXE}" "%1"'
  WriteRegStr HKCU "${CLASSES}\${EXT}\OpenWithProgids" "${PROGID}" ""
  WriteRegStr HKCU "${CLASSES}\Applications\${EXE}\SupportedTypes" "${EXT}" ""
  ; HKCR is HKCU\Software\Classes over HKLM\Software\Classes; read both explicitly (Wine's
  ; HKCR shows only the machine half).
  ReadRegStr $0 HKCU "${CLASSES}\${EXT}" ""
  ${If} $0 == ""
    ReadRegStr $0 HKLM "${CLASSES}\${EXT}" ""
  ${EndIf}
  ${If} $0 == ""
  ${OrIf} $0 == "${PROGID}"
    WriteRegStr HKCU "${CLASSES}\${EXT}" "" "${PROGID}"
    WriteRegStr HKCU "${CLASSES}\${EXT}" "Content Type" "${MIME}"
  ${EndIf}
!macroend

; Undo Associate, leaving any other program's association alone.
!macro Unassociate EXT PROGID
  DeleteRegValue HKCU "${CLASSES}\${EXT}\OpenWithProgids" "${PROGID}"
  DeleteRegKey /ifempty HKCU "${CLASSES}\${EXT}\OpenWithProgids"
  ReadRegStr $0 HKCU "${CLASSES}\${EXT}" ""
  ${If} $0 == "${PROGID}"
    DeleteRegValue HKCU "${CLASSES}\${EXT}" ""
    DeleteRegValue HKCU "${CLASSES}\${EXT}" "Content Type"
  ${EndIf}
  DeleteRegKey /ifempty HKCU "${CLASSES}\${EXT}"
  DeleteRegKey HKCU "${CLASSES}\${PROGID}"
!macroend

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "${APPNAME} needs 64-bit Windows."
    Abort
  ${EndIf}
FunctionEnd

Section "Deckhand" SecMain
  SectionIn RO
  SetShellVarContext current
  SetOutPath "$INSTDIR"
  File "${STAGE}\Deckhand.exe"
  File "${STAGE}\deckhand-cli.exe"
  File "${STAGE}\Deckhand.ico"
  File "${STAGE}\LICENSE.txt"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortCut "$SMPROGRAMS\${APPNAME}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\${EXE}" 0 \
    SW_SHOWNORMAL "" "Manage Anki-compatible flashcard decks"

  WriteRegStr HKCU "Software\${APPNAME}" "InstallDir" "$INSTDIR"
  WriteRegStr HKCU "${CLASSES}\Applications\${EXE}" "FriendlyAppName" "${APPNAME}"
  WriteRegStr HKCU "${CLASSES}\Applications\${EXE}\shell\open\command" "" '"$INSTDIR\${EXE}" "%1"'
  !insertmacro Associate ".apkg" "Deckhand.apkg" "Anki deck package" "application/x-apkg"
  !insertmacro Associate ".colpkg" "Deckhand.colpkg" "Anki collection package" "application/x-colpkg"
  ; Tell Explorer the associations changed (SHCNE_ASSOCCHANGED), so icons update now.
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'

  WriteRegStr HKCU "${UNINSTKEY}" "DisplayName" "${APPNAME}"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayIcon" '"$INSTDIR\${EXE}",0'
  WriteRegStr HKCU "${UNINSTKEY}" "Publisher" "Deckhand"
  WriteRegStr HKCU "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTKEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTKEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTKEY}" "NoRepair" 1
  SectionGetSize ${SecMain} $0
  WriteRegDWORD HKCU "${UNINSTKEY}" "EstimatedSize" $0
SectionEnd

; The uninstaller removes the program, its shortcut and registry entries. The collection in
; %AppData%\Deckhand is the user's data and stays.
Section "Uninstall"
  SetShellVarContext current
  Delete "$SMPROGRAMS\${APPNAME}.lnk"
  Delete "$INSTDIR\Deckhand.exe"
  Delete "$INSTDIR\deckhand-cli.exe"
  Delete "$INSTDIR\Deckhand.ico"
  Delete "$INSTDIR\LICENSE.txt"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"

  !insertmacro Unassociate ".apkg" "Deckhand.apkg"
  !insertmacro Unassociate ".colpkg" "Deckhand.colpkg"
  DeleteRegKey HKCU "${CLASSES}\Applications\${EXE}"
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'

  DeleteRegKey HKCU "Software\${APPNAME}"
  DeleteRegKey HKCU "${UNINSTKEY}"
SectionEnd
