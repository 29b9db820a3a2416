"""Loss functions of chainrule.nn.functional.

Losses PyTorch records as one node (``mse_loss``, ``nll_loss``, the binary cross entropies,
``smooth_l1_loss``, ``huber_loss``, ``soft_margin_loss``) are primitives here too, with the
reduction inside the kernel; ``cross_entropy`` is ``log_softmax`` then ``nll_loss``, as in
PyTorch. The rest are composed of chainrule ops.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import ops as _ops
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..ops import abs, clamp_min, exp, expand, log, mean, sigmoid, squeeze, sum, view, where
from ..ops._registry import defvjp, primitive, record
from ._activation import _dims, _opmath, _softplus_np, log_softmax, logsigmoid, pairwise_distance

__all__ = [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cosine_embedding_loss", "cross_entropy", "ctc_loss",
    "gaussian_nll_loss", "hinge_embedding_loss", "huber_loss", "kl_div", "l1_loss", "margin_ranking_loss",
    "mse_loss", "multilabel_soft_margin_loss", "nll_loss", "poisson_nll_loss", "smooth_l1_loss",
    "soft_margin_loss", "triplet_margin_loss", "multi_margin_loss", "multilabel_margin_loss",
    "triplet_margin_with_distance_loss",
]

_nd = np.asarray
_REDUCTIONS = ("none", "mean", "sum")


def _reduction(size_average, reduce, reduction: str) -> str:
    """The reduction named by PyTorch's deprecated ``size_average``/``reduce`` or by ``reduction``."""
    if size_average is not None or reduce is not None:
        warnings.warn("size_average and reduce args will be deprecated, please use reduction='sum' instead.",
                      UserWarning, stacklevel=3)
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        return ("mean" if size_average else "sum") if reduce else "none"
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return mean(loss)
    if reduction == "sum":
        return sum(loss)
    return loss


def _weighted(loss: Tensor, input: Tensor, weight: Tensor, reduction: str, mean_by_weight: bool) -> Tensor:
    """``loss * weight`` reduced; PyTorch's mse and l1 means divide by the total weight."""
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return sum(loss) / sum(weight)
    return _reduce(loss, reduction)


def _reduce_np(loss: np.ndarray, reduction: str, dtype) -> np.ndarray:
    if reduction == "none":
        return loss.astype(dtype, copy=False)
    if reduction == "sum":
        return _nd(np.sum(loss)).astype(dtype)
    if loss.size == 0:
        return _nd(np.nan).astype(dtype)
    return _nd(np.mean(loss)).astype(dtype)


def _unreduce(grad: Tensor, shape: tuple, reduction: str) -> Tensor:
    """The gradient of each element of the unreduced loss."""
    if reduction == "none":
        return grad
    if reduction == "mean":
        grad = grad / max(math.prod(shape), 1)
    return expand(grad, shape)


def _same_size(input: Tensor, target: Tensor, name: str) -> tuple:
    """``input`` and ``target`` broadcast together, with PyTorch's warning when their sizes differ."""
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            f"Using a target size ({_size(target)}) that is different to the input size ({_size(input)}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            UserWarning,
            stacklevel=3,
        )
        try:
            shape = np.broadcast_shapes(tuple(input.shape), tuple(target.shape))
        except ValueError:
            raise RuntimeError(_broadcast_message(input.shape, target.shape)) from None
        input, target = expand(input, shape), expand(target, shape)
    return input, target


def _broadcast_message(a, b) -> str:
    n = max(len(a), len(b))
    pa, pb = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    for i, (p, q) in enumerate(zip(pa, pb, strict=True)):
        if p != q and p != 1 and q != 1:
            return f"The size of tensor a ({p}) must match the size of tensor b ({q}) at non-singleton dimension {i}"
    return "shapes cannot be broadcast together"


def _size(t: Tensor) -> str:
    return f"torch.Size([{', '.join(str(s) for s in t.shape)}])"


# -- regression losses --------------------------------------------------------------------------


@primitive("MseLossBackward0")
def _mse_loss(x, y, *, reduction):
    d = _opmath(x) - _opmath(y)
    return _reduce_np(d * d, reduction, np.result_type(x.dtype, y.dtype))  # PyTorch promotes (unlike huber)


def _mse_vjp(grad, result, x, y, *, reduction):
    return 2 * _unreduce(grad, x.shape, reduction) * (x - y)


