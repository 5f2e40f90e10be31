"""Operating-system integration: login items, single instance, client tool files."""

__all__: list[str] = []
