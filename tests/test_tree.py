"""keraton.tree against keras.tree (Keras 3 on its torch backend) over a set of structures."""

import collections
import warnings

import numpy as np
import pytest
import torch

import keraton.tree as kt

keras = pytest.importorskip("keras")

Point = collections.namedtuple("Point", ["y", "x"])
OtherPoint = collections.namedtuple("Point", ["y", "x"])  # same name and fields, another class

STRUCTURES = {
    "leaf": 1,
    "none": None,
    "string": "abc",
    "tensor": torch.ones(2),
    "array": np.arange(3),
    "list_with_none": [None, 1],
    "dict_with_none": {"b": None, "a": 2},
    "dict": {"b": 1, "a": [2, 3]},
    "int_keys": {2: "a", 1: "b", 10: "c"},
    "ordered_dict": collections.OrderedDict([("b", 1), ("a", 2)]),
    "default_dict": collections.defaultdict(list, {"b": 1, "a": 2}),
    "namedtuple": Point(1, [2, 3]),
    "nested": [(1, 2), {"z": 3, "y": (4,)}, [[5]]],
    "empties": [[], {}, (), None],
    "single": [1],
    "deque": collections.deque([1, [2]]),
    "tensors": {"w": torch.zeros(2, 2), "b": [np.ones(1), torch.ones(1)]},
    "torch_size": torch.Size([2, 3]),  # a leaf here (see test_torch_size_is_a_leaf)
    "subclass_leaf": type("MyList", (list,), {})([1, 2]),
    "structseq": [torch.max(torch.tensor([[1.0, 3.0]]), 1)],
}
KERAS_AGREES = [k for k in STRUCTURES if k not in ("torch_size", "namedtuple")]


def _same(ours, theirs):
    """Same node types and layout, equal leaves."""
    assert type(ours) is type(theirs), (ours, theirs)
    if kt.is_nested(ours):
        if isinstance(ours, dict):
            assert set(ours) == set(theirs)
            for key in ours:
                _same(ours[key], theirs[key])
        else:
            assert len(ours) == len(theirs)
            for a, b in zip(ours, theirs):
                _same(a, b)
    elif isinstance(ours, (torch.Tensor, np.ndarray)):
        np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))
    else:
        assert ours == theirs


@pytest.mark.parametrize("name", KERAS_AGREES)
def test_flatten_is_nested_and_paths_match_keras(name):
    s = STRUCTURES[name]
    assert kt.is_nested(s) == keras.tree.is_nested(s)
    _same(kt.flatten(s), keras.tree.flatten(s))
    ours, theirs = kt.flatten_with_path(s), keras.tree.flatten_with_path(s)
    assert [p for p, _ in ours] == [p for p, _ in theirs]
    _same([v for _, v in ours], [v for _, v in theirs])


def test_namedtuple_paths_are_field_positions():
    # Keras's torch-backend implementation numbers namedtuple fields in sorted-name
    # order ((1,) for `y` here); its documentation and optree implementation use the
    # field's position, as keraton does.
    from keras.src.tree import optree_impl

    s = Point(1, [2, 3])
    assert kt.flatten_with_path(s) == optree_impl.flatten_with_path(s) == [
        ((0,), 1), ((1, 0), 2), ((1, 1), 3)]
    assert kt.flatten(s) == keras.tree.flatten(s) == [1, 2, 3]


def test_torch_size_is_a_leaf():
    # keras.tree on torch treats torch.Size as a node; here it is a shape, like a tensor's.
    assert not kt.is_nested(torch.Size([2, 3]))
    assert kt.flatten({"s": torch.Size([2, 3])}) == [torch.Size([2, 3])]


@pytest.mark.parametrize("name", [k for k in STRUCTURES if k != "torch_size"])
def test_map_structure_and_pack_sequence_as_match_keras(name):
    s = STRUCTURES[name]
    _same(kt.map_structure(lambda v: ("m", v), s), keras.tree.map_structure(lambda v: ("m", v), s))
    flat = list(range(len(kt.flatten(s))))
    _same(kt.pack_sequence_as(s, flat), keras.tree.pack_sequence_as(s, flat))
    assert kt.flatten(kt.pack_sequence_as(s, flat)) == flat
    _same(kt.lists_to_tuples(s), keras.tree.lists_to_tuples(s))


def test_rebuilt_dicts_keep_the_input_key_order():
    s = {"key3": "", "key1": "", "key2": ""}
    out = kt.pack_sequence_as(s, ["v1", "v2", "v3"])
    assert list(out.items()) == [("key3", "v3"), ("key1", "v1"), ("key2", "v2")]
    assert list(kt.map_structure(str, {"b": 1, "a": 2})) == ["b", "a"]


