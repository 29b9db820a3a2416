"""scaled_dot_product_attention of chainrule.nn.functional.

PyTorch on CPU picks one of two kernels, and users see which in ``grad_fn``: for 4-D
query/key/value with one head size, no dropout and a mask that needs no gradient, a
fused kernel (ScaledDotProductFlashAttentionForCpuBackward0); otherwise its "math"
composite of matmuls around a softmax (UnsafeViewBackward0). Both are here: the fused
one is a primitive (one node, NumPy end to end, speed) whose rules recompute the
attention weights with chainrule ops, so it is differentiable again (PyTorch's is not).
"""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..ops import expand, matmul, mul, reshape, sum, transpose, unsqueeze, where
from ..ops._registry import defvjp, primitive
from ._conv import _half_in_float
from ._norm import _composite_grad

__all__ = ["scaled_dot_product_attention"]


# A private softmax over the last dim (nn/_activation.py owns the public one). Rows that
# are entirely -inf (fully masked) give zeros, as PyTorch's attention does.
@primitive("SoftmaxBackward0", save_inputs=False, save_result=True)
def _attention_softmax(x):
    top = np.max(x, axis=-1, keepdims=True)
    top = np.where(np.isneginf(top), 0, top)
    e = np.exp(x - top)
    total = e @ np.ones((e.shape[-1], 1), dtype=e.dtype)  # row sums by BLAS: faster than a short-axis sum
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0)


defvjp(_attention_softmax, lambda grad, result, x: result * (grad - sum(grad * result, -1, keepdim=True)))


def _probs_array(q, k, mask, *, scale, causal):
    scores = np.matmul(q, np.swapaxes(k, -1, -2))
    scores *= scale
    if causal:
        scores = np.where(np.tril(np.ones(scores.shape[-2:], dtype=bool)), scores, -np.inf)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf) if mask.dtype == np.bool_ else scores + mask
    return _attention_softmax.kernel(scores)


@primitive("ScaledDotProductFlashAttentionForCpuBackward0")
@_half_in_float
def _sdpa_fused(q, k, v, mask, *, scale, causal):
    return np.matmul(_probs_array(q, k, mask, scale=scale, causal=causal), v).astype(q.dtype, copy=False)


def _probs(q: Tensor, k: Tensor, mask: Tensor | None, scale: float, causal: bool) -> Tensor:
    """The attention weights, with chainrule ops (differentiable in q and k)."""
    scores = mul(matmul(q, transpose(k, -2, -1)), scale)
    if causal:
        scores = where(
            Tensor._make(np.tril(np.ones(scores.shape[-2:], dtype=bool))),
            scores,
            _neg_inf(scores.dtype.np),
        )
    if mask is not None:
        scores = where(mask, scores, _neg_inf(scores.dtype.np)) if mask.dtype.np == np.bool_ else scores + mask
    return _attention_softmax(scores)


_NEG_INF = {
    np.dtype(d): Tensor._make(np.asarray(-np.inf, dtype=d)) for d in ("float16", "float32", "float64")
}


def _neg_inf(dtype: np.dtype) -> Tensor:
    """-inf as a 0-d tensor of ``dtype`` (made once: under vmap, no tensor is made here)."""
    if dtype not in _NEG_INF:
        _NEG_INF[dtype] = Tensor._make(np.asarray(-np.inf, dtype=dtype))
    return _NEG_INF[dtype]


def _score_grad(grad, q, k, v, mask, scale, causal):
    """(weights, gradient of the scaled scores)."""
    p = _probs(q, k, mask, scale, causal)
    dp = matmul(grad, transpose(v, -2, -1))
    return p, p * (dp - sum(dp * p, -1, keepdim=True))


def _grad_q_composite(g, q, k, v, mask, *, scale, causal):
    _, ds = _score_grad(g, q, k, v, mask, scale, causal)
    return mul(matmul(ds, k), scale)


def _grad_k_composite(g, q, k, v, mask, *, scale, causal):
    _, ds = _score_grad(g, q, k, v, mask, scale, causal)
    return mul(matmul(transpose(ds, -2, -1), q), scale)


def _grad_v_composite(g, q, k, v, mask, *, scale, causal):
    return matmul(transpose(_probs(q, k, mask, scale, causal), -2, -1), g)


# The fused kernel's gradients, also fused (speed): NumPy kernels whose own gradients come
# from the composites above (see nn/_norm.py's _composite_grad).
# The engine asks for the query, key and value gradients one after the other with the same
# arrays: the weights and score gradient are computed once and kept until the value's.
_memo: list = [None]


def _weights_and_score_grad(g, q, k, v, mask, scale, causal):
    hit = _memo[0]
    key = (g, q, k, v, mask)
    if (
        hit is not None
        and all(a is b for a, b in zip(hit[0], key, strict=False))
        and hit[1] == (scale, causal)
    ):
        return hit[2], hit[3]
    p = _probs_array(q, k, mask, scale=scale, causal=causal)
    dp = np.matmul(g, np.swapaxes(v, -1, -2))
    ds = dp - (dp * p) @ np.ones((dp.shape[-1], 1), dtype=dp.dtype)  # row sums by BLAS
    ds *= p
    ds *= scale
    _memo[0] = (key, (scale, causal), p, ds)
    return p, ds


@primitive("ScaledDotProductFlashAttentionForCpuBackwardBackward0")
@_half_in_float
def _sdpa_grad(g, q, k, v, mask, *, scale, causal, which):
    p, ds = _weights_and_score_grad(g, q, k, v, mask, scale, causal)
    if which == 0:
        out = np.matmul(ds, k)
    elif which == 1:
        out = np.matmul(np.swapaxes(ds, -1, -2), q)
    else:
        _memo[0] = None
        out = np.matmul(np.swapaxes(p, -1, -2), g)
    return out.astype(q.dtype, copy=False)


