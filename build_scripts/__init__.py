"""Build scripts: icons, the PyInstaller bundle, the native installers (run as scripts, imported by tests)."""

__all__: list[str] = []
