"""keraton.random: Keras 3's ``keras.random`` on torch generators.

Seeded draws are compared number for number with Keras 3 on its torch backend
(same torch RNG, same seed derivation); distributions are checked with fixed
seeds and tolerances several standard errors wide, so nothing here can flake.
"""

import math

import numpy as np
import pytest
import torch

import keraton
import keraton.random as kr

NO_CUDA = pytest.mark.skipif(torch.cuda.is_available(),
                             reason="Keras draws on the GPU when there is one")

# name -> (keraton call, args shared with keras.random.<name>)
SEEDED = {
    "normal": ((3, 40), {"mean": 2.0, "stddev": 3.0}),
    "normal_f16": ((30,), {"dtype": "float16"}),
    "normal_f64": ((30,), {"dtype": "float64"}),
    "uniform": ((50,), {"minval": -2.0, "maxval": 5.0}),
    "uniform_bf16": ((50,), {"dtype": "bfloat16"}),
    "randint": ((50,), {"minval": -2, "maxval": 5}),
    "randint_int64": ((50,), {"minval": 0, "maxval": 9, "dtype": "int64"}),
    "gamma": ((50,), {"alpha": 0.7}),
    "beta": ((50,), {"alpha": 2.0, "beta": 3.0}),
    "binomial": ((50,), {"counts": 10, "probabilities": 0.3}),
    "binomial_int": ((50,), {"counts": 10, "probabilities": 0.3, "dtype": "int32"}),
}


def _keras_name(name):
    return name.split("_")[0]


def _same(ours, theirs):
    keras = pytest.importorskip("keras")
    assert str(ours.dtype).replace("torch.", "") == keras.backend.standardize_dtype(theirs.dtype)
    np.testing.assert_array_equal(ours.float().numpy(), theirs.float().cpu().numpy())


@NO_CUDA
@pytest.mark.parametrize("seed", [1, 7, -5, 2**33 + 4])
@pytest.mark.parametrize("name", sorted(SEEDED))
def test_int_seed_draws_keras_numbers(name, seed):
    keras = pytest.importorskip("keras")
    shape, kwargs = SEEDED[name]
    fn = _keras_name(name)
    _same(getattr(kr, fn)(shape, seed=seed, **kwargs),
          getattr(keras.random, fn)(shape, seed=seed, **kwargs))


@NO_CUDA
def test_other_seeded_ops_draw_keras_numbers():
    keras = pytest.importorskip("keras")
    logits = torch.randn(4, 6)
    _same(kr.categorical(logits, 20, seed=3), keras.random.categorical(logits, 20, seed=3))
    x = torch.arange(1.0, 41.0).reshape(5, 8)
    _same(kr.dropout(x, 0.3, seed=3), keras.random.dropout(x, 0.3, seed=3))
    _same(kr.dropout(x, 0.3, noise_shape=(None, 1), seed=3),
          keras.random.dropout(x, 0.3, noise_shape=(None, 1), seed=3))
    rows = torch.arange(40).reshape(20, 2)
    _same(kr.shuffle(rows, seed=4), keras.random.shuffle(rows, seed=4))


@NO_CUDA
def test_seed_generator_sequence_and_state_match_keras():
    keras = pytest.importorskip("keras")
    ours, theirs = kr.SeedGenerator(11), keras.random.SeedGenerator(11)
    np.testing.assert_array_equal(ours.state.numpy(), theirs.state.numpy())
    assert ours.state.dtype == torch.int32
    for _ in range(3):
        _same(kr.normal((20,), seed=ours), keras.random.normal((20,), seed=theirs))
        _same(kr.uniform((5,), seed=ours), keras.random.uniform((5,), seed=theirs))
    np.testing.assert_array_equal(ours.state.numpy(), theirs.state.numpy())


@pytest.mark.parametrize("fn, args, dtype", [
    (kr.normal, ((2, 3),), "float32"),
    (kr.uniform, ((2, 3),), "float32"),
    (kr.truncated_normal, ((2, 3),), "float32"),
    (kr.randint, ((2, 3), 0, 4), "int32"),
    (kr.gamma, ((2, 3), 2.0), "float32"),
    (kr.beta, ((2, 3), 2.0, 1.0), "float32"),
    (kr.binomial, ((2, 3), 5, 0.5), "float32"),
])
def test_default_shape_and_dtype(fn, args, dtype):
    for seed in (None, 3, kr.SeedGenerator(2)):
        out = fn(*args, seed=seed)
        assert tuple(out.shape) == (2, 3) and str(out.dtype) == f"torch.{dtype}"
    assert tuple(fn(*((),) + args[1:], seed=1).shape) == ()