defvjp(_mse_loss, _mse_vjp, lambda grad, result, x, y, *, reduction: -_mse_vjp(grad, result, x, y, reduction=reduction))


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
             weight=None) -> Tensor:
    """Mean (or summed) squared error."""
    reduction = _reduction(size_average, reduce, reduction)
    input, target = _same_size(input, target, "mse_loss")
    if weight is not None:
        return _weighted((input - target) ** 2, input, weight, reduction, True)
    return record(_mse_loss, _mse_loss.kernel(input._data, target._data, reduction=reduction), (input, target),
                  {"reduction": reduction})


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
            weight=None) -> Tensor:
    """Mean (or summed) absolute error."""
    reduction = _reduction(size_average, reduce, reduction)
    input, target = _same_size(input, target, "l1_loss")
    loss = abs(input - target)
    return _reduce(loss, reduction) if weight is None else _weighted(loss, input, weight, reduction, True)


@primitive("SmoothL1LossBackward0")
def _smooth_l1_loss(x, y, *, reduction, beta):
    d = np.abs(_opmath(x) - _opmath(y))
    return _reduce_np(np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta), reduction, np.result_type(x.dtype, y.dtype))


def _smooth_l1_vjp(grad, result, x, y, *, reduction, beta):
    d = x - y
    return _unreduce(grad, x.shape, reduction) * (d / beta).clamp(-1.0, 1.0)


defvjp(_smooth_l1_loss, _smooth_l1_vjp, lambda grad, result, x, y, **k: -_smooth_l1_vjp(grad, result, x, y, **k))


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """Squared error below ``beta``, absolute error above (Huber loss divided by ``beta``)."""
    reduction = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0.0:
        return l1_loss(input, target, reduction=reduction)
    input, target = _same_size(input, target, "smooth_l1_loss")
    params = {"reduction": reduction, "beta": beta}
    return record(_smooth_l1_loss, _smooth_l1_loss.kernel(input._data, target._data, **params), (input, target), params)


@primitive("HuberLossBackward0")
def _huber_loss(x, y, *, reduction, delta):
    d = np.abs(_opmath(x) - _opmath(y))
    return _reduce_np(np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)), reduction, x.dtype)


def _huber_vjp(grad, result, x, y, *, reduction, delta):
    return _unreduce(grad, x.shape, reduction) * (x - y).clamp(-delta, delta)


defvjp(_huber_loss, _huber_vjp, lambda grad, result, x, y, **k: -_huber_vjp(grad, result, x, y, **k))


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0, weight=None) -> Tensor:
    """Squared error below ``delta``, ``delta``-scaled absolute error above."""
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    reduction = _reduction(None, None, reduction)
    input, target = _same_size(input, target, "huber_loss")
    if weight is not None:
        return _weighted(huber_loss(input, target, "none", delta), input, weight, reduction, False)
    params = {"reduction": reduction, "delta": delta}
    return record(_huber_loss, _huber_loss.kernel(input._data, target._data, **params), (input, target), params)


# -- classification losses ----------------------------------------------------------------------


def _nll_parts(x, target, weight, ignore_index):
    """Per-element picked log-probabilities and their weights (0 where ignored)."""
    valid = target != ignore_index
    safe = np.where(valid, target, 0)
    n_classes = x.shape[1] if x.ndim > 1 else x.shape[0]
    if np.any(valid & ((target < 0) | (target >= n_classes))):
        bad = target[valid & ((target < 0) | (target >= n_classes))].flat[0]
        raise IndexError(f"Target {bad} is out of bounds.")
    if x.ndim == 1:
        picked = x[safe]
    else:
        picked = np.take_along_axis(x, np.expand_dims(safe, 1), axis=1).squeeze(1)
    w = np.ones(target.shape, dtype=x.dtype) if weight is None else weight[safe].astype(x.dtype)
    return picked, np.where(valid, w, 0).astype(x.dtype), safe, valid


def _nll_rows(x, target, weight, ignore_index):
    """Row indices for the common case (2-d input, no class weights, every target a valid
    class), where plain fancy indexing does the work; None otherwise."""
    if weight is not None or x.ndim != 2 or not target.size:
        return None
    lo, hi = target.min(), target.max()
    if lo < 0 or hi >= x.shape[1] or (lo <= ignore_index <= hi and (target == ignore_index).any()):
        return None
    return np.arange(target.shape[0])