@pytest.mark.parametrize("none_is_leaf", [True, False])
def test_map_structure_over_several_structures(none_is_leaf):
    def f(*values):
        return values

    for a, b in [([1, (2, 3)], [10, (20, 30)]), ({"a": 1, "b": [2]}, {"b": [3], "a": 4}),
                 ([None, 1], [None, 2]), (Point(1, 2), Point(3, 4)),
                 ({"a": 1, "b": 2}, collections.OrderedDict([("b", 1), ("a", 2)])),
                 (collections.OrderedDict([("b", 1), ("a", 2)]), {"a": 1, "b": 2})]:
        _same(kt.map_structure(f, a, b, none_is_leaf=none_is_leaf),
              keras.tree.map_structure(f, a, b, none_is_leaf=none_is_leaf))
    _same(kt.map_structure(f, [None, 1], none_is_leaf=none_is_leaf),
          keras.tree.map_structure(f, [None, 1], none_is_leaf=none_is_leaf))
    assert kt.map_structure(f, None, none_is_leaf=False) is None


MISMATCHED = [
    ([1, 2], [1, 2, 3]),
    ([1, 2], (1, 2)),
    ({"a": 1, "b": 2}, {"a": 1, "c": 2}),
    ([1, [2]], [1, 2]),
    (Point(1, 2), OtherPoint(1, 2)),
    (Point(1, 2), (1, 2)),
    ([1, 2], 1),
    (1, [1]),
    ([1, 2], [1, [2]]),  # keras.tree on torch lets this through; optree and keraton refuse
]


@pytest.mark.parametrize("a, b", MISMATCHED)
def test_mismatched_structures_raise(a, b):
    with pytest.raises(ValueError, match="same nested structure"):
        kt.assert_same_structure(a, b)
    with pytest.raises(ValueError, match="same nested structure"):
        kt.map_structure(lambda *v: v, a, b)
    if (a, b) != MISMATCHED[-1]:
        with pytest.raises(ValueError):
            keras.tree.assert_same_structure(a, b)


@pytest.mark.parametrize("a, b", [
    ([(0, 1)], [(2, 3)]), (Point(0, 1), Point(2, 3)), ([None], [1]), (1, "a"),
    ([np.ones(3)], [torch.ones(2)]),
    ({"a": 1, "b": 2}, collections.OrderedDict([("b", 1), ("a", 2)])),
    ({"a": 1, "b": 2}, collections.defaultdict(int, {"b": 1, "a": 2})),
])
def test_matching_structures_pass(a, b):
    assert kt.assert_same_structure(a, b) is None
    assert keras.tree.assert_same_structure(a, b) is None


def test_none_is_leaf_false_needs_none_everywhere():
    with pytest.raises(ValueError, match="None"):
        kt.map_structure(lambda a, b: a, [None, 1], [3, 2], none_is_leaf=False)
    with pytest.raises(ValueError, match="None"):
        kt.map_structure(lambda a, b: a, [3, 1], [None, 2], none_is_leaf=False)


