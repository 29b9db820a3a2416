"""Optimizer base class: param groups, zero_grad, state_dict layout and errors, as PyTorch."""

import importlib

import numpy as np
import pytest
import torch

import chainrule


def _params(lib):
    return lib.tensor([1.0, 2.0], requires_grad=True), lib.tensor([[0.5, -1.0]], requires_grad=True)


def _to_plain(obj):
    """state_dict contents with tensors turned into lists, for comparing the two libraries."""
    if isinstance(obj, (torch.Tensor, chainrule.Tensor)):
        return ("tensor", str(obj.dtype), obj.detach().tolist())
    if isinstance(obj, dict):
        return {k: _to_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_plain(v) for v in obj)
    return obj


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.1, amsgrad=True)), ("AdamW", dict(lr=0.1)),
     ("RMSprop", dict(lr=0.1, momentum=0.5, centered=True)), ("Adagrad", dict(lr=0.1)), ("Adamax", dict(lr=0.1)),
     ("NAdam", dict(lr=0.1)), ("RAdam", dict(lr=0.1)), ("Adadelta", dict(lr=0.1)), ("Rprop", dict(lr=0.1))],
)
def test_state_dict_layout_and_values_match_pytorch(name, kwargs):
    dicts = []
    for lib in (chainrule, torch):
        a, b = _params(lib)
        opt = getattr(lib.optim, name)([{"params": [a]}, {"params": [b], "lr": 0.01}], **kwargs)
        for _ in range(2):
            opt.zero_grad()
            ((a**2).sum() + (b**3).sum()).backward()
            opt.step()
        dicts.append(_to_plain(opt.state_dict()))
    ours, theirs = dicts
    assert ours["param_groups"] == theirs["param_groups"]
    assert list(ours["state"]) == list(theirs["state"])
    for i in theirs["state"]:
        assert list(ours["state"][i]) == list(theirs["state"][i])
        for key, (kind, dtype, value) in theirs["state"][i].items():
            assert ours["state"][i][key][:2] == (kind, dtype)
            np.testing.assert_allclose(ours["state"][i][key][2], value, rtol=1e-5, atol=1e-7)


def test_load_state_dict_resumes_exactly():
    def make():
        a, b = _params(chainrule)
        return a, b, chainrule.optim.SGD([a, b], lr=0.1, momentum=0.9, nesterov=True)

    def step(a, b, opt):
        opt.zero_grad()
        ((a**2).sum() + (b**2).sum()).backward()
        opt.step()

    a1, b1, opt1 = make()
    step(a1, b1, opt1)
    a2, b2, opt2 = make()
    with chainrule.no_grad():
        a2.copy_(a1)
        b2.copy_(b1)
    opt2.load_state_dict(opt1.state_dict())
    assert opt2.state[a2]["momentum_buffer"] is not opt1.state[a1]["momentum_buffer"]
    step(a1, b1, opt1)
    step(a2, b2, opt2)
    assert a1.tolist() == a2.tolist() and b1.tolist() == b2.tolist()


def test_load_state_dict_mismatch_errors_match_pytorch():
    for lib in (chainrule, torch):
        a, b = _params(lib)
        sd = lib.optim.SGD([a, b], lr=0.1).state_dict()
        with pytest.raises(ValueError, match="different number of parameter groups"):
            lib.optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(sd)
        with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
            lib.optim.SGD([a], lr=0.1).load_state_dict(sd)


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_matches_pytorch(set_to_none):
    results = []
    for lib in (chainrule, torch):
        a, b = _params(lib)
        opt = lib.optim.SGD([a, b], lr=0.1)
        (a.sum() * 3).backward()
        opt.zero_grad(set_to_none=set_to_none)
        results.append((a.grad if a.grad is None else a.grad.tolist(), b.grad))
    assert results[0] == results[1]


