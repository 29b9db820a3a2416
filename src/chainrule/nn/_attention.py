"""scaled_dot_product_attention of chainrule.nn.functional, as PyTorch's math backend computes it.

PyTorch's CPU result comes out of a batched matmul (UnsafeViewBackward0), so this is a
composite of matmuls around a softmax; only the softmax is a primitive of its own here.
"""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor
from ..ops import matmul, mul, sum, transpose, where
from ..ops._registry import defvjp, primitive

__all__ = ["scaled_dot_product_attention"]


# A private softmax over the last dim (nn/_activation.py owns the public one). Rows that
# are entirely -inf (fully masked) give zeros, as PyTorch's attention does.
@primitive("SoftmaxBackward0", save_inputs=False, save_result=True)
def _attention_softmax(x):
    top = np.max(x, axis=-1, keepdims=True)
    top = np.where(np.isneginf(top), 0, top)
    e = np.exp(x - top)
    total = e.sum(axis=-1, keepdims=True)
    return np.divide(e, total, out=np.zeros_like(e), where=total > 0)


defvjp(_attention_softmax, lambda grad, result, x: result * (grad - sum(grad * result, -1, keepdim=True)))


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(query @ key^T * scale + mask) @ value over the last two dims.

    ``attn_mask`` is a bool mask (True: attend) or a float bias; ``is_causal`` masks future keys.
    """
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    if enable_gqa:
        raise NotImplementedError("scaled_dot_product_attention: enable_gqa is not supported")
    q = query._data
    if q.dtype != key._data.dtype or q.dtype != value._data.dtype:
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{query.dtype} key.dtype: {key.dtype} and value.dtype: {value.dtype} instead."
        )
    length, source = q.shape[-2], key._data.shape[-2]
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    # PyTorch's math backend scales both factors by sqrt(scale) (kinder to half precision).
    root = math.sqrt(scale)
    scores = matmul(mul(query, root), transpose(mul(key, root), -2, -1))
    if is_causal:
        attn_mask = Tensor._make(np.tril(np.ones((length, source), dtype=bool)))
    if attn_mask is not None:
        if attn_mask._data.dtype == np.bool_:
            scores = where(attn_mask, scores, Tensor._make(np.asarray(-np.inf, dtype=q.dtype)))
        else:
            scores = scores + attn_mask
    weights = _attention_softmax(scores)
    if dropout_p > 0.0:
        from .._creation import rand

        keep = rand(*weights._data.shape, dtype=weights.dtype) >= dropout_p
        weights = weights * keep / (1.0 - dropout_p)
    return matmul(weights, value)
