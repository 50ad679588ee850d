"""Shared helpers of the ImageNet applications, as ``keras.applications.imagenet_utils``.

``preprocess_input`` (modes ``caffe``/``tf``/``torch``), ``decode_predictions``, the input-shape
validation every application runs, and the weight-file loading through ``get_file``.
"""

import json
import os
import warnings

import numpy as np
import torch

from keraton import activations, backend
from keraton import layers as keras_layers

CLASS_INDEX = None
CLASS_INDEX_PATH = "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"

_MEANS = {"caffe": [103.939, 116.779, 123.68], "torch": [0.485, 0.456, 0.406]}
_STDS = {"torch": [0.229, 0.224, 0.225]}


def preprocess_input(x, data_format=None, mode="caffe"):
    """Preprocess a batch of images with values in [0, 255], as Keras's ``imagenet_utils``.

    ``mode="caffe"``: RGB to BGR, then subtract the ImageNet BGR means; ``"tf"``: scale to [-1, 1];
    ``"torch"``: scale to [0, 1], then normalise each channel by ImageNet's mean and std. A float
    NumPy array is modified in place and returned, as in Keras; a tensor gives a new tensor, and a
    symbolic ``keras.Input`` a symbolic result (as Keras, so that a functional model can start with
    ``x = keras.applications.mobilenet_v2.preprocess_input(inputs)``).

    Example:
        >>> preprocess_input(np.full((1, 2, 2, 3), 255.0), mode="tf")[0, 0, 0]
        array([1., 1., 1.])
    """
    if mode not in {"caffe", "tf", "torch"}:
        raise ValueError(f"preprocess_input: expected mode to be one of 'caffe', 'tf' or 'torch'. "
                         f"Received: mode={mode!r}")
    if data_format is None:
        data_format = backend.image_data_format()
    elif data_format not in {"channels_first", "channels_last"}:
        raise ValueError("preprocess_input: expected data_format to be 'channels_first' or "
                         f"'channels_last'. Received: data_format={data_format!r}")
    if isinstance(x, torch.Tensor) or backend.is_keras_tensor(x):
        return _preprocess_tensor(x, data_format, mode)
    x = np.asarray(x)
    if not issubclass(x.dtype.type, np.floating):
        x = x.astype(backend.floatx(), copy=False)
    channel_axis = -1 if data_format == "channels_last" else (0 if x.ndim == 3 else 1)
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    if mode == "torch":
        x /= 255.0
    else:
        x = np.flip(x, axis=channel_axis)
    x -= _channel_constant(_MEANS[mode], x.ndim, channel_axis).astype(x.dtype)
    if mode in _STDS:
        x /= _channel_constant(_STDS[mode], x.ndim, channel_axis).astype(x.dtype)
    return x


def _channel_constant(values, ndim, channel_axis):
    """``values`` (one per channel) shaped to broadcast along ``channel_axis`` of an ``ndim`` batch."""
    shape = [1] * ndim
    shape[channel_axis] = len(values)
    return np.asarray(values).reshape(shape)


def _preprocess_tensor(x, data_format, mode):
    """``preprocess_input`` for a torch tensor or a symbolic ``KerasTensor``, with ``keraton.ops``."""
    from keraton import ops

    if not backend.is_float_dtype(x.dtype):
        x = ops.cast(x, backend.floatx())
    ndim = len(x.shape)
    channel_axis = -1 if data_format == "channels_last" else (0 if ndim == 3 else 1)
    if mode == "tf":
        return x / 127.5 - 1.0
    if mode == "torch":
        x = x / 255.0
    else:
        x = ops.flip(x, axis=channel_axis)
    x = x - ops.convert_to_tensor(_channel_constant(_MEANS[mode], ndim, channel_axis), dtype=x.dtype)
    if mode in _STDS:
        x = x / ops.convert_to_tensor(_channel_constant(_STDS[mode], ndim, channel_axis), dtype=x.dtype)
    return x


def decode_predictions(preds, top=5):
    """Decode a ``(samples, 1000)`` batch of ImageNet predictions, as Keras.

    Returns one list per sample of ``(class_name, class_description, score)`` tuples, best first.
    The class index JSON comes from Keras's URL through ``keraton.utils.get_file`` (cached) unless
    ``imagenet_utils.CLASS_INDEX`` is already set.

    Example:
        >>> decode_predictions(model.predict(images), top=3)[0][0]
        ('n02123045', 'tabby', 0.62)
    """
    global CLASS_INDEX
    preds = preds.detach().cpu().numpy() if isinstance(preds, torch.Tensor) else np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError("decode_predictions expects a batch of predictions (a 2D array of shape "
                         f"(samples, 1000)). Received array with shape: {preds.shape}")
    if CLASS_INDEX is None:
        from keraton.utils.file_utils import get_file

        fpath = get_file("imagenet_class_index.json", CLASS_INDEX_PATH, cache_subdir="models",
                         file_hash=CLASS_INDEX_HASH)
        with open(fpath) as f:
            CLASS_INDEX = json.load(f)
    results = []
    for pred in preds:
        top_indices = pred.argsort()[-top:][::-1]
        result = [tuple(CLASS_INDEX[str(i)]) + (pred[i],) for i in top_indices]
        result.sort(key=lambda item: item[2], reverse=True)
        results.append(result)
    return results


def obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten,
                       weights=None, name="application"):
    """Validate or default an application's input shape, with Keras's rules and messages."""
    input_shape = tuple(input_shape) if input_shape is not None else None
    channels_first = data_format == "channels_first"
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if channels_first else input_shape[-1]
        if channels not in {1, 3}:
            warnings.warn(f"{name}: this model usually expects 1 or 3 input channels, but "
                          f"input_shape={input_shape} has {channels}.", stacklevel=3)
        default_shape = ((channels, default_size, default_size) if channels_first
                         else (default_size, default_size, channels))
    else:
        default_shape = (3, default_size, default_size) if channels_first else (default_size, default_size, 3)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and input_shape != default_shape:
            raise ValueError(f"{name}: when setting include_top=True and loading 'imagenet' weights, "
                             f"input_shape should be {default_shape}. Received: input_shape={input_shape}")
        return default_shape
    if input_shape:
        if len(input_shape) != 3:
            raise ValueError(f"{name}: input_shape must be a tuple of three integers. "
                             f"Received: input_shape={input_shape}")
        channels = input_shape[0] if channels_first else input_shape[-1]
        if channels != 3 and weights == "imagenet":
            raise ValueError(f"{name}: the input must have 3 channels; Received input_shape={input_shape}")
        spatial = input_shape[1:] if channels_first else input_shape[:2]
        if any(size is not None and size < min_size for size in spatial):
            raise ValueError(f"{name}: input size must be at least {min_size}x{min_size}; "
                             f"Received: input_shape={input_shape}")
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if channels_first else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError(f"{name}: if include_top is True, you should specify a static input_shape. "
                         f"Received: input_shape={input_shape}")
    return input_shape


def correct_pad(inputs, kernel_size):
    """Zero-padding ``((top, bottom), (left, right))`` for a strided 'valid' conv, as Keras."""
    img_dim = 2 if backend.image_data_format() == "channels_first" else 1
    input_size = tuple(inputs.shape[img_dim:img_dim + 2])
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if input_size[0] is None else (1 - input_size[0] % 2, 1 - input_size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


def validate_activation(classifier_activation, weights):
    """Raise if pretrained weights are combined with a top activation other than softmax/None."""
    if weights is None:
        return
    if activations.get(classifier_activation) not in {activations.get("softmax"), activations.get(None)}:
        raise ValueError("Only None and 'softmax' activations are allowed for the classifier_activation "
                         "argument when using pretrained weights with include_top=True; Received: "
                         f"classifier_activation={classifier_activation!r}")


def validate_weights(weights, include_top, classes, name):
    """Check the ``weights``/``classes`` arguments as every Keras application does."""
    if not (weights in {"imagenet", None} or (isinstance(weights, (str, os.PathLike)) and os.path.exists(weights))):
        raise ValueError(f"{name}: the weights argument should be either None (random initialization), "
                         "'imagenet' (pre-training on ImageNet), or the path to the weights file to be "
                         f"loaded. Received: weights={weights!r}")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(f"{name}: if using weights='imagenet' with include_top=True, classes should be "
                         f"1000. Received: classes={classes}")


def image_input(input_tensor, input_shape):
    """The model's input: a new ``Input`` or the given (symbolic) ``input_tensor``."""
    if input_tensor is None:
        return keras_layers.Input(shape=input_shape)
    if backend.is_keras_tensor(input_tensor):
        return input_tensor
    return keras_layers.Input(tensor=input_tensor, shape=input_shape)


def model_inputs(input_tensor, img_input):
    """The inputs the model is built from: the sources of ``input_tensor`` when one was given."""
    if input_tensor is None:
        return img_input
    if not backend.is_keras_tensor(input_tensor):
        return img_input
    sources, seen, stack = [], set(), [input_tensor]
    while stack:
        t = stack.pop()
        layer, node_index, _ = t._keras_history
        node = layer._inbound_nodes[node_index]
        if node.is_input:
            if id(t) not in seen:
                seen.add(id(t))
                sources.append(t)
        else:
            stack.extend(node.input_tensors)
    return sources[0] if len(sources) == 1 else sources


def top_or_pooling(x, include_top, pooling, classes, classifier_activation, weights, named_pool=False):
    """Keras's head: GlobalAveragePooling + ``predictions`` Dense, or the optional pooling."""
    if include_top:
        x = keras_layers.GlobalAveragePooling2D(name="avg_pool")(x)
        validate_activation(classifier_activation, weights)
        return keras_layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    return pool(x, pooling, named_pool)


def pool(x, pooling, named=False):
    """The optional global pooling of a headless application (``pooling='avg'|'max'|None``).

    ``named``: the pooling layers are called ``avg_pool``/``max_pool``, as in Keras's ResNet,
    DenseNet and EfficientNet (the others leave them auto-named).
    """
    if pooling == "avg":
        return keras_layers.GlobalAveragePooling2D(name="avg_pool" if named else None)(x)
    if pooling == "max":
        return keras_layers.GlobalMaxPooling2D(name="max_pool" if named else None)(x)
    return x


def load_weights(model, weights, file_name, origin, file_hash):
    """Load ``weights``: Keras's published file for ``'imagenet'`` (via ``get_file``) or a path."""
    if weights == "imagenet":
        from keraton.utils.file_utils import get_file

        weights = get_file(file_name, origin, cache_subdir="models", file_hash=file_hash)
    if weights is not None:
        model.load_weights(weights)
    return model
