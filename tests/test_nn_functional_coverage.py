"""chainrule.nn.functional: every public name has a registry entry (tests/opinfo_nn.py), and
dropout's random masks behave like PyTorch's (statistics, scaling, gradients through the mask)."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule  # noqa: E402
import chainrule.nn.functional as F  # noqa: E402
from chainrule.nn import _activation, _loss  # noqa: E402

from opinfo import OPS  # noqa: E402


# This family's names (convolution, pooling and normalisation are checked by their own family).
NAMES = sorted(_activation.__all__ + _loss.__all__)


def test_every_name_is_in_nn_functional():
    assert not [n for n in NAMES if getattr(F, n, None) is None]


def test_every_nn_functional_name_has_an_entry():
    entries = {op.name.split(" ")[0] for op in OPS if op.name.startswith("F.")}
    missing = sorted(n for n in NAMES if f"F.{n}" not in entries)
    assert not missing, f"nn.functional names without a registry entry in tests/opinfo_nn.py: {missing}"
    stale = sorted(e for e in entries if not hasattr(F, e[2:]))
    assert not stale, f"registry entries for names nn.functional does not export: {stale}"


def test_every_nn_functional_name_exists_in_torch():
    assert not [n for n in NAMES if not hasattr(torch.nn.functional, n)]


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_dropout_zeroes_a_fraction_p_and_scales_the_rest(p):
    chainrule.manual_seed(0)
    x = chainrule.ones(200, 100, dtype=chainrule.float64)
    y = F.dropout(x, p)
    kept = y.numpy() != 0
    assert abs(kept.mean() - (1 - p)) < 0.02
    np.testing.assert_allclose(y.numpy()[kept], 1 / (1 - p))
    assert abs(y.numpy().mean() - 1) < 0.05  # unbiased in expectation


def test_dropout_gradient_is_the_scaled_mask():
    chainrule.manual_seed(1)
    x = chainrule.randn(50, 40, dtype=chainrule.float64, requires_grad=True)
    y = F.dropout(x, 0.3)
    g = chainrule.randn(50, 40, dtype=chainrule.float64)
    y.backward(g)
    mask = (y.detach().numpy() != 0) / 0.7
    np.testing.assert_allclose(x.grad.numpy(), g.numpy() * mask)
    np.testing.assert_allclose(y.detach().numpy(), x.detach().numpy() * mask)
    assert type(y.grad_fn).__name__ == "MulBackward0"


def test_dropout_is_reproducible_under_manual_seed_and_differs_between_calls():
    x = chainrule.ones(100)
    chainrule.manual_seed(3)
    a, b = F.dropout(x).numpy(), F.dropout(x).numpy()
    chainrule.manual_seed(3)
    np.testing.assert_array_equal(F.dropout(x).numpy(), a)
    assert not np.array_equal(a, b)


def test_dropout_inplace_writes_into_its_input():
    chainrule.manual_seed(4)
    x = chainrule.ones(10, 10)
    out = F.dropout(x, 0.5, inplace=True)
    assert out is x and set(np.unique(x.numpy())) <= {0.0, 2.0}


def test_alpha_dropout_keeps_zero_mean_unit_variance():
    chainrule.manual_seed(5)
    x = chainrule.randn(400, 250, dtype=chainrule.float64)
    y = F.alpha_dropout(x, 0.3, training=True).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    # Dropped elements all take the one value SELU saturates to, affinely corrected.
    alpha = 1.7580993408473766
    a = 1 / math.sqrt((alpha**2 * 0.3 + 1) * 0.7)
    dropped = -alpha * a + alpha * a * 0.3
    assert abs((np.isclose(y, dropped)).mean() - 0.3) < 0.01


def test_alpha_dropout_gradient_is_the_scaled_mask():
    chainrule.manual_seed(6)
    x = chainrule.randn(30, 20, dtype=chainrule.float64, requires_grad=True)
    y = F.alpha_dropout(x, 0.4, training=True)
    y.sum().backward()
    grads = np.unique(np.round(x.grad.numpy(), 12))
    alpha = 1.7580993408473766
    a = 1 / math.sqrt((alpha**2 * 0.4 + 1) * 0.6)
    np.testing.assert_allclose(sorted(grads), [0.0, a])
