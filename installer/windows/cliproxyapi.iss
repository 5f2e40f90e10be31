; Inno Setup 6 script: per-user install of the CLIProxyAPI onedir bundle (no admin, no UAC prompt).
; Built by build_scripts/build.py --installer, which passes:
;   /DAppVersion=<package version> /DNumericVersion=<a.b.c.d> /DSourceDir=<dist\CLIProxyAPI> /DIconFile=<build\icons\app.ico>
;   /DOutputName=<CLIProxyAPI-<version>-windows-x64-setup>
; Values shared with the app are checked by tests/packaging (AppId, exe names, Run value, mutex).

#ifndef AppVersion
  #error Pass the version: ISCC /DAppVersion=X.Y.Z (build_scripts/build.py does)
#endif
#ifndef NumericVersion
  ; VersionInfoVersion takes only numbers (a.b.c.d): a pre-release such as 1.0rc1 needs this define
  #define NumericVersion AppVersion
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\CLIProxyAPI"
#endif
#ifndef IconFile
  #define IconFile "..\..\build\icons\app.ico"
#endif
#ifndef OutputName
  #define OutputName "CLIProxyAPI-" + AppVersion + "-windows-x64-setup"
#endif

#define AppName "CLIProxyAPI"
#define AppPublisher "CLIProxyAPI for desktop"
#define AppURL "https://github.com/router-for-me/CLIProxyAPI"
#define GuiExe "cliproxyapi-gui.exe"
#define CliExe "cliproxyapi.exe"
; The HKCU Run value the app's own "Start at login" setting reads and writes (gui/platform/autostart.py).
#define RunValue "CLIProxyAPI"
#define RunKey "Software\Microsoft\Windows\CurrentVersion\Run"
; The named mutex the running app holds (gui/platform/single_instance.py).
#define AppMutexName "CLIProxyAPI.Desktop.Running"
; Where the app keeps its files (server/config/paths.py: platformdirs, app "cliproxyapi", no author folder).
#define DataDir "{localappdata}\cliproxyapi"
#define AuthDir "{%USERPROFILE}\.cli-proxy-api"
; QSettings of the GUI (organisation and application name "CLIProxyAPI").
#define SettingsKey "Software\CLIProxyAPI"

[Setup]
; Never change AppId: upgrades find the installed copy by it.
AppId={{8F3C2A71-5D4E-4B9A-9C61-2E7B0D4A9F15}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
AppPublisherURL={#AppURL}
AppSupportURL={#AppURL}
AppUpdatesURL={#AppURL}/releases
VersionInfoVersion={#NumericVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\{#GuiExe}
UninstallDisplayName={#AppName}
OutputBaseFilename={#OutputName}
CloseApplications=yes
RestartApplications=no
AppMutex={#AppMutexName}

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "autostart"; Description: "Start {#AppName} when I log in"; GroupDescription: "Start-up:"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#GuiExe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#GuiExe}"; Tasks: desktopicon

[Registry]
Root: HKCU; Subkey: "{#RunKey}"; ValueType: string; ValueName: "{#RunValue}"; ValueData: """{app}\{#GuiExe}"" --autostart"; Tasks: autostart; Flags: uninsdeletevalue

[Run]
Filename: "{app}\{#GuiExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
Type: filesandordirs; Name: "{app}\_internal"

[Code]
var
  KeepUserData: Boolean;

procedure RemoveRunValue();
begin
  { The app's own "Start at login" setting may have written the value without the task. }
  RegDeleteValue(HKEY_CURRENT_USER, '{#RunKey}', '{#RunValue}');
end;

function InitializeUninstall(): Boolean;
begin
  KeepUserData := True;
  if not UninstallSilent() then
    KeepUserData := MsgBox('Keep your {#AppName} settings, account logins and usage history?' + #13#10 + #13#10 +
      'Choose Yes to keep them for a later install (recommended), No to delete them.',
      mbConfirmation, MB_YESNO or MB_DEFBUTTON1) <> IDNO;
  Result := True;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usUninstall then
    RemoveRunValue();
  if (CurUninstallStep = usPostUninstall) and not KeepUserData then
  begin
    DelTree(ExpandConstant('{#DataDir}'), True, True, True);
    DelTree(ExpandConstant('{#AuthDir}'), True, True, True);
    RegDeleteKeyIncludingSubkeys(HKEY_CURRENT_USER, '{#SettingsKey}');
  end;
end;
