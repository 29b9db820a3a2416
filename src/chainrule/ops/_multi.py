"""Primitives with several outputs: linalg's decompositions (eigh's eigenvalues and
eigenvectors, svd's U, S, Vh...) and split/unbind's pieces.

PyTorch gives all outputs of such an op one backward node (``LinalgEighBackward0``,
``SplitBackward0``), each output carrying its own ``output_nr``. A multi-output primitive is
an ordinary primitive whose kernel returns a tuple of arrays; its rules receive ``(grads,
results, *inputs, **params)``, where ``grads`` holds one gradient per output (None for an
output that got none) and ``results`` the saved outputs (None when the primitive saves none).
One node for all outputs also means one backward step: splitting a tensor into n pieces
costs O(size) in backward, not n full-size gradients summed.
"""

from __future__ import annotations

from .._tensor import Tensor
from ..autograd import _inplace
from ..autograd.graph import saved_tensors_freed_error
from . import _registry
from ._registry import PrimitiveNode, primitive, record

__all__ = ["MultiOutputNode", "multi_primitive", "call_multi"]


class MultiOutputNode(PrimitiveNode):
    """The node of one call of a multi-output primitive."""

    __slots__ = ()

    def _unpack_results(self) -> tuple:
        out = []
        for i, (data, version, saved) in enumerate(self._result):
            if version[0] != saved:
                raise _inplace.modified_error(
                    None, i, self, saved, current=version[0], shape=data.shape, dtype=data.dtype, version=version
                )
            t = Tensor._make(data)
            t._grad_fn, t._output_nr, t._requires_grad = self, i, True
            t._vc = version
            out.append(t)
        if _registry._transform is not None:  # forward over reverse: the saved outputs keep their tangents
            from ..autograd import forward_ad

            tangents = forward_ad.saved_result_tangent(self)
            if tangents is not None:
                for t, tangent in zip(out, tangents, strict=False):
                    if tangent is not None:
                        forward_ad.set_tangent(t, tangent)
        return tuple(out)

    def apply(self, grads, needs):
        """Run the rules on the gradients of all outputs (None for an output that got none)."""
        prim = self.prim
        if self._freed:
            raise saved_tensors_freed_error()
        n = prim.n_outputs if type(prim.n_outputs) is int else prim.n_outputs(self._params)
        grads = tuple(grads) + (None,) * (n - len(grads))
        args = self._unpack_args(next(g for g in grads if g is not None))
        results = self._unpack_results() if self._result is not None else None
        params = self._params or {}
        return [rule(grads, results, *args, **params) if need and rule is not None else None
                for rule, need in zip(prim.vjps, needs, strict=True)]


def multi_primitive(node_name: str, n_outputs, *, half: bool = True, save_inputs: bool = True,
                    save_result: bool = True):
    """Declare a kernel returning ``n_outputs`` arrays as one primitive (see the module docstring).

    ``n_outputs`` is a number, or a function of the call's params (split: one output per piece).
    ``half``, ``save_inputs`` as for ``primitive``; ``save_result=False``: the rules get
    ``results=None`` (split's pieces are views: saving them would tie backward to their
    versions for nothing)."""

    def declare(kernel):
        prim = primitive(node_name, save_inputs=save_inputs, save_result=save_result, half=half)(kernel)
        prim.node_cls = type(node_name, (MultiOutputNode,), {"__slots__": (), "prim": prim})
        prim.n_outputs = n_outputs
        return prim

    return declare


def call_multi(prim, args: tuple, params: dict, n_differentiable: int | None = None) -> tuple:
    """Run ``prim``'s kernel and wrap its outputs; the first ``n_differentiable`` share the node."""
    arrays = [a._data if isinstance(a, Tensor) else a for a in args]
    outs = prim.kernel(*arrays, **params)
    first = record(prim, outs[0], args, params)
    rest = [Tensor._make(o) for o in outs[1:]]
    node = first._grad_fn
    if node is not None:
        n = len(outs) if n_differentiable is None else n_differentiable
        for i, t in enumerate(rest[: n - 1], 1):
            t._grad_fn, t._output_nr, t._requires_grad = node, i, True
        if prim.save_result:  # arrays and version counters, not Tensors: the Tensors point at this node
            node._result = [(t._data, t._vc, t._vc[0]) for t in [first, *rest]]
    if _registry._transform is not None:  # forward-mode AD: every output gets its tangent
        from ..autograd import forward_ad

        forward_ad.propagate_multi(prim, (first, *rest), args, params,
                                   len(outs) if n_differentiable is None else n_differentiable)
    return (first, *rest)