_GRAD_COMPOSITES = (_grad_q_composite, _grad_k_composite, _grad_v_composite)


def _sdpa_grad_vjp(i: int):
    def rule(grad, result, g, q, k, v, mask, *, scale, causal, which):
        return _composite_grad(_GRAD_COMPOSITES[which], i)(grad, result, g, q, k, v, mask, scale=scale, causal=causal)

    return rule


# The mask is an input (not a parameter), so that vmap batches a mask that differs per sample;
# it has no gradient (the fused kernel serves only masks that need none).
defvjp(_sdpa_grad, *(_sdpa_grad_vjp(i) for i in range(4)), None)
defvjp(
    _sdpa_fused,
    *(
        (
            lambda grad, result, q, k, v, mask, _which=which, **params: _sdpa_grad(
                grad, q, k, v, mask, which=_which, **params
            )
        )
        for which in range(3)
    ),
    None,
)


def _fused_applies(q: Tensor, k: Tensor, v: Tensor, attn_mask, dropout_p: float) -> bool:
    """PyTorch's choice of its fused CPU kernel (see the module docstring).

    Reads only metadata until the last check (the strides), which is reached only when the
    fused primitive takes q, k and v (vmap: Note [How vmap works] in func/_vmap.py)."""
    return (
        q.ndim == 4
        and k.ndim == 4
        and v.ndim == 4
        and q.shape[-1] == k.shape[-1] == v.shape[-1]
        and dropout_p == 0.0
        and q.numel() > 0
        and k.numel() > 0
        and (attn_mask is None or not attn_mask.requires_grad)
        and all(t.shape[-1] == 1 or t.stride(-1) == 1 for t in (q, k, v))
    )


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """softmax(query @ key^T * scale + mask) @ value over the last two dims.

    ``attn_mask`` is a bool mask (True: attend) or a float bias; ``is_causal`` masks future keys.
    """
    if is_causal and attn_mask is not None:
        raise RuntimeError(
            "_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True"
        )
    # Metadata only (shape, dtype) until a primitive takes the tensors: vmap batches an op
    # whose own code makes no tensor from a sample's values (Note [How vmap works]).
    dt = query.dtype.np
    if dt != key.dtype.np or dt != value.dtype.np:
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{query.dtype} key.dtype: {key.dtype} and value.dtype: {value.dtype} instead."
        )
    if attn_mask is not None and attn_mask.dtype.np != dt:
        if attn_mask.dtype.np not in (np.bool_, np.float32):
            raise RuntimeError(
                "Expected attn_mask dtype to be bool or float or to match query dtype, but got attn_mask.dtype: "
                f"{_cpp_name(attn_mask)} and  query.dtype: {_cpp_name(query)} instead."
            )
        if attn_mask.dtype.np == np.float32:  # a float32 bias serves any query dtype, as PyTorch's
            attn_mask = attn_mask.to(query.dtype)
    if enable_gqa:
        key, value = _repeat_heads(key, query.shape[-3]), _repeat_heads(value, query.shape[-3])
    length, source = query.shape[-2], key.shape[-2]
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    if is_causal:  # made before _fused_applies reads a tensor (vmap: see above)
        attn_mask = Tensor._make(np.tril(np.ones((length, source), dtype=bool)))
    if _fused_applies(query, key, value, None if is_causal else attn_mask, dropout_p):
        mask = None
        if attn_mask is not None and not is_causal:  # 4-D as q (a view): vmap's rule batches equal ranks
            mask = reshape(attn_mask, (1,) * (4 - attn_mask.ndim) + tuple(attn_mask.shape))
        return _sdpa_fused(query, key, value, mask, scale=scale, causal=bool(is_causal))
    # PyTorch's math backend scales both factors by sqrt(scale) (kinder to half precision).
    root = math.sqrt(scale)
    scores = matmul(mul(query, root), transpose(mul(key, root), -2, -1))
    if attn_mask is not None:
        if attn_mask.dtype.np == np.bool_:
            scores = where(attn_mask, scores, _neg_inf(dt))
        else:
            scores = scores + attn_mask
    weights = _attention_softmax(scores)
    if dropout_p > 0.0:
        from .._creation import rand

        keep = rand(*weights.shape, dtype=weights.dtype) >= dropout_p
        weights = weights * keep / (1.0 - dropout_p)
    return matmul(weights, value)


_CPP_NAMES = {"float16": "c10::Half", "float32": "float", "float64": "double", "int64": "long int", "int32": "int",
              "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool",
              "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


def _cpp_name(t: Tensor) -> str:
    """The dtype as PyTorch's C++ messages name it."""
    name = t.dtype.np.name
    return _CPP_NAMES.get(name, name)


def _repeat_heads(t: Tensor, heads: int) -> Tensor:
    """Grouped-query attention: each of the ``t``'s heads (dim -3) serves ``heads / its heads`` query heads."""
    shape = tuple(t.shape)
    if heads == shape[-3]:
        return t
    if heads % shape[-3]:
        raise RuntimeError(
            f"Number of heads in key and value must divide the number of heads in query, but got {shape[-3]} and {heads}"
        )
    r = heads // shape[-3]
    t = expand(unsqueeze(t, -3), shape[:-2] + (r,) + shape[-2:])
    return reshape(t, shape[:-3] + (heads,) + shape[-2:])
