"""Indexing where PyTorch's rules differ from NumPy's: integers applied before tensor
indices, uint8 tensors as masks, and lists of sequences read as tuples. Torch is the oracle."""

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import chainrule  # noqa: E402

INDEXES = {
    "int then slice then list": lambda m: (0, slice(None), [0, 3]),
    "ellipsis, int, list": lambda m: (Ellipsis, 0, [1, 2]),
    "list then int": lambda m: ([0, 1], 0),
    "int then 2-d mask": lambda m: (0, m.tensor([[True, False, True, True], [False] * 4, [True] * 4])),
    "int, None, list": lambda m: (1, None, [2, 0, 2]),
    "0-d int tensor then list": lambda m: (m.tensor(1), slice(None), [3, 1]),
    "uint8 mask": lambda m: m.tensor([1, 0], dtype=m.uint8),
    "list of lists": lambda m: [[0, 1]],
    "list holding a slice": lambda m: [slice(None), [0, 2]],
}


def _run(m, make_index, write: bool):
    rng = np.random.default_rng(0)
    base = rng.standard_normal((2, 3, 4))
    x = m.tensor(base, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        index = make_index(m)
        if write:
            y = x * 1
            v = m.tensor(rng.standard_normal(y[index].shape), requires_grad=True)
            y[index] = v * 2
            out = y
        else:
            out = x[index]
    cot = m.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)))
    out.backward(cot)
    grads = [x.grad.numpy()] + ([v.grad.numpy()] if write else [])
    return out.detach().numpy(), grads


@pytest.mark.parametrize("write", [False, True], ids=["read", "write"])
@pytest.mark.parametrize("name", sorted(INDEXES))
def test_index_matches_torch(name, write):
    ours, our_grads = _run(chainrule, INDEXES[name], write)
    theirs, their_grads = _run(torch, INDEXES[name], write)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    for g, w in zip(our_grads, their_grads, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12)
