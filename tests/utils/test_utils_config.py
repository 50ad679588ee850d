"""keraton.utils.Config against keras.utils.Config: the same operations give the same results and errors."""

import copy
import pickle

import pytest

from keraton.utils.config import Config


def _run(cls, script):
    """Apply ``script`` to a fresh config of ``cls``; return its results, or the error's type and message."""
    config = cls(learning_rate=0.1, momentum=0.9)
    try:
        return script(config)
    except (AttributeError, ValueError, KeyError, TypeError) as error:
        return type(error).__name__, str(error).split(" Call ")[0]


def _set_attr_and_item(c):
    c.seed = 123
    c["use_ema"] = True
    return c.seed, c["learning_rate"], c.as_dict(), c.to_json(), len(c), "seed" in c, list(c), repr(c)


def _frozen_setattr(c):
    c.freeze()
    assert c.frozen
    c.foo = 1


def _frozen_then_unfrozen(c):
    c.freeze()
    c.unfreeze()
    c["x"] = 1
    c.update(y=2)
    return c.pop("x"), c.get("y"), c.get("zz", 5), list(c.items()), list(c.keys()), list(c.values()), c.frozen


def _delete(c):
    del c["momentum"]
    return c.as_dict()


SCRIPTS = {
    "set_attr_and_item": _set_attr_and_item,
    "frozen_setattr": _frozen_setattr,
    "frozen_setitem": lambda c: (c.freeze(), c.__setitem__("a", 1)),
    "frozen_pop": lambda c: (c.freeze(), c.pop("momentum")),
    "frozen_update": lambda c: (c.freeze(), c.update(a=1)),
    "frozen_del": lambda c: (c.freeze(), c.__delitem__("momentum")),
    "frozen_reads": lambda c: (c.freeze(), c.learning_rate, c.get("momentum"), c.as_dict()),
    "unfreeze": _frozen_then_unfrozen,
    "delete": _delete,
    "unknown_close": lambda c: c.learning_rat,
    "unknown_far": lambda c: c.nothing_like_it,
    "missing_item": lambda c: c["missing"],
    "sorted_iteration": lambda c: (c.update(b=1, a=2), list(c), sorted(dict(c).items()))[1:],
    "own_attribute_not_an_entry": lambda c: (setattr(c, "keys", 3), c.keys, c.as_dict()),
    "property_not_settable": lambda c: setattr(c, "frozen", True),
    "as_dict_is_a_copy": lambda c: (c.as_dict().update(z=1), c.as_dict())[1],
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_matches_keras(name):
    keras = pytest.importorskip("keras")
    ours, theirs = _run(Config, SCRIPTS[name]), _run(keras.utils.Config, SCRIPTS[name])
    if name == "set_attr_and_item":
        assert ours == theirs and ours[-1].startswith("<Config {")
    elif name == "property_not_settable":  # Python words the message itself, by version
        assert ours[0] == theirs[0] == "AttributeError"
    else:
        assert ours == theirs


def test_frozen_message_and_copies():
    config = Config(a=[1], b="x")
    config.freeze()
    with pytest.raises(ValueError, match="frozen"):
        config.b = "y"
    for other in (copy.deepcopy(config), pickle.loads(pickle.dumps(config))):
        assert other.as_dict() == {"a": [1], "b": "x"} and other.frozen
    deep = copy.deepcopy(config)
    deep.unfreeze()
    deep.a.append(2)
    assert config.a == [1]