def _nll_kernel(x, target, weight, *, reduction, ignore_index):
    xo = _opmath(x)
    rows = _nll_rows(xo, target, weight, ignore_index)
    if rows is not None:
        picked = xo[rows, target]
        if reduction == "none":
            return (-picked).astype(x.dtype)
        total = np.sum(picked)
        return _nd(-total if reduction == "sum" else -total / target.shape[0]).astype(x.dtype)
    picked, w, _, _ = _nll_parts(xo, target, None if weight is None else _opmath(weight), ignore_index)
    loss = -w * picked
    if reduction == "none":
        return loss.astype(x.dtype)
    if reduction == "sum":
        return _nd(np.sum(loss)).astype(x.dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        return _nd(np.sum(loss) / np.sum(w)).astype(x.dtype)


def _nll_backward_kernel(grad, target, weight, *, shape, reduction, ignore_index):
    """The gradient of nll_loss in its input: ``-weight * grad`` at each target class."""
    g = _opmath(grad)
    out = np.zeros(shape, dtype=g.dtype)
    rows = _nll_rows(out, target, weight, ignore_index)
    if rows is not None:
        out[rows, target] = -(g / target.shape[0]) if reduction == "mean" else -g
        return out.astype(grad.dtype, copy=False)
    _, w, safe, valid = _nll_parts(out, target, None if weight is None else _opmath(weight), ignore_index)
    if reduction == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            g = g / np.sum(w)
    # Ignored targets get exactly 0, even when the mean over no weight is NaN (as PyTorch).
    with np.errstate(invalid="ignore"):
        vals = np.where(valid, -w * g, 0).astype(g.dtype, copy=False)
    if len(shape) == 1:
        out[safe] = vals
    else:
        np.put_along_axis(out, np.expand_dims(safe, 1), np.expand_dims(np.broadcast_to(vals, safe.shape), 1), axis=1)
    return out.astype(grad.dtype, copy=False)


def _nll_vjp(grad, result, x, target, weight, *, reduction, ignore_index):
    params = {"shape": x.shape, "reduction": reduction, "ignore_index": ignore_index}
    return record(_nll_loss_backward, _nll_backward_kernel(grad._data, _data(target), _data(weight), **params),
                  (grad, target, weight), params)


def _data(t):
    return None if t is None else t._data


# One kernel, two node names: PyTorch's 2-d kernel (NllLoss2d) serves inputs with extra dims.
_nll_loss = primitive("NllLossBackward0")(lambda x, target, weight, **k: _nll_kernel(x, target, weight, **k))
_nll_loss.name = "_nll_loss"
_nll_loss2d = primitive("NllLoss2DBackward0")(lambda x, target, weight, **k: _nll_kernel(x, target, weight, **k))
_nll_loss2d.name = "_nll_loss2d"
defvjp(_nll_loss, _nll_vjp, None, None)
defvjp(_nll_loss2d, _nll_vjp, None, None)


@primitive("NllLossBackwardBackward0")
def _nll_loss_backward(grad, target, weight, *, shape, reduction, ignore_index):
    return _nll_backward_kernel(grad, target, weight, shape=shape, reduction=reduction, ignore_index=ignore_index)


# The backward is linear in grad, with nll_loss itself as its transpose.
defvjp(
    _nll_loss_backward,
    lambda gg, result, grad, target, weight, *, shape, reduction, ignore_index: record(
        _nll_loss, _nll_kernel(gg._data, target._data, _data(weight), reduction=reduction, ignore_index=ignore_index),
        (gg, target, weight), {"reduction": reduction, "ignore_index": ignore_index}),
    None,
    None,
)


def _check_nll(input: Tensor, target: Tensor, weight) -> None:
    if input.dim() < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.dim()})")
    kind = target._data.dtype
    if input.dim() > 2 and kind != np.int64:
        raise RuntimeError(f"expected scalar type Long but found {_word(target)}")
    if kind not in (np.int64, np.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_word(target)}")
    if input.dim() == 1 and target.dim() != 0:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input.dim() >= 2 and (target.dim() == 0 or input.shape[0] != target.shape[0]):
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
            f"({target.shape[0] if target.dim() else 0})."
        )
    if input.dim() > 2 and tuple(target.shape[1:]) != tuple(input.shape[2:]):
        raise RuntimeError(
            f"size mismatch (got input: {list(input.shape)}, target: {list(target.shape)})"
        )
    c = input.shape[1] if input.dim() > 1 else input.shape[0]
    if weight is not None and (weight.dim() != 1 or weight.shape[0] != c):
        raise RuntimeError(
            f"weight tensor should be defined either for all {c} classes or no classes but got weight "
            f"tensor of shape: {list(weight.shape)}"
        )
    if weight is not None and weight._data.dtype != input._data.dtype:
        raise RuntimeError(f"expected scalar type {_word(input)} but found {_word(weight)}: give the class weights "
                           f"the input's dtype (weight.to(input.dtype))")


def _word(t: Tensor) -> str:
    return {"float32": "Float", "float64": "Double", "int32": "Int", "int64": "Long", "bool": "Bool",
            "float16": "Half", "uint8": "Byte"}.get(t._data.dtype.name, str(t.dtype))


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of the ``target`` classes in log-probabilities ``input`` ((N, C, ...))."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_nll(input, target, weight)
    target_np = target._data.astype(np.int64, copy=False)
    target = Tensor._make(target_np)
    params = {"reduction": reduction, "ignore_index": ignore_index}
    if input.dim() <= 2:
        return record(_nll_loss, _nll_kernel(input._data, target_np, _data(weight), **params), (input, target, weight), params)
    # PyTorch computes extra dims with its 2-d kernel, through (N, C, d1, rest) views.
    reshaped = input.dim() != 4
    if reshaped:
        n, c = input.shape[:2]
        input = view(input, (n, c, input.shape[2], -1))
        target = Tensor._make(target_np.reshape(n, input.shape[2], -1))
    out = record(_nll_loss2d, _nll_kernel(input._data, target._data, _data(weight), **params), (input, target, weight), params)
    return view(out, target_np.shape) if reshaped and reduction == "none" else out


