"""Attention layers: Attention, AdditiveAttention, MultiHeadAttention."""

from keraton.layers.attention.additive_attention import AdditiveAttention
from keraton.layers.attention.attention import Attention
from keraton.layers.attention.multi_head_attention import MultiHeadAttention

__all__ = ["AdditiveAttention", "Attention", "MultiHeadAttention"]
