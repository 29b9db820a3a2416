"""nn.utils.parametrize and the parametrizations (weight_norm, spectral_norm, orthogonal), new and old APIs,
against torch: state_dict keys, reprs, values, gradients reaching the originals, errors."""

import warnings

import numpy as np
import pytest
import torch
from nn_parity import assert_close, check_parity, copy_weights, to_cr

import chainrule
import chainrule.nn as cnn

rng = np.random.default_rng(11)


def randn(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def build(expr):
    return eval(expr, {"nn": torch.nn}), eval(expr, {"nn": cnn})


def same_start(expr):
    """The module in both libraries, with chainrule's weights copied from torch's before any parametrization."""
    t, c = build(expr)
    copy_weights(t, c)
    return t, c


MODULES = [
    ("nn.Linear(4, 3)", (5, 4)),
    ("nn.Conv1d(2, 3, 3)", (2, 2, 6)),
    ("nn.Conv2d(2, 3, 2)", (1, 2, 4, 4)),
    ("nn.ConvTranspose1d(2, 3, 3)", (2, 2, 5)),
]


@pytest.mark.parametrize("expr, shape", MODULES)
@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_matches_torch(expr, shape, dim):
    t, c = same_start(expr)
    torch.nn.utils.parametrizations.weight_norm(t, dim=dim)
    cnn.utils.parametrizations.weight_norm(c, dim=dim)
    assert list(c.state_dict()) == list(t.state_dict())
    assert repr(c) == repr(t)
    assert type(c).__name__ == type(t).__name__
    for key, value in t.state_dict().items():
        assert_close(c.state_dict()[key], value, what=key)
    check_parity(t, c, [randn(*shape)])


def test_weight_norm_on_bias_and_custom_name():
    t, c = same_start("nn.Linear(4, 3)")
    torch.nn.utils.parametrizations.weight_norm(t, name="bias", dim=0)
    cnn.utils.parametrizations.weight_norm(c, name="bias", dim=0)
    assert list(c.state_dict()) == list(t.state_dict())
    check_parity(t, c, [randn(2, 4)])


@pytest.mark.parametrize("expr, shape", MODULES)
@pytest.mark.parametrize("dim", [0, 1, None])
def test_old_weight_norm_matches_torch(expr, shape, dim):
    t, c = same_start(expr)
    with pytest.warns(FutureWarning):
        torch.nn.utils.weight_norm(t, dim=dim)
    with pytest.warns(FutureWarning, match="deprecated"):
        cnn.utils.weight_norm(c, dim=dim)
    assert list(c.state_dict()) == list(t.state_dict())
    assert repr(c) == repr(t)
    check_parity(t, c, [randn(*shape)])
    # after an update of weight_g, the next forward sees it
    with torch.no_grad():
        t.weight_g.mul_(2)
    with chainrule.no_grad():
        c.weight_g.mul_(2)
    check_parity(t, c, [randn(*shape)])
    torch.nn.utils.remove_weight_norm(t)
    cnn.utils.remove_weight_norm(c)
    assert list(c.state_dict()) == list(t.state_dict())
    assert_close(c.weight, t.weight)
    assert isinstance(c.weight, cnn.Parameter)


def test_old_weight_norm_errors():
    t, c = build("nn.Linear(4, 3)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.nn.utils.weight_norm(t)
        cnn.utils.weight_norm(c)
        with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks") as theirs:
            torch.nn.utils.weight_norm(t)
        with pytest.raises(RuntimeError) as ours:
            cnn.utils.weight_norm(c)
    assert str(ours.value) == str(theirs.value)
    t2, c2 = build("nn.Linear(4, 3)")
    with pytest.raises(ValueError) as theirs:
        torch.nn.utils.remove_weight_norm(t2)
    with pytest.raises(ValueError) as ours:
        cnn.utils.remove_weight_norm(c2)
    assert str(ours.value) == str(theirs.value)


def _two_steps_alike(t, c, shape, training):
    """Two forwards and backwards agree, the power-iteration buffers too (``u`` and ``v`` start random in each
    library: torch's are taken)."""
    t.train(training)
    c.train(training)
    copy_weights(t, c)
    for _ in range(2):
        check_parity(t, c, [randn(*shape)], atol=1e-4)
        for key, value in t.state_dict().items():
            assert_close(c.state_dict()[key], value, atol=1e-5, what=key)
        for p in list(t.parameters()) + list(c.parameters()):
            p.grad = None


@pytest.mark.parametrize("expr, shape", MODULES)
@pytest.mark.parametrize("training", [True, False])
def test_spectral_norm_matches_torch(expr, shape, training):
    t, c = same_start(expr)
    torch.nn.utils.parametrizations.spectral_norm(t)
    cnn.utils.parametrizations.spectral_norm(c)
    assert list(c.state_dict()) == list(t.state_dict())
    assert repr(c) == repr(t)
    _two_steps_alike(t, c, shape, training)


def test_spectral_norm_starts_near_unit_spectral_norm():
    _, c = build("nn.Linear(6, 5)")
    cnn.utils.parametrizations.spectral_norm(c)
    sigma = np.linalg.svd(c.weight.detach().numpy(), compute_uv=False)[0]
    assert abs(sigma - 1) < 1e-2


def test_spectral_norm_of_a_vector_normalizes_it():
    t, c = same_start("nn.Linear(4, 3)")
    torch.nn.utils.parametrizations.spectral_norm(t, name="bias")
    cnn.utils.parametrizations.spectral_norm(c, name="bias")
    assert list(c.state_dict()) == list(t.state_dict())
    check_parity(t, c, [randn(2, 4)])


def test_spectral_norm_errors():
    for kwargs, error in [({"n_power_iterations": 0}, ValueError), ({"dim": 2}, IndexError)]:
        with pytest.raises(error) as theirs:
            torch.nn.utils.parametrizations.spectral_norm(torch.nn.Linear(3, 2), **kwargs)
        with pytest.raises(error) as ours:
            cnn.utils.parametrizations.spectral_norm(cnn.Linear(3, 2), **kwargs)
        assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("expr, shape", MODULES)
@pytest.mark.parametrize("training", [True, False])
def test_old_spectral_norm_matches_torch(expr, shape, training):
    t, c = same_start(expr)
    torch.nn.utils.spectral_norm(t)
    cnn.utils.spectral_norm(c)
    assert list(c.state_dict()) == list(t.state_dict())
    assert repr(c) == repr(t)
    _two_steps_alike(t, c, shape, training)
    torch.nn.utils.remove_spectral_norm(t)
    cnn.utils.remove_spectral_norm(c)
    assert list(c.state_dict()) == list(t.state_dict())
    assert_close(c.weight, t.weight, atol=1e-5)
    with pytest.raises(ValueError) as theirs:
        torch.nn.utils.remove_spectral_norm(t)
    with pytest.raises(ValueError) as ours:
        cnn.utils.remove_spectral_norm(c)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder", None])
@pytest.mark.parametrize("out_features, in_features", [(4, 4), (5, 3), (3, 5)])
def test_orthogonal_matches_torch(orthogonal_map, out_features, in_features):
    t, c = same_start(f"nn.Linear({in_features}, {out_features})")
    torch.nn.utils.parametrizations.orthogonal(t, orthogonal_map=orthogonal_map)
    cnn.utils.parametrizations.orthogonal(c, orthogonal_map=orthogonal_map)
    assert list(c.state_dict()) == list(t.state_dict())
    assert repr(c) == repr(t)
    w = c.weight.detach().numpy()
    small = min(w.shape)
    gram = w.T @ w if w.shape[0] >= w.shape[1] else w @ w.T
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-5)
    if out_features == in_features:  # no random completion: the same weight as torch's
        assert_close(c.weight, t.weight, atol=1e-5)
    copy_weights(t, c)  # the random completion of a non-square base: take torch's
    check_parity(t, c, [randn(2, in_features)], atol=1e-4)


@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
@pytest.mark.parametrize("out_features, in_features", [(4, 4), (5, 3), (3, 5)])
def test_orthogonal_without_trivialization_matches_torch(orthogonal_map, out_features, in_features):
    t, c = same_start(f"nn.Linear({in_features}, {out_features})")
    torch.nn.utils.parametrizations.orthogonal(t, orthogonal_map=orthogonal_map, use_trivialization=False)
    cnn.utils.parametrizations.orthogonal(c, orthogonal_map=orthogonal_map, use_trivialization=False)
    assert list(c.state_dict()) == list(t.state_dict())
    for key, value in t.state_dict().items():
        assert_close(c.state_dict()[key], value, atol=1e-5, what=key)
    check_parity(t, c, [randn(2, in_features)], atol=1e-4)
    if orthogonal_map == "householder":  # assigning an orthogonal matrix
        q = np.linalg.qr(randn(max(in_features, out_features), min(in_features, out_features)))[0]
        q = q if out_features >= in_features else q.T
        t.weight = torch.tensor(q)
        c.weight = chainrule.tensor(q)
        assert_close(c.weight, t.weight, atol=1e-5)
        assert_close(c.weight, q, atol=1e-5)
    else:
        with pytest.raises(NotImplementedError) as theirs:
            t.weight = torch.eye(out_features, in_features)
        with pytest.raises(NotImplementedError) as ours:
            c.weight = chainrule.eye(out_features, in_features)
        assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
def test_orthogonal_batch_of_matrices(orthogonal_map):
    """A Conv1d weight (out, in, k) is a batch of (in, k) matrices."""
    t, c = same_start("nn.Conv1d(3, 4, 3)")
    torch.nn.utils.parametrizations.orthogonal(t, orthogonal_map=orthogonal_map)
    cnn.utils.parametrizations.orthogonal(c, orthogonal_map=orthogonal_map)
    assert list(c.state_dict()) == list(t.state_dict())
    assert_close(c.weight, t.weight, atol=1e-5)
    check_parity(t, c, [randn(2, 3, 6)], atol=1e-4)


def test_orthogonal_errors():
    for kwargs, expr in [({"orthogonal_map": "qr"}, "nn.Linear(3, 3)"), ({"name": "bias"}, "nn.Linear(3, 3)")]:
        t, c = build(expr)
        with pytest.raises(ValueError) as theirs:
            torch.nn.utils.parametrizations.orthogonal(t, **kwargs)
        with pytest.raises(ValueError) as ours:
            cnn.utils.parametrizations.orthogonal(c, **kwargs)
        assert str(ours.value) == str(theirs.value)


# -- register_parametrization itself --------------------------------------------------------


def _symmetric(nn):
    class Symmetric(nn.Module):
        def forward(self, x):
            return x.triu() + x.triu(1).transpose(-1, -2)

        def right_inverse(self, a):
            return a.triu()

    return Symmetric()


def _scale(nn):
    class Scale(nn.Module):
        def forward(self, x):
            return x * 3

        def right_inverse(self, a):
            return a / 3

    return Scale()


def test_custom_parametrizations_chain_and_assign():
    t, c = same_start("nn.Linear(3, 3)")
    for lib, m in ((torch, t), (chainrule, c)):
        lib.nn.utils.parametrize.register_parametrization(m, "weight", _symmetric(lib.nn))
        lib.nn.utils.parametrize.register_parametrization(m, "weight", _scale(lib.nn))
        assert lib.nn.utils.parametrize.is_parametrized(m)
        assert lib.nn.utils.parametrize.is_parametrized(m, "weight")
        assert not lib.nn.utils.parametrize.is_parametrized(m, "bias")
    assert repr(c) == repr(t)
    assert list(c.state_dict()) == list(t.state_dict())
    assert_close(c.weight, t.weight)
    check_parity(t, c, [randn(2, 3)])
    a = randn(3, 3)
    a = a + a.T
    t.weight = torch.tensor(a)
    c.weight = chainrule.tensor(a)
    assert_close(c.parametrizations.weight.original, t.parametrizations.weight.original)
    assert_close(c.weight, t.weight)
    assert_close(c.weight, a)


def test_parametrizing_a_buffer():
    t, c = same_start("nn.BatchNorm1d(3)")
    for lib, m in ((torch, t), (chainrule, c)):
        lib.nn.utils.parametrize.register_parametrization(m, "running_var", _scale(lib.nn))
    assert list(c.state_dict()) == list(t.state_dict())
    assert list(dict(c.named_buffers())) == list(dict(t.named_buffers()))
    assert_close(c.running_var, t.running_var)
    t.eval()
    c.eval()
    check_parity(t, c, [randn(4, 3)])


def test_the_original_parameter_object_is_kept():
    c = cnn.Linear(3, 3)
    w = c.weight
    cnn.utils.parametrize.register_parametrization(c, "weight", _symmetric(cnn))
    assert c.parametrizations.weight.original is w


@pytest.mark.parametrize("leave_parametrized", [True, False])
def test_remove_parametrizations(leave_parametrized):
    t, c = same_start("nn.Linear(3, 3)")
    for lib, m in ((torch, t), (chainrule, c)):
        lib.nn.utils.parametrize.register_parametrization(m, "weight", _symmetric(lib.nn))
        lib.nn.utils.parametrize.remove_parametrizations(m, "weight", leave_parametrized=leave_parametrized)
    assert type(c) is cnn.Linear
    assert type(t) is torch.nn.Linear
    assert repr(c) == repr(t)
    assert list(c.state_dict()) == list(t.state_dict())
    assert isinstance(c.weight, cnn.Parameter)
    assert_close(c.weight, t.weight)


def test_remove_parametrizations_of_a_sequence():
    t, c = same_start("nn.Linear(3, 2)")
    torch.nn.utils.parametrizations.weight_norm(t)
    cnn.utils.parametrizations.weight_norm(c)
    with pytest.raises(ValueError) as theirs:
        torch.nn.utils.parametrize.remove_parametrizations(t, "weight", leave_parametrized=False)
    with pytest.raises(ValueError) as ours:
        cnn.utils.parametrize.remove_parametrizations(c, "weight", leave_parametrized=False)
    assert str(ours.value) == str(theirs.value)
    torch.nn.utils.parametrize.remove_parametrizations(t, "weight")
    cnn.utils.parametrize.remove_parametrizations(c, "weight")
    assert list(c.state_dict()) == list(t.state_dict())
    assert_close(c.weight, t.weight)
    check_parity(t, c, [randn(2, 3)])


def test_registration_errors():
    class Bad:
        pass

    def shrink(nn):
        class Shrink(nn.Module):
            def forward(self, x):
                return x[:1]

        return Shrink()

    def to_double(nn):
        class ToDouble(nn.Module):
            def forward(self, x):
                return x.double()

        return ToDouble()

    for make, name, error in [(_symmetric, "weights", ValueError), (shrink, "weight", ValueError),
                              (to_double, "weight", ValueError)]:
        t, c = build("nn.Linear(3, 3)")
        with pytest.raises(error) as theirs:
            torch.nn.utils.parametrize.register_parametrization(t, name, make(torch.nn))
        with pytest.raises(error) as ours:
            cnn.utils.parametrize.register_parametrization(c, name, make(cnn))
        assert str(ours.value) == str(theirs.value)
        # the same checks for a second parametrization on the tensor
        torch.nn.utils.parametrize.register_parametrization(t, "weight", _scale(torch.nn))
        cnn.utils.parametrize.register_parametrization(c, "weight", _scale(cnn))
        with pytest.raises(error) as theirs:
            torch.nn.utils.parametrize.register_parametrization(t, name, make(torch.nn))
        with pytest.raises(error) as ours:
            cnn.utils.parametrize.register_parametrization(c, name, make(cnn))
        assert str(ours.value) == str(theirs.value)
    t, c = build("nn.Linear(3, 3)")
    with pytest.raises(ValueError) as theirs:
        torch.nn.utils.parametrize.remove_parametrizations(t, "weight")
    with pytest.raises(ValueError) as ours:
        cnn.utils.parametrize.remove_parametrizations(c, "weight")
    assert str(ours.value) == str(theirs.value)


def test_cached_computes_once():
    calls = []

    class Counting(cnn.Module):
        def forward(self, x):
            calls.append(1)
            return x * 2

    c = cnn.Linear(3, 3)
    cnn.utils.parametrize.register_parametrization(c, "weight", Counting())
    calls.clear()
    with cnn.utils.parametrize.cached():
        first = c.weight
        assert c.weight is first
        c(chainrule.randn(2, 3))
    assert len(calls) == 1
    assert c.weight is not c.weight  # outside the block, each access computes anew
    assert len(calls) == 3


def test_parametrized_module_refuses_pickling():
    import pickle

    t, c = build("nn.Linear(3, 3)")
    torch.nn.utils.parametrizations.weight_norm(t)
    cnn.utils.parametrizations.weight_norm(c)
    with pytest.raises(RuntimeError) as theirs:
        pickle.dumps(t)
    with pytest.raises(RuntimeError) as ours:
        pickle.dumps(c)
    assert str(ours.value) == str(theirs.value)


def test_deepcopy_of_parametrized_module():
    import copy

    c = cnn.utils.parametrizations.weight_norm(cnn.Linear(3, 2))
    d = copy.deepcopy(c)
    assert type(d).__name__ == "ParametrizedLinear"
    x = chainrule.randn(4, 3)
    assert_close(d(x), c(x).detach())
    assert d.parametrizations.weight.original0 is not c.parametrizations.weight.original0


def test_gradient_through_parametrized_weight_with_float64():
    t, c = build("nn.Linear(3, 2).double()")
    copy_weights(t, c)
    torch.nn.utils.parametrizations.weight_norm(t)
    cnn.utils.parametrizations.weight_norm(c)
    assert c.parametrizations.weight.original0.dtype == chainrule.float64
    check_parity(t, c, [rng.standard_normal((4, 3))], atol=1e-10, rtol=1e-10)
    assert to_cr(t.weight).dtype == c.weight.dtype


def test_new_weight_norm_loads_an_old_weight_norm_checkpoint_as_torch():
    import warnings

    results = []
    for m in (chainrule, torch):
        m.manual_seed(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # the old API is deprecated
            old = m.nn.utils.weight_norm(m.nn.Linear(3, 2))
        with m.no_grad():
            old.weight_g.copy_(m.tensor([[2.0], [0.5]]))
            old.weight_v.copy_(m.tensor([[1.0, 2.0, 2.0], [0.0, 3.0, 4.0]]))
        new = m.nn.utils.parametrizations.weight_norm(m.nn.Linear(3, 2))
        result = new.load_state_dict(old.state_dict())
        results.append((repr(result), list(new.state_dict()), new.weight.detach().numpy().tolist()))
    assert results[0] == results[1]