@primitive("DivBackward1", save_inputs=False)
def _div_by_number(x, *, other):
    return _nd(x / other).astype(x.dtype, copy=False)


defvjp(_div_by_number, lambda grad, result, x, *, other: grad / other)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """``nll_loss(log_softmax(input, 1), target)`` for class indices, or the cross entropy with
    class probabilities ``target`` (same shape as ``input``); optional label smoothing.

    >>> cross_entropy(chainrule.zeros(2, 4), chainrule.tensor([0, 3]))
    tensor(1.3863)
    """
    reduction = _reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 0 if input.dim() == 1 else 1
    lsm = log_softmax(input, class_dim)
    n_classes = input.shape[class_dim]
    if target._data.dtype.kind == "f":
        return _cross_entropy_probs(lsm, target, weight, reduction, label_smoothing, class_dim, n_classes)
    nll = nll_loss(lsm, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing == 0.0:
        return nll
    # Smoothing: each class also gets label_smoothing / C of the target mass.
    smooth = lsm if weight is None else lsm * view(weight, (n_classes,) + (1,) * (lsm.dim() - class_dim - 1))
    smooth = -sum(smooth, class_dim)
    ignored = Tensor._make(_nd(target._data == ignore_index))
    smooth = where(ignored, 0.0, smooth)
    if reduction == "mean":
        if weight is None:
            smooth = sum(smooth) / max(int((~ignored._data).sum()), 0)
        else:
            valid = target._data[~ignored._data]
            smooth = sum(smooth) / Tensor._make(_nd(weight._data[valid].sum()))
    elif reduction == "sum":
        smooth = sum(smooth)
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / n_classes)


def _cross_entropy_probs(lsm, target, weight, reduction, label_smoothing, class_dim, n_classes):
    if tuple(target.shape) != tuple(lsm.shape):
        raise RuntimeError(
            f"Expected target size {list(lsm.shape[:class_dim]) + list(lsm.shape[class_dim + 1:])}, "
            f"got {list(target.shape)}"
        )
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    prod = lsm * target
    if weight is not None:
        prod = prod * view(weight, (n_classes,) + (1,) * (lsm.dim() - class_dim - 1))
    if reduction == "none":
        return -sum(prod, class_dim)
    total = -sum(prod)
    if reduction == "sum":
        return total
    batch = lsm.numel() // n_classes if n_classes else 0
    return record(_div_by_number, _div_by_number.kernel(total._data, other=batch), (total,), {"other": batch})


# Log terms are clamped at -100, as PyTorch, so that targets of exactly 0 or 1 stay finite.
@primitive("BinaryCrossEntropyBackward0")
def _bce(x, y, weight, *, reduction):
    xo, yo = _opmath(x), _opmath(y)
    with np.errstate(divide="ignore"):
        loss = (yo - 1) * np.maximum(np.log1p(-xo), -100) - yo * np.maximum(np.log(xo), -100)
    if weight is not None:
        loss = loss * _opmath(weight)
    return _reduce_np(loss, reduction, x.dtype)


_BCE_EPS = float(np.float32(1e-12))  # PyTorch's bound, a float32 constant in every dtype


def _bce_vjp_input(grad, result, x, y, weight, *, reduction):
    g = _unreduce(grad, x.shape, reduction) * (x - y) / clamp_min((1 - x) * x, _BCE_EPS)
    return g if weight is None else g * weight


def _bce_vjp_target(grad, result, x, y, weight, *, reduction):
    g = _unreduce(grad, x.shape, reduction) * (log(1 - x) - log(x))  # unclamped, as PyTorch
    return g if weight is None else g * weight


defvjp(_bce, _bce_vjp_input, _bce_vjp_target, None)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """``-(target * log(input) + (1 - target) * log(1 - input))`` for probabilities ``input``."""
    reduction = _reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Using a target size ({_size(target)}) that is different to the input size ({_size(input)}) is "
            "deprecated. Please ensure they have the same size."
        )
    if target._data.dtype != input._data.dtype:
        raise RuntimeError(f"Found dtype {_word(target)} but expected {_word(input)}: give the target the input's "
                           "dtype (target.to(input.dtype))")
    d = input._data
    if d.size and (np.any(d < 0) or np.any(d > 1) or np.any(np.isnan(d))):
        raise RuntimeError("all elements of input should be between 0 and 1")
    if weight is not None and tuple(weight.shape) != tuple(input.shape):
        weight = expand(weight, tuple(input.shape))
    return record(_bce, _bce.kernel(d, target._data, _data(weight), reduction=reduction), (input, target, weight),
                  {"reduction": reduction})


