"""Activation layers."""

from keraton.layers.activations.activation import Activation
from keraton.layers.activations.elu import ELU
from keraton.layers.activations.leaky_relu import LeakyReLU
from keraton.layers.activations.prelu import PReLU
from keraton.layers.activations.relu import ReLU
from keraton.layers.activations.softmax import Softmax
from keraton.layers.activations.thresholded_relu import ThresholdedReLU

__all__ = ["ELU", "Activation", "LeakyReLU", "PReLU", "ReLU", "Softmax", "ThresholdedReLU"]
