"""CLIProxyAPI for desktop: the proxy core."""

__version__ = "0.1.0"