@primitive("BinaryCrossEntropyWithLogitsBackward0")
def _bce_logits(x, y, weight, pos_weight, *, reduction):
    xo, yo = _opmath(x), _opmath(y)
    sp = _softplus_np(-xo)  # -log(sigmoid(x)), finite at any x
    if pos_weight is None:
        loss = (1 - yo) * xo + sp
    else:
        loss = (1 - yo) * xo + ((_opmath(pos_weight) - 1) * yo + 1) * sp
    if weight is not None:
        loss = loss * _opmath(weight)
    # PyTorch's loss starts from (1 - target) and is updated in place: the target's dtype.
    return _reduce_np(loss, reduction, y.dtype if y.dtype.kind == "f" else x.dtype)


def _bce_logits_vjp_input(grad, result, x, y, weight, pos_weight, *, reduction):
    if pos_weight is None:
        d = sigmoid(x) - y
    else:
        d = (1 - y) - ((pos_weight - 1) * y + 1) * sigmoid(-x)
    g = _unreduce(grad, x.shape, reduction) * d
    return g if weight is None else g * weight


def _bce_logits_vjp_target(grad, result, x, y, weight, pos_weight, *, reduction):
    d = -x if pos_weight is None else -x - (pos_weight - 1) * logsigmoid(x)
    g = _unreduce(grad, x.shape, reduction) * d
    return g if weight is None else g * weight


defvjp(_bce_logits, _bce_logits_vjp_input, _bce_logits_vjp_target, None, None)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average=None, reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """``binary_cross_entropy(sigmoid(input), target)``, computed stably from the logits."""
    reduction = _reduction(size_average, reduce, reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Target size ({_size(target)}) must be the same as input size ({_size(input)})"
        )
    shape = tuple(input.shape)
    if weight is not None:
        weight = expand(weight, shape)
    if pos_weight is not None:
        pos_weight = expand(pos_weight, shape)
    params = {"reduction": reduction}
    out = _bce_logits.kernel(input._data, target._data, _data(weight), _data(pos_weight), **params)
    return record(_bce_logits, out, (input, target, weight, pos_weight), params)


@primitive("SoftMarginLossBackward0")
def _soft_margin_loss(x, y, *, reduction):
    return _reduce_np(_softplus_np(-_opmath(y) * _opmath(x)), reduction, x.dtype)


defvjp(
    _soft_margin_loss,
    lambda grad, result, x, y, *, reduction: _unreduce(grad, x.shape, reduction) * -y * sigmoid(-y * x),
    None,
)


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """``log(1 + exp(-target * input))`` (targets are +1 or -1)."""
    reduction = _reduction(size_average, reduce, reduction)
    input, target = _same_size(input, target, "soft_margin_loss")
    params = {"reduction": reduction}
    return record(_soft_margin_loss, _soft_margin_loss.kernel(input._data, target._data, **params), (input, target), params)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                                reduce=None, reduction: str = "mean") -> Tensor:
    """Binary cross entropy with logits per label, averaged over the labels."""
    reduction = _reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = sum(loss, class_dim) / input.shape[class_dim]
    return _reduce(loss, reduction)


