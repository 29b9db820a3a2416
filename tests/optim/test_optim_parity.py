"""Optimizers match PyTorch step for step: same weights, same loss, same parameters after 20 steps."""

import numpy as np
import pytest
import torch

import chainrule
import chainrule.optim  # noqa: F401

RNG = np.random.default_rng(0)
W0 = RNG.standard_normal((3, 4)).astype(np.float32)
B0 = RNG.standard_normal(3).astype(np.float32)
X = RNG.standard_normal((8, 4)).astype(np.float32)
Y = RNG.standard_normal((8, 3)).astype(np.float32)

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.5, maximize=True)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.9), maximize=True)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, weight_decay=0.5, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.5)),
    ("Adamax", dict(lr=0.05)),
    ("Adamax", dict(lr=0.05, weight_decay=0.1, betas=(0.8, 0.99))),
    ("NAdam", dict(lr=0.05)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.05)),
    ("RAdam", dict(lr=0.05, weight_decay=0.1)),
    ("RAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1, maximize=True)),
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=5, weight_decay=0.1)),
    ("ASGD", dict(lr=0.05, t0=0, maximize=True)),
    ("Rprop", dict(lr=0.01)),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-4, 0.2), maximize=True)),
]


def _loss(lib, w, b):
    pred = lib.tanh(lib.tensor(X) @ w.t() + b)
    return ((pred - lib.tensor(Y)) ** 2).mean() + 0.01 * (w**4).sum()


def _train(lib, name, kwargs, steps=20, groups=False):
    w = lib.tensor(W0.copy(), requires_grad=True)
    b = lib.tensor(B0.copy(), requires_grad=True)
    params = [{"params": [w]}, {"params": [b], "lr": kwargs.get("lr", 1.0) / 2}] if groups else [w, b]
    opt = getattr(lib.optim, name)(params, **kwargs)
    for _ in range(steps):
        opt.zero_grad()
        _loss(lib, w, b).backward()
        opt.step()
    return w.detach().numpy(), b.detach().numpy(), opt


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_twenty_steps_match_pytorch(name, kwargs):
    w_c, b_c, _ = _train(chainrule, name, kwargs)
    w_t, b_t, _ = _train(torch, name, kwargs)
    np.testing.assert_allclose(w_c, w_t, rtol=2e-5, atol=2e-5)
    np.testing.assert_allclose(b_c, b_t, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_param_groups_with_their_own_lr_match_pytorch(name):
    kwargs = dict(lr=0.05, momentum=0.9) if name != "Adam" else dict(lr=0.05)
    w_c, b_c, opt_c = _train(chainrule, name, kwargs, groups=True)
    w_t, b_t, opt_t = _train(torch, name, kwargs, groups=True)
    np.testing.assert_allclose(w_c, w_t, rtol=2e-5, atol=2e-5)
    np.testing.assert_allclose(b_c, b_t, rtol=2e-5, atol=2e-5)
    assert [g["lr"] for g in opt_c.param_groups] == [g["lr"] for g in opt_t.param_groups]


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_matches_pytorch(line_search_fn):
    # Without a line search, L-BFGS at lr=0.5 amplifies float32 rounding after ~15 iterations,
    # so that case runs 12 iterations.
    def run(lib):
        w = lib.tensor(W0.copy(), requires_grad=True)
        b = lib.tensor(B0.copy(), requires_grad=True)
        opt = lib.optim.LBFGS([w, b], lr=0.5 if line_search_fn is None else 1, max_iter=6 if line_search_fn is None else 10,
                              history_size=5, line_search_fn=line_search_fn)

        def closure():
            opt.zero_grad()
            loss = _loss(lib, w, b)
            loss.backward()
            return loss

        losses = [float(opt.step(closure).detach()) for _ in range(2)]
        return w.detach().numpy(), b.detach().numpy(), losses, opt.state[w]["func_evals"]

    w_c, b_c, l_c, n_c = run(chainrule)
    w_t, b_t, l_t, n_t = run(torch)
    np.testing.assert_allclose(l_c, l_t, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(w_c, w_t, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(b_c, b_t, rtol=1e-3, atol=1e-4)
    assert n_c == n_t


def test_closure_loss_is_returned_and_computed_with_grad():
    w = chainrule.tensor([1.0, 2.0], requires_grad=True)
    opt = chainrule.optim.SGD([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w**2).sum()
        assert loss.requires_grad
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert float(loss) == 5.0
    np.testing.assert_allclose(w.detach().numpy(), [0.8, 1.6])


def test_parameters_without_grad_are_skipped_and_step_bumps_version():
    for lib in (chainrule, torch):
        a = lib.tensor([1.0], requires_grad=True)
        b = lib.tensor([2.0], requires_grad=True)
        opt = lib.optim.Adam([a, b], lr=0.1)
        (a * 3).sum().backward()
        v = a._version
        opt.step()
        assert b.tolist() == [2.0] and a._version > v
        assert len(opt.state) == 1


@pytest.mark.parametrize("kwargs", [dict(lr=0.05, t0=3), dict(lr=0.05, lambd=0.01, alpha=0.5, t0=0, weight_decay=0.1)])
def test_asgd_state_matches_pytorch(kwargs):
    """ASGD's averaged parameters ``ax`` (averaging from step t0 on), ``eta`` and ``mu``."""
    states = []
    for lib in (chainrule, torch):
        w = lib.tensor(W0.copy(), requires_grad=True)
        b = lib.tensor(B0.copy(), requires_grad=True)
        opt = lib.optim.ASGD([w, b], **kwargs)
        for _ in range(8):
            opt.zero_grad()
            _loss(lib, w, b).backward()
            opt.step()
        states.append({k: v.detach().numpy() for k, v in opt.state[w].items()})
    assert list(states[0]) == list(states[1])
    for k in states[1]:
        np.testing.assert_allclose(states[0][k], states[1][k], rtol=1e-5, atol=1e-6, err_msg=k)
