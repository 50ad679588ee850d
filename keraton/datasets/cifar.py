"""Reading the pickled CIFAR batches (shared by cifar10 and cifar100) without arbitrary unpickling."""

from keraton.datasets.npz_utils import RestrictedUnpickler


def load_batch(fpath, label_key="labels"):
    """Return ``(data, labels)`` from one CIFAR batch file; data has shape ``(n, 3, 32, 32)``.

    As Keras 3's ``keras.src.datasets.cifar.load_batch``, through
    ``RestrictedUnpickler`` so only arrays and plain containers are rebuilt.
    """
    with open(fpath, "rb") as f:
        d = RestrictedUnpickler(f, encoding="bytes").load()
    d = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in d.items()}
    data = d["data"]
    return data.reshape(data.shape[0], 3, 32, 32), d[label_key]
