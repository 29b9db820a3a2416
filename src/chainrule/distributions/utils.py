"""Helpers shared by the distributions: broadcasting parameters, probs <-> logits, lazy properties."""

from __future__ import annotations

import numbers

import chainrule as torch

__all__ = ["broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs", "probs_to_logits"]


def broadcast_all(*values):
    """Broadcast tensors and numbers to one shape; numbers become tensors of the default dtype
    (or of the first tensor's dtype)."""
    if not all(isinstance(v, (torch.Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number, torch.Tensor or objects implementing __torch_function__.")
    if not all(isinstance(v, torch.Tensor) for v in values):
        dtype = next((v.dtype for v in values if isinstance(v, torch.Tensor)), torch.get_default_dtype())
        values = [v if isinstance(v, torch.Tensor) else torch.tensor(v, dtype=dtype) for v in values]
    return torch.broadcast_tensors(*values)


def _standard_normal(shape, dtype):
    """Standard normal noise of ``shape`` (no gradient)."""
    return torch.randn(tuple(shape), dtype=dtype)


def _sum_rightmost(value, dim: int):
    """Sum over the ``dim`` rightmost dims of ``value``."""
    if dim == 0:
        return value
    return value.reshape(value.shape[: value.dim() - dim] + (-1,)).sum(-1)


def logits_to_probs(logits, is_binary: bool = False):
    """Probabilities from logits: a sigmoid for binary, a softmax over the last dim otherwise."""
    if is_binary:
        return torch.sigmoid(logits)
    return torch.softmax(logits, dim=-1)


def clamp_probs(probs):
    """Clamp probabilities into the open interval ``(eps, 1 - eps)`` of their dtype."""
    eps = torch.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary: bool = False):
    """Logits from probabilities: log-odds for binary, clamped logs otherwise."""
    ps_clamped = clamp_probs(probs)
    if is_binary:
        return torch.log(ps_clamped) - torch.log1p(-ps_clamped)
    return torch.log(ps_clamped)


class lazy_property:
    """A property computed on first access and then cached on the instance."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__
        self.__name__ = wrapped.__name__

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return self
        with torch.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value



def _numpy_sample(draw, shape, dtype):
    """A tensor of ``dtype`` from ``draw(generator, shape)``, a NumPy sampler run on chainrule's
    generator (so ``manual_seed`` makes it reproducible); for samplers chainrule has no op for."""
    from chainrule._creation import _rng

    return torch.tensor(draw(_rng(None), tuple(shape)), dtype=dtype)
