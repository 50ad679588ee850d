"""``text_dataset_from_directory``: labelled text batches from a directory tree (Keras 3)."""

from __future__ import annotations

import numpy as np

from keraton.utils import dataset_utils


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                batch_size=32, max_length=None, shuffle=True, seed=None,
                                validation_split=None, subset=None, follow_links=False,
                                verbose=True):
    """Build batches of texts and labels from ``directory/<class>/<file>.txt`` files.

    Matches ``keras.utils.text_dataset_from_directory`` (classes, shuffling,
    ``validation_split``/``subset``, ``label_mode`` as in
    ``image_dataset_from_directory``); ``max_length`` truncates each text to
    that many characters.  Texts come as a NumPy array of Python ``str``
    (Keras gives ``tf.string`` tensors), ready for a ``TextVectorization``
    layer or a ``Tokenizer``.

    Returns a ``keraton.utils.PyDataset`` with ``class_names`` and
    ``file_paths``; a pair for ``subset="both"``.

    Example:

    >>> train = text_dataset_from_directory("aclImdb/train", batch_size=32)  # doctest: +SKIP
    """
    caller = "text_dataset_from_directory"
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    dataset_utils.check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    dataset_utils.check_labels_arg(labels, caller)
    dataset_utils.check_label_mode(label_mode, None, caller)
    file_paths, file_labels, class_names = dataset_utils.index_directory(
        directory, labels, (".txt",), class_names=class_names, shuffle=shuffle, seed=seed,
        follow_links=follow_links, verbose=verbose)
    num_classes = len(class_names) if class_names else 0
    dataset_utils.check_label_mode(label_mode, num_classes, caller)

    def load(path):
        with open(path, encoding="utf-8") as f:
            text = f.read()
        return text[:max_length] if max_length is not None else text

    def stack(texts):
        out = np.empty(len(texts), dtype=object)
        out[:] = texts
        return out

    def build(subset_name):
        paths, labs = dataset_utils.get_training_or_validation_split(
            file_paths, file_labels, validation_split, subset_name)
        if not paths:
            raise ValueError(f"{caller}: no text files found in directory {directory}. "
                             "Allowed format: .txt")
        labs = None if label_mode is None else dataset_utils.encode_labels(labs, label_mode, num_classes)
        return dataset_utils.FileBatches(paths, labs, load, batch_size, class_names,
                                         shuffle=shuffle, seed=seed, stack=stack)

    if subset == "both":
        return build("training"), build("validation")
    return build(subset)
