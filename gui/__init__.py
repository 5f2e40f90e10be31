"""CLIProxyAPI for desktop: the PySide6 tray app (a minimal status window until the GUI lands)."""
