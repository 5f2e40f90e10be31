"""CLIProxyAPI for desktop: the PySide6 tray app (talks to the proxy core only over the management API)."""
