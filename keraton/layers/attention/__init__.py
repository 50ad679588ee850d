"""Attention layers: Attention, AdditiveAttention, MultiHeadAttention, GroupQueryAttention."""

from keraton.layers.attention.additive_attention import AdditiveAttention
from keraton.layers.attention.attention import Attention
from keraton.layers.attention.grouped_query_attention import (
    GroupedQueryAttention as GroupQueryAttention,
)
from keraton.layers.attention.multi_head_attention import MultiHeadAttention

__all__ = ["AdditiveAttention", "Attention", "GroupQueryAttention", "MultiHeadAttention"]