@pytest.mark.parametrize("fn", [kr.normal, kr.uniform, kr.truncated_normal])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
def test_float_dtypes(fn, dtype):
    assert fn((4,), dtype=dtype, seed=1).dtype == getattr(torch, dtype)


def test_floatx_is_the_default_dtype():
    keraton.backend.set_floatx("float64")
    try:
        assert kr.normal((2,), seed=1).dtype == torch.float64
    finally:
        keraton.backend.set_floatx("float32")


@pytest.mark.parametrize("call, match", [
    (lambda: kr.uniform((2,), dtype="int32"), "floating point"),
    (lambda: kr.normal((2,), dtype="int32"), "floating point"),
    (lambda: kr.truncated_normal((2,), dtype="int64"), "floating point"),
    (lambda: kr.randint((2,), 0, 3, dtype="float32"), "integer"),
    (lambda: kr.randint((2,), 3, 3), "smaller"),
    (lambda: kr.normal((2,), seed="a"), "SeedGenerator"),
    (lambda: kr.normal((2,), seed=1.5), "SeedGenerator"),
    (lambda: kr.SeedGenerator("a"), "integer"),
    (lambda: kr.SeedGenerator(1, foo=2), "foo"),
    (lambda: kr.categorical(torch.zeros(4), 2), "2-D"),
    (lambda: kr.dropout(torch.ones(2), 1.5), "rate"),
    (lambda: kr.dropout(torch.ones(2, 2), 0.5, noise_shape=(2,)), "noise_shape"),
    (lambda: kr.shuffle(torch.ones(2, 2), axis=2), "axis"),
    (lambda: kr.gamma((2, 3), torch.ones(4)), "broadcast"),
])
def test_bad_arguments_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_shape_must_be_a_sequence():
    with pytest.raises(TypeError, match="tuple or list"):
        kr.normal(3)
    assert kr.normal(torch.Size([2, 2]), seed=1).shape == (2, 2)
    assert kr.normal([2, np.int64(2)], seed=1).shape == (2, 2)


# ------------------------------------------------------------------ distributions
N = 200_000  # standard error of a mean of N unit-variance draws: ~0.0022


def test_normal_and_uniform_moments():
    x = kr.normal((N,), mean=3.0, stddev=2.0, seed=5)
    assert abs(x.mean().item() - 3.0) < 0.03 and abs(x.std().item() - 2.0) < 0.03
    u = kr.uniform((N,), minval=-1.0, maxval=3.0, seed=5)
    assert u.min() >= -1.0 and u.max() < 3.0
    assert abs(u.mean().item() - 1.0) < 0.03
    assert abs(u.std().item() - 4 / math.sqrt(12)) < 0.03