def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence of ``target`` from log-probabilities ``input``."""
    if size_average is not None or reduce is not None:
        reduction = _reduction(size_average, reduce, reduction)
    elif reduction not in ("none", "mean", "sum", "batchmean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size."
            "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
            "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
            UserWarning,
            stacklevel=2,
        )
    if log_target:
        loss = exp(target) * (target - input)
    else:
        # xlogy(target, target): 0 where target is 0, with a gradient that stays finite there.
        zero = target == 0
        loss = where(zero, 0.0, target * log(where(zero, 1.0, target))) - target * input
    if reduction == "batchmean":
        return sum(loss) / (input.shape[0] if input.dim() else 1)
    return _reduce(loss, reduction)


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of ``target`` under a Poisson distribution of rate ``input``."""
    reduction = _reduction(size_average, reduce, reduction)
    loss = exp(input) - target * input if log_input else input - target * log(input + eps)
    if full:
        t = target.detach()
        safe = where(t > 1, t, 1.0)
        stirling = safe * log(safe) - safe + 0.5 * log(2 * math.pi * safe)
        loss = loss + where(t > 1, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of ``target`` under a Gaussian of mean ``input`` and variance ``var``."""
    if not isinstance(var, Tensor):
        var = Tensor._make(_nd(float(var), dtype=input._data.dtype))
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1) and var.dim() != 0:
            raise ValueError("var is of incorrect size")
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    if np.any(var._data < 0):
        raise ValueError("var has negative entry/entries")
    # The clamp is hidden from autograd: the gradient reaches var as if unclamped, as PyTorch.
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


# -- margin and embedding losses ----------------------------------------------------------------


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    """``max(0, -target * (input1 - input2) + margin)``."""
    reduction = _reduction(size_average, reduce, reduction)
    if not (input1.dim() == input2.dim() == target.dim()):
        raise RuntimeError(
            f"margin_ranking_loss : All input tensors should have same dimension but got sizes: input1: "
            f"{_size(input1)}, input2: {_size(input2)}, target: {_size(target)} "
        )
    return _reduce(clamp_min(-target * (input1 - input2) + margin, 0), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """``input`` where ``target`` is 1, ``max(0, margin - input)`` where it is -1."""
    reduction = _reduction(size_average, reduce, reduction)
    margin_part = where(target != 1, clamp_min(margin - input, 0), 0.0)
    self_part = where(target != -1, input, 0.0)
    return _reduce(margin_part + self_part, reduction)


def _check_triplet_dims(anchor: Tensor, positive: Tensor, negative: Tensor) -> None:
    dims = (anchor.dim(), positive.dim(), negative.dim())
    if len(set(dims)) != 1:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of dimensions, "
            f"but got: anchor {dims[0]}D, positive {dims[1]}D, and negative {dims[2]}D inputs"
        )


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """``max(d(anchor, positive) - d(anchor, negative) + margin, 0)`` with p-norm distances."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_triplet_dims(anchor, positive, negative)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_swap = pairwise_distance(positive, negative, p, eps)
        d_neg = where(d_swap < d_neg, d_swap, d_neg)
    return _reduce(clamp_min(margin + d_pos - d_neg, 0), reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, size_average=None,
                          reduce=None, reduction: str = "mean") -> Tensor:
    """``1 - cos(input1, input2)`` where ``target`` is 1, ``max(0, cos - margin)`` where it is -1."""
    reduction = _reduction(size_average, reduce, reduction)
    dim = input1.dim() - 1
    prod = sum(input1 * input2, dim)
    mag1 = sum(input1 * input1, dim) + 1e-12
    mag2 = sum(input2 * input2, dim) + 1e-12
    cos = prod / (mag1 * mag2).sqrt()
    pos = where(target == 1, 1 - cos, 0.0)
    neg = where(target == -1, clamp_min(cos - margin, 0), 0.0)
    return _reduce(pos + neg, reduction)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *, distance_function=None,
                                      margin: float = 1.0, swap: bool = False, reduction: str = "mean") -> Tensor:
    """``max(d(anchor, positive) - d(anchor, negative) + margin, 0)`` with any distance function
    (``pairwise_distance`` by default); ``swap`` uses ``d(positive, negative)`` when it is smaller."""
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    reduction = _reduction(None, None, reduction)
    _check_triplet_dims(anchor, positive, negative)
    dist = pairwise_distance if distance_function is None else distance_function
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = _ops.minimum(d_neg, dist(positive, negative))
    return _reduce(clamp_min(margin + d_pos - d_neg, 0), reduction)


def _margin_rows(input: Tensor, target: Tensor, kernel: str) -> Tensor:
    """``input`` as a matrix of (samples, classes): a vector or 0-d tensor is one sample."""
    dim = input.dim()
    if dim > 2 or (dim >= 1 and input.shape[-1] == 0):
        raise RuntimeError(
            f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: {_dims(input)}")
    if target._data.dtype != np.int64:
        raise RuntimeError(f"expected scalar type Long but found {_word(target)}")
    if input._data.dtype.kind != "f" or input._data.dtype == np.float16:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_word(input)}'")
    return input if dim == 2 else input.reshape(1, -1)


