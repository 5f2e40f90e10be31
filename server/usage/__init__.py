"""Usage statistics."""