def test_add_param_group_and_defaults_match_pytorch():
    groups = []
    for lib in (chainrule, torch):
        a, b = _params(lib)
        opt = lib.optim.Adam([a], lr=0.1)
        opt.add_param_group({"params": b, "betas": (0.5, 0.6)})
        groups.append([{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups])
        assert opt.param_groups[1]["params"] == [b]
    assert groups[0] == groups[1]


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda lib, a, b: lib.optim.SGD([], lr=0.1), ValueError),
        (lambda lib, a, b: lib.optim.SGD(a, lr=0.1), TypeError),
        (lambda lib, a, b: lib.optim.SGD([{"params": {a, b}}], lr=0.1), TypeError),
        (lambda lib, a, b: lib.optim.SGD([a * 2], lr=0.1), ValueError),
        (lambda lib, a, b: lib.optim.SGD([a, 3.0], lr=0.1), TypeError),
        (lambda lib, a, b: lib.optim.SGD([{"params": [a]}, {"params": [a]}], lr=0.1), ValueError),
        (lambda lib, a, b: lib.optim.SGD([a], lr=-1.0), ValueError),
        (lambda lib, a, b: lib.optim.SGD([a], lr=0.1, nesterov=True), ValueError),
        (lambda lib, a, b: lib.optim.Adam([a], betas=(1.0, 0.9)), ValueError),
        (lambda lib, a, b: lib.optim.RMSprop([a], alpha=-1), ValueError),
    ],
)
def test_construction_errors_match_pytorch(make, error):
    messages = []
    for lib in (chainrule, torch):
        a, b = _params(lib)
        with pytest.raises(error) as info:
            make(lib, a, b)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_step_hooks_run_in_order_like_pytorch():
    logs = []
    for lib in (chainrule, torch):
        log = []
        a, b = _params(lib)
        opt = lib.optim.Adam([a, b], lr=0.1)
        h1 = opt.register_step_pre_hook(
            lambda o, args, kwargs, log=log: log.append(("pre", type(o).__name__, [type(x).__name__ for x in args]))
        )
        opt.register_step_post_hook(lambda o, args, kwargs, log=log: log.append(("post", len(o.state))))
        module = importlib.import_module(lib.__name__ + ".optim.optimizer")
        g = module.register_optimizer_step_pre_hook(lambda o, args, kwargs, log=log: log.append(("global",)))
        (a.sum() + b.sum()).backward()
        opt.step()
        h1.remove()
        g.remove()
        opt.step()
        logs.append(log)
    assert logs[0] == logs[1]


def test_a_subclass_calling_super_step_runs_hooks_once():
    class Clipped(chainrule.optim.SGD):
        def step(self, closure=None):
            return super().step(closure)

    a, _ = _params(chainrule)
    opt = Clipped([a], lr=0.1)
    calls = []
    opt.register_step_post_hook(lambda *args: calls.append(1))
    a.sum().backward()
    opt.step()
    assert calls == [1] and a.tolist() == pytest.approx([0.9, 1.9])


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_a_tensor_learning_rate_works_like_pytorch(name):
    results = []
    for lib in (chainrule, torch):
        a, b = _params(lib)
        opt = getattr(lib.optim, name)([a, b], lr=lib.tensor(0.05))
        for _ in range(3):
            opt.zero_grad()
            ((a**2).sum() + (b**3).sum()).backward()
            opt.step()
        results.append(a.tolist() + b.flatten().tolist())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6, atol=1e-6)


def _heavy_ball(lib):
    """A user-written momentum optimizer, subclassing ``lib.optim.Optimizer``."""

    class HeavyBall(lib.optim.Optimizer):
        def __init__(self, params, lr=0.1, momentum=0.5):
            super().__init__(params, dict(lr=lr, momentum=momentum))

        @lib.no_grad()
        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    if "buf" not in state:
                        state["buf"] = lib.zeros_like(p)
                    state["buf"].mul_(group["momentum"]).add_(p.grad)
                    p.add_(state["buf"], alpha=-group["lr"])

    return HeavyBall


def test_a_user_defined_optimizer_runs_and_prints_like_pytorch():
    outputs = []
    for lib in (chainrule, torch):
        w = lib.tensor([1.0, -2.0], requires_grad=True)
        opt = _heavy_ball(lib)([w])
        for _ in range(5):
            opt.zero_grad()
            (w**2).sum().backward()
            opt.step()
        outputs.append((repr(w), repr(opt.state_dict()["state"]), repr(opt)))
    assert outputs[0] == outputs[1]