def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                      size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss: for each sample, the mean over the other classes ``j`` of
    ``max(0, margin - x[y] + x[j]) ** p`` (times ``weight[y]``), where ``y`` is the target class."""
    reduction = _reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    x = _margin_rows(input, target, "multi_margin_loss_cpu_kernel")
    n, c = x.shape
    if target.dim() > 1 or target.numel() != n:
        raise RuntimeError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number of input samples "
            f"(batch size). Expected target size [{n}], but got {_dims(target)}. Input has shape {_dims(input)}.")
    tgt = target._data.reshape(n)
    if tgt.size and (tgt.min() < 0 or tgt.max() >= c):
        raise RuntimeError("target out of range")
    if weight is not None:
        if weight.numel() != c:
            raise RuntimeError(f"inconsistent weight size, expected {c} but got {_dims(weight)}")
        if weight._data.dtype != x._data.dtype:
            raise RuntimeError(f"expected scalar type {_word(x)} but found {_word(weight)}")
    rows = Tensor._make(tgt[:, None].copy())
    z = clamp_min(margin - _ops.gather(x, 1, rows) + x, 0)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * _ops.index_select(weight, 0, Tensor._make(tgt.copy())).reshape(n, 1)
    z = where(Tensor._make(np.arange(c) == tgt[:, None]), 0.0, z)
    loss = sum(z, 1) / c
    if input.dim() < 2:
        loss = loss.reshape(tuple(target.shape))
    return _reduce(loss, reduction)


def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    """Multi-label hinge loss: ``target`` lists each sample's classes, ended by the first -1; the
    loss sums ``max(0, 1 - (x[y] - x[i]))`` over its classes ``y`` and non-classes ``i``, over C."""
    reduction = _reduction(size_average, reduce, reduction)
    x = _margin_rows(input, target, "multilabel_margin_loss_forward_out_frame")
    n, c = x.shape
    if tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(f"inconsistent target size: {_dims(target)} for input of size: {_dims(input)}")
    tgt = target._data.reshape(n, c)
    listed = np.cumprod(tgt != -1, axis=1).astype(bool)  # the classes before the first -1
    if np.any(listed & ((tgt < 0) | (tgt >= c))):
        raise RuntimeError("argument #2 'target' is out of range")
    is_target = np.zeros((n, c), bool)
    r, k = np.nonzero(listed)
    is_target[r, tgt[r, k]] = True
    x_y = _ops.gather(x, 1, Tensor._make(np.where(listed, tgt, 0)))
    hinge = clamp_min(1 - _ops.unsqueeze(x_y, 2) + _ops.unsqueeze(x, 1), 0)  # (sample, listed slot, class)
    pairs = Tensor._make(listed[:, :, None] & ~is_target[:, None, :])
    loss = sum(where(pairs, hinge, 0.0), (1, 2)) / c
    if input.dim() < 2:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


# -- connectionist temporal classification ------------------------------------------------------
# Forward-backward over the blank-extended label sequences, in log space, one Python step per
# time step and all samples and label positions at once.


def _logaddexp3(a, b, c):
    m = np.maximum(np.maximum(a, b), c)
    safe = np.where(np.isneginf(m), 0, m)
    with np.errstate(divide="ignore"):
        return safe + np.log(np.exp(a - safe) + np.exp(b - safe) + np.exp(c - safe))


def _ctc_tables(lp, targets, input_lengths, target_lengths, blank):
    """log alpha and log beta over (T, N, S') and the extended labels (N, S')."""
    T, N, _ = lp.shape
    S = 2 * int(max(target_lengths, default=0)) + 1
    ext = np.full((N, S), blank, dtype=np.int64)
    for n, tgt in enumerate(targets):
        ext[n, 1 : 2 * len(tgt) : 2] = tgt
    valid = np.arange(S)[None, :] < (2 * np.asarray(target_lengths) + 1)[:, None]
    # The skip from s-2 is allowed onto a label that differs from the label two back.
    skip = np.zeros((N, S), dtype=bool)
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    emit = np.take_along_axis(lp, np.broadcast_to(ext[None], (T, N, S)), axis=2)  # (T, N, S)
    emit = np.where(valid[None], emit, -np.inf)
    neg = np.full((N, S), -np.inf)
    alpha = np.full((T, N, S), -np.inf)
    alpha[0, :, :2] = emit[0, :, :2]
    for t in range(1, T):
        prev = alpha[t - 1]
        one = np.concatenate([neg[:, :1], prev[:, :-1]], axis=1)
        two = np.where(skip, np.concatenate([neg[:, :2], prev[:, :-2]], axis=1), -np.inf)
        alpha[t] = emit[t] + _logaddexp3(prev, one, two)
    lengths = np.asarray(input_lengths)
    ends = 2 * np.asarray(target_lengths)
    beta = np.full((T, N, S), -np.inf)
    rows = np.arange(N)
    for t in range(T - 1, -1, -1):
        nxt = beta[t + 1] if t + 1 < T else np.full((N, S), -np.inf)
        one = np.concatenate([nxt[:, 1:], neg[:, :1]], axis=1)
        two = np.where(np.concatenate([skip[:, 2:], np.zeros((N, 2), bool)], axis=1),
                       np.concatenate([nxt[:, 2:], neg[:, :2]], axis=1), -np.inf)
        beta[t] = emit[t] + _logaddexp3(nxt, one, two)
        start = lengths - 1 == t  # each sample's last step: beta starts at its last two positions
        if start.any():
            b = np.full((N, S), -np.inf)
            b[rows, ends] = emit[t, rows, ends]
            b[rows, np.maximum(ends - 1, 0)] = np.where(ends > 0, emit[t, rows, np.maximum(ends - 1, 0)], b[rows, 0])
            beta[t] = np.where(start[:, None], b, np.where((t > lengths - 1)[:, None], -np.inf, beta[t]))
    last = alpha[lengths - 1, rows]
    tail = np.where(ends > 0, last[rows, np.maximum(ends - 1, 0)], -np.inf)
    nll = -np.logaddexp(last[rows, ends], tail)
    return alpha, beta, ext, nll


def _ctc_kernel(lp, *, targets, input_lengths, target_lengths, blank, zero_infinity):
    lpo = lp.astype(np.float64)
    return _ctc_tables(lpo, targets, input_lengths, target_lengths, blank)[3].astype(lp.dtype)


def _ctc_grad_kernel(grad, lp, *, targets, input_lengths, target_lengths, blank, zero_infinity):
    """PyTorch's gradient, which assumes log_probs come from log_softmax: exp(lp) - gamma."""
    lpo = lp.astype(np.float64)
    alpha, beta, ext, nll = _ctc_tables(lpo, targets, input_lengths, target_lengths, blank)
    T, N, C = lp.shape
    ab = alpha + beta
    m = np.max(ab, axis=2, keepdims=True)
    m = np.where(np.isneginf(m), 0, m)
    summed = np.zeros((T, N, C))
    idx_t, idx_n, _ = np.indices(ab.shape)
    np.add.at(summed, (idx_t, idx_n, np.broadcast_to(ext[None], ab.shape)), np.exp(ab - m))
    with np.errstate(divide="ignore", invalid="ignore"):
        gamma = np.exp(np.log(summed) + m + nll[None, :, None] - lpo)
        out = np.exp(lpo) - gamma
    out = np.where((np.arange(T)[:, None] < np.asarray(input_lengths)[None, :])[..., None], out, 0.0)
    if zero_infinity:
        out = np.where(np.isinf(nll)[None, :, None], 0.0, out)
    return (out * grad.astype(np.float64)[None, :, None]).astype(lp.dtype)


