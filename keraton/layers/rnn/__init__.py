"""rnn layers."""

__all__: list = []
