"""Helpers for comparing keraton's recurrent layers with real Keras 3 given the same weights."""

import numpy as np
import torch


def to_numpy(x):
    if isinstance(x, (list, tuple)):
        return [to_numpy(t) for t in x]
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def flat(x):
    if isinstance(x, (list, tuple)):
        out = []
        for t in x:
            out.extend(flat(t))
        return out
    return [x]


def random_weights(layer, seed=0, scale=0.5):
    rng = np.random.default_rng(seed)
    return [rng.normal(scale=scale, size=w.shape).astype("float32") for w in layer.get_weights()]


def compare(keras_layer, our_layer, x, seed=0, keras_kwargs=None, our_kwargs=None, atol=1e-5,
            training=False):
    """Build both on ``x``, give both the same random weights, assert equal outputs; return ours."""
    keras_kwargs = keras_kwargs or {}
    our_kwargs = our_kwargs or {}
    x_np = to_numpy(x)
    keras_layer(x_np, **keras_kwargs)
    our_layer(torch.as_tensor(x_np), **our_kwargs)
    weights = random_weights(keras_layer, seed)
    keras_layer.set_weights(weights)
    our_layer.set_weights(weights)
    for got, want in zip(our_layer.get_weights(), weights):
        np.testing.assert_array_equal(got, want)
    want = flat(to_numpy(keras_layer(x_np, training=training, **keras_kwargs)))
    got = flat(to_numpy(our_layer(torch.as_tensor(x_np), training=training, **our_kwargs)))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=atol)
    return got


def masked_batch(batch=4, steps=6, features=3, seed=0, layout="right"):
    """Float sequences whose padded steps are all-zero, and their boolean mask."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, steps, features)).astype("float32")
    mask = np.ones((batch, steps), bool)
    lengths = [steps, steps - 2, 1, steps - 3][:batch]
    for b, n in enumerate(lengths):
        if layout == "right":
            mask[b, n:] = False
        elif layout == "left":
            mask[b, : steps - n] = False
        else:  # holes in the middle
            mask[b, 1 : 1 + (steps - n)] = False
    x[~mask] = 0.0
    return x, mask


# Options every built-in recurrent layer is checked with against Keras (inference mode).
OPTIONS = [
    {},
    {"return_sequences": True},
    {"return_state": True},
    {"return_sequences": True, "return_state": True},
    {"go_backwards": True},
    {"go_backwards": True, "return_sequences": True, "return_state": True},
    {"use_bias": False, "return_sequences": True},
    {"activation": "relu", "return_sequences": True},
    {"dropout": 0.3, "recurrent_dropout": 0.4, "return_sequences": True},
]

MASK_CASES = [
    (layout, options)
    for layout in ("right", "left", "middle")
    for options in (
        {},
        {"return_sequences": True},
        {"return_sequences": True, "go_backwards": True},
        {"go_backwards": True, "return_state": True},
        {"return_sequences": True, "zero_output_for_mask": True},
        {"return_sequences": True, "go_backwards": True, "zero_output_for_mask": True},
    )
]


def check_options(keras_cls, our_cls, options, units=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(3, 5, 6)).astype("float32")
    compare(keras_cls(units, **options), our_cls(units, **options), x, seed=seed)


def check_mask(keras_cls, our_cls, layout, options, units=4, seed=0):
    x, mask = masked_batch(layout=layout, seed=seed)
    compare(keras_cls(units, **options), our_cls(units, **options), x, seed=seed,
            keras_kwargs={"mask": mask}, our_kwargs={"mask": torch.as_tensor(mask)})


def check_initial_state(keras_cls, our_cls, n_states, units=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(3, 5, 6)).astype("float32")
    states = [rng.normal(size=(3, units)).astype("float32") for _ in range(n_states)]
    compare(keras_cls(units, return_state=True), our_cls(units, return_state=True), x, seed=seed,
            keras_kwargs={"initial_state": states},
            our_kwargs={"initial_state": [torch.as_tensor(s) for s in states]})


def check_stateful(keras, keras_cls, our_cls, units=4, seed=0):
    """Two consecutive batches carry the state; reset_state() starts again from zeros."""
    import keraton

    rng = np.random.default_rng(seed)
    x1, x2 = (rng.normal(size=(2, 5, 3)).astype("float32") for _ in range(2))
    k_layer = keras_cls(units, stateful=True, return_sequences=True)
    ours = our_cls(units, stateful=True, return_sequences=True)
    k_model = keras.Sequential([keras.Input(batch_shape=(2, 5, 3)), k_layer])
    o_model = keraton.Sequential([keraton.Input(batch_shape=(2, 5, 3)), ours])
    weights = random_weights(k_layer, seed)
    k_layer.set_weights(weights)
    ours.set_weights(weights)
    outs = []
    for x in (x1, x2):
        want = to_numpy(k_model(x))
        got = to_numpy(o_model(torch.as_tensor(x)))
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
        outs.append(got)
    ours.reset_states()
    k_layer.reset_state()
    got = to_numpy(o_model(torch.as_tensor(x2)))
    np.testing.assert_allclose(got, to_numpy(k_model(x2)), rtol=1e-5, atol=1e-5)
    # The carried state mattered: from zeros the second batch gives something else.
    assert not np.allclose(got, outs[1], atol=1e-3)


def check_fused_matches_loop(our_cls, options, mask_layout=None, units=4, seed=0):
    """The fused kernel and the Python step loop give the same outputs and gradients."""
    rng = np.random.default_rng(seed)
    if mask_layout is None:
        x, mask = rng.normal(size=(3, 5, 6)).astype("float32"), None
    else:
        x, mask = masked_batch(layout=mask_layout, seed=seed)
    results = []
    for fused in (True, False):
        torch.manual_seed(0)
        layer = our_cls(units, **options)
        if not fused:
            layer._fused_call = lambda *args: None
        else:
            taken = []
            layer._fused_call = _recording(layer._fused_call, taken)
        xt = torch.as_tensor(x).requires_grad_(True)
        kwargs = {} if mask is None else {"mask": torch.as_tensor(mask)}
        layer(xt, **kwargs)
        layer.set_weights(random_weights(layer, seed))
        out = flat(layer(xt, **kwargs))
        sum((o * torch.linspace(0.5, 1.5, o.numel()).reshape(o.shape)).sum() for o in out).backward()
        results.append([o.detach() for o in out] + [xt.grad] + [w.grad for w in layer.weights])
        if fused:
            assert taken and all(t is not None for t in taken), "the fused path did not run"
    for a, b in zip(*results):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


def _recording(fn, results):
    def wrapper(*args):
        results.append(fn(*args))
        return results[-1]

    return wrapper
