"""The main window and its pages."""

__all__: list[str] = []
