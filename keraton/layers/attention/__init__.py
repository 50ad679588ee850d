"""attention layers."""

__all__: list = []
