"""Helpers for nn tests: build the same module in chainrule and torch, share weights, compare."""

import numpy as np
import torch

import chainrule


def to_cr(t: "torch.Tensor") -> chainrule.Tensor:
    return chainrule.tensor(t.detach().numpy().copy())


def copy_weights(torch_module, cr_module) -> None:
    """Load torch's state_dict into ours (the keys must match torch's)."""
    cr_module.load_state_dict({k: to_cr(v) for k, v in torch_module.state_dict().items()})


def assert_close(ours, theirs, atol=1e-5, rtol=1e-4, what=""):
    a = ours.detach().numpy() if isinstance(ours, chainrule.Tensor) else np.asarray(ours)
    b = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs {b.shape}"
    np.testing.assert_allclose(a, b, atol=atol, rtol=rtol, err_msg=what)


def check_parity(torch_module, cr_module, inputs, atol=1e-5, rtol=1e-4, seed=0, **kwargs):
    """Same weights in, same outputs, input gradients and parameter gradients out.

    ``inputs`` are NumPy arrays; float arrays require grad; ``kwargs`` go to both forwards (NumPy
    arrays as each library's tensors). Every output gets a random cotangent, so that a rule that ignores its incoming gradient
    cannot pass."""
    copy_weights(torch_module, cr_module)
    t_in = [torch.tensor(x, requires_grad=x.dtype.kind == "f") for x in inputs]
    c_in = [chainrule.tensor(x, requires_grad=x.dtype.kind == "f") for x in inputs]
    t_kw = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    c_kw = {k: chainrule.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    t_out = _flatten(torch_module(*t_in, **t_kw))
    c_out = _flatten(cr_module(*c_in, **c_kw))
    assert len(c_out) == len(t_out)
    rng = np.random.default_rng(seed)
    t_loss, c_loss = 0, 0
    for i, (c, t) in enumerate(zip(c_out, t_out, strict=True)):
        assert_close(c, t, atol, rtol, f"output {i}")
        if t.requires_grad:
            cot = rng.standard_normal(tuple(t.shape)).astype(t.detach().numpy().dtype)
            t_loss = t_loss + (t * torch.tensor(cot)).sum()
            c_loss = c_loss + (c * chainrule.tensor(cot)).sum()
    t_loss.backward()
    c_loss.backward()
    for i, (ct, tt) in enumerate(zip(c_in, t_in, strict=True)):
        if tt.requires_grad:
            assert_close(ct.grad, tt.grad, atol, rtol, f"grad of input {i}")
    t_params = dict(torch_module.named_parameters())
    c_params = dict(cr_module.named_parameters())
    assert list(c_params) == list(t_params)
    for name, tp in t_params.items():
        if tp.grad is None:
            assert c_params[name].grad is None, name
        else:
            assert_close(c_params[name].grad, tp.grad, atol, rtol, f"grad of {name}")
    return c_out, t_out


def _flatten(out) -> list:
    """The tensors of a (nested) output, in order; None entries dropped."""
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flatten(o)]
    return [] if out is None else [out]