@primitive("CtcLossBackward0")
def _ctc_loss(lp, **params):
    return _ctc_kernel(lp, **params)


defvjp(_ctc_loss, lambda grad, result, lp, **params: record(
    _ctc_loss_backward, _ctc_grad_kernel(grad._data, lp._data, **params), (grad, lp), params))


@primitive("NotImplemented", save_inputs=False)
def _ctc_loss_backward(grad, lp, **params):
    return _ctc_grad_kernel(grad, lp, **params)


def _ctc_no_double_backward(*args, **params):
    raise RuntimeError("derivative for aten::_ctc_loss_backward is not implemented")


defvjp(_ctc_loss_backward, _ctc_no_double_backward, _ctc_no_double_backward)


def _lengths(x, name: str) -> list:
    if isinstance(x, Tensor):
        return [int(v) for v in np.atleast_1d(x._data)]
    if isinstance(x, int):
        return [x]
    return [int(v) for v in x]


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """Connectionist temporal classification loss of log-probabilities ``(T, N, C)`` (or ``(T, C)``)."""
    unbatched = log_probs.dim() == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
    T, N, C = log_probs.shape
    in_lens, tgt_lens = _lengths(input_lengths, "input_lengths"), _lengths(target_lengths, "target_lengths")
    if len(in_lens) != N:
        raise RuntimeError(f"input_lengths must be of size batch_size, but got {len(in_lens)} and {N}")
    if len(tgt_lens) != N:
        raise RuntimeError(f"target_lengths must be of size batch_size, but got {len(tgt_lens)} and {N}")
    if not 0 <= blank < C:
        raise RuntimeError("blank must be in label range")
    tg = targets._data.astype(np.int64)
    if unbatched:
        tg = tg[None]
    if tg.ndim == 1:
        offsets = np.concatenate([[0], np.cumsum(tgt_lens)])
        seqs = [tuple(tg[offsets[n] : offsets[n + 1]]) for n in range(N)]
    else:
        seqs = [tuple(tg[n, : tgt_lens[n]]) for n in range(N)]
    for n in range(N):
        if in_lens[n] > T:
            raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value {in_lens[n]} "
                               f"(while checking arguments for ctc_loss_allocate_outputs)")
    params = {"targets": tuple(seqs), "input_lengths": tuple(in_lens), "target_lengths": tuple(tgt_lens),
              "blank": blank, "zero_infinity": zero_infinity}
    loss = record(_ctc_loss, _ctc_kernel(log_probs._data, **params), (log_probs,), params)
    if zero_infinity:  # impossible alignments cost 0 (their gradient is zeroed in the kernel)
        loss = where(Tensor._make(np.isinf(loss._data)), 0.0, loss)
    if reduction == "mean":
        denom = Tensor._make(np.maximum(np.asarray(tgt_lens), 1).astype(log_probs._data.dtype))
        return mean(loss / denom)
    if reduction == "sum":
        return sum(loss)
    return squeeze(loss, 0) if unbatched else loss