def test_normal_with_tensor_mean_broadcasts():
    mean = torch.tensor([0.0, 100.0])
    x = kr.normal((N // 10, 2), mean=mean, stddev=1.0, seed=5)
    np.testing.assert_allclose(x.mean(0).numpy(), [0.0, 100.0], atol=0.05)


def test_truncated_normal_stays_within_two_stddev():
    x = kr.truncated_normal((N,), mean=1.0, stddev=0.5, seed=5)
    assert x.min() >= 0.0 and x.max() <= 2.0
    # std of N(0, 1) cut at +-2: sqrt(1 - 4 phi(2) / (Phi(2) - Phi(-2))) ~= 0.8796
    z = (x - 1.0) / 0.5
    assert abs(z.mean().item()) < 0.01 and abs(z.std().item() - 0.8796) < 0.01
    assert (z.abs() > 1.9).any()  # the tails are reached, not clipped short


def test_randint_covers_its_range():
    x = kr.randint((N,), 3, 8, seed=5)
    assert sorted(x.unique().tolist()) == [3, 4, 5, 6, 7]
    counts = torch.bincount(x - 3).double() / N
    np.testing.assert_allclose(counts.numpy(), 0.2, atol=0.01)


@pytest.mark.parametrize("alpha", [0.5, 3.0])
def test_gamma_moments(alpha):
    x = kr.gamma((N,), alpha, seed=5)
    assert x.min() > 0
    assert abs(x.mean().item() - alpha) < 0.03 * max(1, alpha)
    assert abs(x.var().item() - alpha) < 0.06 * max(1, alpha)


def test_beta_and_binomial_moments():
    b = kr.beta((N,), 2.0, 6.0, seed=5)
    assert b.min() >= 0 and b.max() <= 1 and abs(b.mean().item() - 0.25) < 0.005
    n = kr.binomial((N,), 20, 0.3, seed=5)
    assert n.min() >= 0 and n.max() <= 20 and torch.equal(n, n.round())
    assert abs(n.mean().item() - 6.0) < 0.05 and abs(n.var().item() - 4.2) < 0.1


def test_distribution_parameters_broadcast_per_column():
    alpha = torch.tensor([1.0, 10.0])
    g = kr.gamma((N // 10, 2), alpha, seed=5)
    np.testing.assert_allclose(g.mean(0).numpy(), [1.0, 10.0], rtol=0.05)
    n = kr.binomial((N // 10, 2), torch.tensor([4.0, 40.0]), 0.5, seed=5)
    np.testing.assert_allclose(n.mean(0).numpy(), [2.0, 20.0], rtol=0.05)


def test_categorical_follows_softmax_of_logits():
    logits = torch.log(torch.tensor([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]]))
    samples = kr.categorical(logits, N // 4, seed=5)
    assert samples.shape == (2, N // 4) and samples.dtype == torch.int32
    freq0 = torch.bincount(samples[0].long(), minlength=3).double() / (N // 4)
    freq1 = torch.bincount(samples[1].long(), minlength=3).double() / (N // 4)
    np.testing.assert_allclose(freq0.numpy(), [0.1, 0.2, 0.7], atol=0.01)
    np.testing.assert_allclose(freq1.numpy(), [0.5, 0.5, 0.0], atol=0.01)
    assert kr.categorical(logits, 3, dtype="int64", seed=1).dtype == torch.int64


# ------------------------------------------------------------------ dropout, shuffle
def test_dropout_zeroes_at_rate_and_scales_the_rest():
    x = torch.full((N,), 3.0)
    y = kr.dropout(x, 0.3, seed=5)
    kept = y != 0
    assert abs(1 - kept.double().mean().item() - 0.3) < 0.01
    np.testing.assert_allclose(y[kept].numpy(), 3.0 / 0.7, rtol=1e-6)
    assert torch.equal(kr.dropout(x, 0.0, seed=5), x)
    assert torch.equal(kr.dropout(x, 1.0, seed=5), torch.zeros_like(x))


def test_dropout_noise_shape_broadcasts_the_mask():
    y = kr.dropout(torch.ones(64, 5), 0.5, noise_shape=(64, 1), seed=2)
    assert ((y == 0).all(1) | (y == 2).all(1)).all()  # whole rows kept or dropped
    assert 0 < (y[:, 0] == 0).sum() < 64
    z = kr.dropout(torch.ones(4, 64), 0.5, noise_shape=(1, None), seed=2)
    assert (z == z[0]).all() and 0 < (z[0] == 0).sum() < 64  # same mask on every row


def test_dropout_dtypes():
    assert kr.dropout(torch.ones(4, dtype=torch.int32), 0.5, seed=1).dtype == torch.float32
    assert kr.dropout(np.ones(4), 0.5, seed=1).dtype == torch.float64
    assert kr.dropout(torch.ones(4, dtype=torch.float16), 0.5, seed=1).dtype == torch.float16


def test_dropout_gradient_is_the_scaled_mask():
    x = torch.randn(50, requires_grad=True)
    y = kr.dropout(x, 0.4, seed=3)
    y.sum().backward()
    expected = (y != 0).float() / 0.6
    np.testing.assert_allclose(x.grad.numpy(), expected.numpy(), rtol=1e-6)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_shuffle_is_a_permutation_of_slices(axis):
    x = torch.arange(60).reshape(3, 4, 5)
    y = kr.shuffle(x, axis=axis, seed=9)
    assert y.shape == x.shape
    xs, ys = x.movedim(axis, 0), y.movedim(axis, 0)
    # every output slice is one of the input slices, each used once
    order = [next(i for i in range(len(xs)) if torch.equal(s, xs[i])) for s in ys]
    assert sorted(order) == list(range(len(xs)))
    assert order != list(range(len(xs))) or axis == 0  # 4!/5! chance of identity: seed fixed
    g = kr.shuffle([1, 2, 3], seed=1)
    assert g.dtype == torch.int32 and sorted(g.tolist()) == [1, 2, 3]


# ------------------------------------------------------------------ seeding rules
@pytest.mark.parametrize("fn, args", [
    (kr.normal, ((8,),)), (kr.uniform, ((8,),)), (kr.truncated_normal, ((8,),)),
    (kr.randint, ((8,), 0, 1000)), (kr.gamma, ((8,), 1.0)), (kr.beta, ((8,), 1.0, 1.0)),
    (kr.binomial, ((8,), 100, 0.5)), (kr.categorical, (torch.zeros(2, 50), 8)),
    (kr.dropout, (torch.ones(8), 0.5)), (kr.shuffle, (torch.arange(8),)),
])
def test_seeding_rules(fn, args):
    # an int: the same numbers every call
    assert torch.equal(fn(*args, seed=42), fn(*args, seed=42))
    assert not torch.equal(fn(*args, seed=42), fn(*args, seed=43))
    # a SeedGenerator: successive calls differ; equal seeds give equal sequences
    g1, g2 = kr.SeedGenerator(5), kr.SeedGenerator(5)
    first, second = fn(*args, seed=g1), fn(*args, seed=g1)
    assert not torch.equal(first, second)
    assert torch.equal(first, fn(*args, seed=g2)) and torch.equal(second, fn(*args, seed=g2))
    # None: torch's global generator, reproducible through set_random_seed
    keraton.utils.set_random_seed(123)
    a, b = fn(*args), fn(*args)
    keraton.utils.set_random_seed(123)
    assert torch.equal(a, fn(*args)) and not torch.equal(a, b)


def test_seed_generator_state_next_and_config():
    g = kr.SeedGenerator(1337, name="gen")
    assert g.state.tolist() == [1337, 0] and g.state.dtype == torch.int32
    assert g.next().tolist() == [1337, 0]
    assert g.state.tolist() == [1337, 1]
    assert g.get_config() == {"seed": 1337, "name": "gen"}
    jumped = kr.SeedGenerator(1337)
    jumped.next()
    jumped.next(ordered=False)
    g.next(ordered=False)
    assert g.state.tolist() == jumped.state.tolist() != [1337, 2]
    clone = kr.SeedGenerator.from_config(kr.SeedGenerator(8).get_config())
    assert clone.state.tolist() == [8, 0]
    assert kr.SeedGenerator().get_config()["seed"] is None


def test_unseeded_seed_generator_is_reproducible_after_set_random_seed():
    keraton.utils.set_random_seed(7)
    state = kr.SeedGenerator().state.tolist()
    keraton.utils.set_random_seed(7)
    assert kr.SeedGenerator().state.tolist() == state
    assert kr.SeedGenerator().state.tolist() != state
    assert kr.SeedGenerator().name != kr.SeedGenerator().name


class _Noisy(keraton.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = kr.SeedGenerator(1337)

    def call(self, x):
        return x + kr.normal(tuple(x.shape), seed=self.seed_generator)


def test_seed_generator_inside_a_layer():
    x = torch.zeros(2, 3)
    layer, twin = _Noisy(), _Noisy()
    first, second = layer(x), layer(x)
    assert not torch.equal(first, second)
    assert torch.equal(twin(x), first) and torch.equal(twin(x), second)
    assert layer.weights == []  # the generator's state is not a weight


def test_ops_on_symbolic_inputs_build_a_model():
    inputs = keraton.Input((6,))
    outputs = kr.shuffle(kr.dropout(inputs, 0.5, seed=3), axis=1, seed=4)
    model = keraton.Model(inputs, outputs)
    x = np.arange(1.0, 13.0, dtype="float32").reshape(2, 6)
    expected = kr.shuffle(kr.dropout(torch.from_numpy(x), 0.5, seed=3), axis=1, seed=4)
    np.testing.assert_array_equal(model.predict(x, verbose=0), expected.numpy())


def test_names_and_signatures_match_keras():
    import inspect

    keras = pytest.importorskip("keras")
    public = sorted(n for n in dir(keras.random) if not n.startswith("_"))
    assert sorted(kr.__all__) == public
    for name in public:
        ours = inspect.signature(getattr(kr, name)).parameters
        theirs = inspect.signature(getattr(keras.random, name)).parameters
        assert [(p.name, p.default) for p in ours.values()] == [
            (p.name, p.default) for p in theirs.values()], name