def test_check_types_is_deprecated():
    with pytest.warns(DeprecationWarning, match="check_types"):
        kt.assert_same_structure([1], [2], check_types=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        kt.assert_same_structure([1], [2])


@pytest.mark.parametrize("a, b, same", [
    ([0, 1], (2, 3), True), (Point(0, 1), OtherPoint(2, 3), True), ([0, 1], [2], False),
    ({"a": 1}, {"b": 1}, False), ({"a": [1]}, {"a": (1,)}, True), ([0, [1]], [0, 1], False),
])
def test_assert_same_paths(a, b, same):
    if same:
        kt.assert_same_paths(a, b)
        keras.tree.assert_same_paths(a, b)
    else:
        with pytest.raises(ValueError, match="same paths") as ours:
            kt.assert_same_paths(a, b)
        with pytest.raises(ValueError) as theirs:
            keras.tree.assert_same_paths(a, b)
        assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("shallow, func, structures", [
    ([None, None], len, ([[1, 1], [2, 2]],)),
    ([None, [None, None]], str, ([[1, 1], [2, 2]],)),
    ([None, None], lambda a, b: (a, b), ([[1], 2], [[3], 4])),
    ({"a": 0, "b": 0}, str, ({"b": [1], "a": (2, 3)},)),
    (Point(0, 0), str, (Point([1], {"k": 2}),)),
])
def test_map_structure_up_to_matches_keras(shallow, func, structures):
    _same(kt.map_structure_up_to(shallow, func, *structures),
          keras.tree.map_structure_up_to(shallow, func, *structures))


@pytest.mark.parametrize("shallow, structure", [
    ([None, [None, None]], [[1, 1], 2]), ((None, None), [1, 2]), ({"a": 0}, {"b": 1})])
def test_map_structure_up_to_rejects_shallower_or_other_types(shallow, structure):
    with pytest.raises(ValueError, match="same nested structure"):
        kt.map_structure_up_to(shallow, str, structure)
    with pytest.raises(ValueError):
        keras.tree.map_structure_up_to(shallow, str, structure)


@pytest.mark.parametrize("call", [
    lambda mod: mod.map_structure(str),
    lambda mod: mod.map_structure_up_to([None], str),
])
def test_no_structure_raises(call):
    with pytest.raises(ValueError, match="at least one structure"):
        call(kt)


def test_not_callable_and_bad_pack_raise():
    with pytest.raises(TypeError, match="callable"):
        kt.map_structure(5, [1])
    with pytest.raises(TypeError, match="callable"):
        kt.traverse(5, [1])
    with pytest.raises(TypeError, match="flat_sequence"):
        kt.pack_sequence_as([0], 5)
    for flat in ([5], [5, 6, 7]):
        with pytest.raises(ValueError, match="2 leaves"):
            kt.pack_sequence_as([0, 0], flat)
        with pytest.raises(ValueError):
            keras.tree.pack_sequence_as([0, 0], flat)
    assert kt.pack_sequence_as(0, [5]) == keras.tree.pack_sequence_as(0, [5]) == 5


TRAVERSE_FUNCS = {
    "record": None,  # replaced by list.append in the test
    "replace_tuples": lambda x: "X" if isinstance(x, tuple) else None,
    "tuples_to_none": lambda x: kt.MAP_TO_NONE if isinstance(x, tuple) else None,
    "sum_tuples": lambda x: sum(x) if isinstance(x, tuple) and all(
        isinstance(v, int) for v in x) else None,
    "double_ints": lambda x: 2 * x if isinstance(x, int) else None,
}


@pytest.mark.parametrize("top_down", [True, False])
@pytest.mark.parametrize("func_name", sorted(TRAVERSE_FUNCS))
@pytest.mark.parametrize("structure", [
    [(1, 2), [3, (4,)], {"b": 5, "a": (6, 7)}], Point(1, [2, (3,)]), 1, (1, 2)])
def test_traverse_matches_keras(structure, func_name, top_down):
    if func_name == "record":
        ours, theirs = [], []
        out = kt.traverse(ours.append, structure, top_down=top_down)
        expected = keras.tree.traverse(theirs.append, structure, top_down=top_down)
        _same(out, expected)
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b)
        return
    func = TRAVERSE_FUNCS[func_name]

    def keras_func(x):  # same function, with Keras's MAP_TO_NONE
        result = func(x)
        return keras.tree.MAP_TO_NONE if result is kt.MAP_TO_NONE else result

    _same(kt.traverse(func, structure, top_down=top_down),
          keras.tree.traverse(keras_func, structure, top_down=top_down))


@pytest.mark.parametrize("structure", [
    [(1, None), {"b": [2, 3], "a": (4,)}, 5, [], ()], (1, 2), ((1, 2), [None]), None,
    (np.int64(2), 3), (True, 3), {"x": (None, 28, 28, 1), "y": [Point(None, 2)]},
])
def test_map_shape_structure_matches_keras(structure):
    def func(s):
        return ("S", s)

    _same(kt.map_shape_structure(func, structure), keras.tree.map_shape_structure(func, structure))


def test_unsortable_dict_keys_keep_insertion_order():
    s = {1: "one", "a": "letter"}
    assert kt.flatten(s) == ["one", "letter"]
    assert kt.pack_sequence_as(s, [1, 2]) == {1: 1, "a": 2}


def test_gradient_flows_through_mapped_tensors():
    w = {"b": torch.ones(2, requires_grad=True), "a": [torch.full((2,), 2.0, requires_grad=True)]}
    loss = sum(t.sum() for t in kt.flatten(kt.map_structure(lambda t: t * t, w)))
    loss.backward()
    np.testing.assert_array_equal(w["b"].grad.numpy(), [2.0, 2.0])
    np.testing.assert_array_equal(w["a"][0].grad.numpy(), [4.0, 4.0])


def test_names_and_signatures_match_keras():
    import inspect

    public = sorted(n for n in dir(keras.tree) if not n.startswith("_"))
    assert sorted(kt.__all__) == public
    for name in public:
        ours = inspect.signature(getattr(kt, name)).parameters
        theirs = inspect.signature(getattr(keras.tree, name)).parameters
        assert [(p.name, p.default) for p in ours.values()] == [
            (p.name, p.default) for p in theirs.values()], name
