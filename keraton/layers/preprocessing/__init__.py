"""preprocessing layers."""

__all__: list = []
