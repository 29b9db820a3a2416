"""Old PyTorch API that old code still uses: autograd.Variable, and utils.data's ChainDataset,
StackDataset and get_worker_info. PyTorch is the oracle."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
import chainrule  # noqa: E402


def _variable_story(m):
    x = m.ones(2)
    v = m.autograd.Variable(x)
    y = m.ones(2, requires_grad=True) * 2
    w = m.autograd.Variable(y, requires_grad=True)
    (w * 3).sum().backward()
    try:
        m.autograd.Variable([1.0])
        error = None
    except TypeError as exc:
        error = str(exc)
    return (v is x, v.data_ptr() == x.data_ptr(), v.requires_grad, w.grad_fn, w.is_leaf, w.grad.tolist(),
            isinstance(m.ones(1), m.autograd.Variable), isinstance(3, m.autograd.Variable), error)


def test_variable_as_torch():
    assert _variable_story(chainrule) == _variable_story(torch)


def _data_story(m):
    data = m.utils.data

    class Count(data.IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n))

        def __len__(self):
            return self.n

    stacked = data.StackDataset(data.TensorDataset(m.arange(3)), m.arange(3) * 2)
    named = data.StackDataset(a=m.arange(3), b=m.arange(3) + 5)
    errors = []
    for bad in (lambda: data.StackDataset(m.arange(3), m.arange(4)), lambda: data.StackDataset(m.arange(3), a=m.arange(3)),
                lambda: data.StackDataset()):
        try:
            bad()
        except ValueError as exc:
            errors.append(str(exc))
    chained = data.ChainDataset([Count(2), Count(3)])
    return (len(stacked), [[t.tolist() for t in item[0]] + [item[1].tolist()] for item in stacked],
            {k: v.tolist() for k, v in named[2].items()}, errors, list(chained), len(chained),
            data.get_worker_info())


def test_data_helpers_as_torch():
    assert _data_story(chainrule) == _data_story(torch)
