"""``vmap``: run a function written for one sample on a whole batch, batched.

# Note [How vmap works]
Inside ``vmap(f)(x)``, ``f`` receives a ``BatchedTensor``: a tensor that looks like one
sample (its ``shape`` has no batch dimension) and holds the whole batch in ``_phys``, a
plain tensor with the batch dimension in front. Ops run unchanged on it:

1. The op's Python code validates arguments and computes parameters from the logical
   (one-sample) shapes. It reads the BatchedTensor's ``_data``, which is sample 0 (a
   view), so its kernel computes sample 0's result: cheap, and its shape is checked below.
2. The primitive reaches ``ops._registry.record``, which, while vmap is active, hands it to
   ``chainrule._transforms.record_transformed`` and so to ``batch_record`` here.
3. ``batch_record`` runs the primitive's *batching rule* on the physical tensors: most
   rules are free (elementwise ops broadcast once the batch dimension is in front; ops
   with a ``dim`` shift it by one; reshapes prepend the batch size). The rule calls
   chainrule ops on the physical tensors, so autograd records them as usual (``grad``
   inside ``vmap`` differentiates the physical graph) and nested ``vmap`` recurses.
4. A primitive without a rule runs once per sample (a Python loop over ``stack``) with a
   one-time warning naming it. A primitive with several outputs (a decomposition) needs a
   rule: it returns its first output and hands the others to the op (Note [Further outputs]).

Sample 0 is how an op's own Python code sees a BatchedTensor, so every way sample 0's values
can leak into a result is guarded; where batching cannot be trusted, vmap runs the whole
function once per sample (``_per_sample``, a one-time warning naming the reason): slow but
never silently wrong. Reading ``_data`` registers the tensor (``_touched``); a read tensor
that no primitive received as an input stays *pending* until one does.

- Parameters: an array parameter that *is* a pending tensor's sample-0 array (embedding's
  indices, gather's index) is a batched parameter: rules that declare ``batched_params``
  get its physical array, others loop with each sample's array. Any other array parameter
  while a tensor is pending: the whole function per sample.
- Parameters an op computes from the input's *values* (the position of a max, a sort
  order: ``VALUE_PARAMS``) hold only sample 0's. Their rules (the picks, max pooling) run
  the op again on the physical input and hand its indices to the op (Note [Further
  outputs]); where a rule cannot, the whole function runs per sample, never a loop.
- ``Tensor._make`` (results computed outside the primitives): while a tensor is pending, a
  new plain tensor may hold its sample 0; if its array *is* that sample's, the batched
  tensor stands in for it, otherwise the whole function per sample. Comparisons, logical
  and bitwise ops and isnan & co. avoid this: they hand NumPy the physical arrays
  (``values_op``, called by ``ops.elementwise._values``).
- A tensor still pending when the function returns: the whole function per sample.
- In-place ops: sample 0's array is read-only, so a direct write fails and the function
  runs per sample; ``apply_inplace`` writes a batched result into the batch
  (``write_inplace``); an unbatched tensor cannot take a batched result (PyTorch's error).
  Batch norm's running statistics follow PyTorch (``check_running_stats``).
- Randomness: every draw goes through ``_creation._rng``, which calls ``check_random``:
  'error' raises PyTorch's error, 'different' runs the function per sample (dropout draws a
  batched mask instead), 'same' draws once (a per-sample loop replays the generator).

A batched value turned into a Python number, as in ``int(x.max())``, is outside these
checks; ``.item()`` and ``bool()`` on a BatchedTensor raise, as in PyTorch.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any, Callable

import numpy as np

from .. import _transforms
from .._tensor import Tensor, _size

__all__ = ["vmap", "BatchedTensor", "batching_kind", "randomness"]

_levels: list[int] = []  # active vmap levels, innermost last
level_sizes: dict[int, int] = {}  # the batch size of each active level
_next_level = [1]
_touched: list = []  # BatchedTensors whose _data an op read since the last recorded op
_warned: set = set()


class _Unbatchable(Exception):
    """An op read a batched tensor it did not receive as an input: vmap falls back to a loop."""

    def __init__(self, op: str) -> None:
        super().__init__(op)
        self.op = op


def _vmap_error(what: str) -> RuntimeError:
    return RuntimeError(
        f"vmap: It looks like you're calling {what} on a Tensor. We don't support vmap over calling {what} on a "
        "Tensor, please try to rewrite what you're doing with other operations (a value that differs per sample "
        "cannot become one Python value)."
    )


class BatchedTensor(Tensor):
    """One sample's view of a batch inside ``vmap`` (Note [How vmap works])."""

    __slots__ = ("_phys", "_level", "_rep")

    @property
    def _data(self):  # what ops compute with: sample 0, registered (Note [How vmap works])
        _touched.append(self)
        return self._rep

    @_data.setter
    def _data(self, value):
        raise _Unbatchable("an in-place write")

    # -- what a user may look at ---------------------------------------------------------------
    @property
    def shape(self):
        return _size(self._rep.shape)

    def size(self, dim: int | None = None):
        """The logical (one-sample) shape, or the length of dimension ``dim``."""
        if dim is None:
            return _size(self._rep.shape)
        return self._rep.shape[dim]

    def dim(self) -> int:
        """The logical number of dimensions."""
        return self._rep.ndim

    @property
    def ndim(self) -> int:
        return self._rep.ndim

    def numel(self) -> int:
        """The logical number of elements."""
        return int(self._rep.size)

    @property
    def dtype(self):
        return self._phys.dtype

    def is_floating_point(self) -> bool:
        """Whether the batch holds floats (read without touching the sample)."""
        return self._rep.dtype.kind == "f"

    def is_complex(self) -> bool:
        """Whether the batch holds complex numbers (read without touching the sample)."""
        return self._rep.dtype.kind == "c"

    def element_size(self) -> int:
        """Bytes per element."""
        return self._rep.itemsize

    def __len__(self) -> int:
        if self._rep.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._rep.shape[0]

    @property
    def requires_grad(self) -> bool:
        return self._phys.requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self._phys.requires_grad = value

    @property
    def grad_fn(self):
        return self._phys.grad_fn

    @property
    def is_leaf(self) -> bool:
        return self._phys.is_leaf

    def requires_grad_(self, requires_grad: bool = True) -> "BatchedTensor":
        """Set requires_grad on the batch this tensor stands for."""
        self._phys.requires_grad_(requires_grad)
        return self

    def detach(self) -> "BatchedTensor":
        """The same batch, outside the graph."""
        return _wrap(self._phys.detach(), self._level)

    @property
    def data(self) -> "BatchedTensor":
        return self.detach()

    def item(self):
        raise _vmap_error(".item()")

    def tolist(self):
        raise _vmap_error(".tolist()")

    def numpy(self, *, force: bool = False):
        raise _vmap_error(".numpy()")

    def __array__(self, dtype=None, copy=None):
        raise _vmap_error("numpy.asarray()")

    def __bool__(self):
        raise RuntimeError(
            "vmap: It looks like you're attempting to use a Tensor in some data-dependent control flow. We don't "
            "support that yet, please shout over at https://github.com/pytorch/functorch/issues/257 ."
        )

    def _python_scalar(self, kind: str):
        raise _vmap_error(f"{kind}()")

    def backward(self, *args, **kwargs):
        raise RuntimeError(
            "vmap: .backward() is not supported inside vmap; use chainrule.func.grad (or vjp) inside the vmapped "
            "function instead."
        )

    def __repr__(self) -> str:
        # PyTorch numbers the levels by depth (1: the outermost active vmap).
        lvl = _levels.index(self._level) + 1 if self._level in _levels else self._level
        return f"BatchedTensor(lvl={lvl}, bdim=0, value=\n{_indent(repr(self._phys))}\n)"

    __str__ = __repr__  # print(x) inside vmap shows the batch, as in PyTorch


def _indent(text: str) -> str:
    return "\n".join("    " + line if line.strip() else line for line in text.splitlines())


def _rep_of(t):
    return t._rep if type(t) is BatchedTensor else t._data


def _wrap(phys: Tensor, level: int) -> BatchedTensor:
    rep = _rep_of(phys)
    if rep.ndim == 0 or rep.shape[0] == 0:
        raise ValueError("vmap: the batch must have at least one sample")
    bt = object.__new__(BatchedTensor)
    bt._grad_fn = None
    bt._requires_grad = False
    bt._vc = [0, None]
    bt._phys = phys
    bt._level = level
    bt._rep = rep[0, ...]
    bt._rep.flags.writeable = False  # an op writing into sample 0 alone fails (Note [How vmap works])
    return bt


def is_batched(t, level: int | None = None) -> bool:
    """Whether ``t`` is a BatchedTensor (at ``level``, when given)."""
    return type(t) is BatchedTensor and (level is None or t._level == level)


def batch_size(t: BatchedTensor) -> int:
    """The number of samples ``t`` stands for."""
    return _rep_of(t._phys).shape[0]


# -- the detour from record (Note [Transforms]) ---------------------------------------------------


def _note_reads(args: tuple, params: dict | None) -> dict | None:
    """Account for the batched tensors read since the last op (Note [How vmap works]).

    A read tensor that is among ``args`` is fine. One whose sample-0 array *is* a parameter
    value is a batched parameter: returned as ``{name: BatchedTensor}``. Any other read stays
    pending; while one is pending, parameters holding arrays cannot be trusted.
    """
    ids = {id(a) for a in args}
    for t in _touched:
        if id(t) not in ids:
            _pending[id(t)] = t
    _touched.clear()
    for a in args:
        if _pending and id(a) in _pending:
            del _pending[id(a)]
    if not _pending or not params or not _holds_arrays(params):
        return None
    by_rep = {id(t._rep): t for t in _pending.values()}
    bparams = {}
    for name, value in params.items():
        if isinstance(value, np.ndarray) and id(value) in by_rep:
            bparams[name] = by_rep[id(value)]
    for t in bparams.values():
        _pending.pop(id(t), None)
    rest = {k: v for k, v in params.items() if k not in bparams}
    if _pending and _holds_arrays(rest):
        raise _Unbatchable(_op_name(_current[0]))
    return bparams or None


_pending: dict = {}  # id -> BatchedTensor read by an op but not (yet) handed to a primitive
_current: list = [None]  # the primitive being recorded (for messages)
_last_batched: list = [False]  # whether the last recorded primitive ran batched


def _pending_names() -> str:
    return "a value read from a batched tensor outside the primitives"


def _make_hook(data):
    """``Tensor._make`` while vmap runs: a plain tensor made right after a batched tensor was
    read may hold that tensor's sample 0 (Note [How vmap works]). If ``data`` is that sample's
    array itself, the batched tensor stands in for it; otherwise vmap cannot trust the batch.

    Right after a rule with further outputs (a pick's indices, a decomposition's other
    factors: Note [Further outputs]), the tensors made next are those outputs."""
    if _handout:
        return _hand_out(data)
    if not _touched and not _pending:
        return None
    for t in _touched:
        if t._rep is data:
            return t
    for t in _pending.values():
        if t._rep is data:
            return t
    shaped = _shape_only_maker()
    if shaped is not None:
        # zeros_like(x) & co. read x only for its shape and dtype: the result is the same
        # for every sample, and x is no longer pending.
        _forget(shaped)
        return None
    raise _Unbatchable("an op that computes its result outside the primitives (" + _caller() + ")")


def _shape_only_maker():
    """The input of the ``*_like`` creation function making this tensor, if one is."""
    import sys

    from .. import _creation

    codes = {f.__code__ for f in (_creation.zeros_like, _creation.ones_like, _creation.empty_like,
                                   _creation.full_like, _creation.rand_like, _creation.randn_like,
                                   _creation.randint_like)}
    f = sys._getframe(2)
    for _ in range(3):
        if f is None:
            return None
        if f.f_code in codes:
            t = f.f_locals.get("input")
            return t if type(t) is BatchedTensor else None
        f = f.f_back
    return None


def _caller() -> str:
    import sys

    f = sys._getframe(3)  # past _make_hook and Tensor._make
    return f"{f.f_code.co_name}" if f is not None else "?"


# Note [Further outputs]
# Some ops make more than the primitive's one output: max(x, dim) records ``_max_pick`` (the
# values) with an index its Python code computed from sample 0, then wraps that index as a
# second tensor; a decomposition (``linalg._multi.call_multi``) records its first output and
# wraps the others. A rule for such a primitive recomputes everything on the physical
# tensors and returns ``(first, (others...))``; ``batch_record`` queues the others
# (``_handout``) and the next ``Tensor._make`` calls receive them, in order, instead of
# sample 0's arrays. A made array that does not match the queued output's shape and dtype
# (for integers: sample 0's values) means the op is not the one the rule expected: the whole
# function then runs per sample. The queue is dropped at the next recorded primitive.
_handout: list = []


def _hand_out(data):
    bt = _handout.pop(0)
    rep = bt._rep
    if rep.shape != data.shape or rep.dtype != data.dtype or (
            data.dtype.kind in "biu" and not np.array_equal(rep, data)):
        _handout.clear()
        raise _Unbatchable("an op whose further outputs differ from its batching rule's")
    return bt


def batch_record(prim, out: np.ndarray, args: tuple, params: dict | None):
    """Run ``prim`` batched when an input is a BatchedTensor; None when none is (record as usual)."""
    if _handout:
        _handout.clear()
    bparams = None
    if _touched or _pending:
        _current[0] = prim
        bparams = _note_reads(args, params)
    level = 0
    for a in args:
        if type(a) is BatchedTensor and a._level > level:
            level = a._level
    if bparams:
        for t in bparams.values():
            level = max(level, t._level)
    if level == 0:
        _last_batched[0] = False
        return None
    phys = [a._phys if type(a) is BatchedTensor and a._level == level else None for a in args]
    first = next((a for a in args if type(a) is BatchedTensor and a._level == level), None)
    if first is None:
        first = next(t for t in bparams.values() if t._level == level)
    n = batch_size(first)
    bphys = {k: t._phys for k, t in bparams.items() if t._level == level} if bparams else {}
    params = params or {}
    rule = rule_for(prim)
    if bphys and rule is not None and not _takes_batched_params(rule, bphys):
        rule = None
    if rule is None:
        result = None
    elif bphys:
        result = rule(prim, out, args, params, phys, n, bphys)
    else:
        result = rule(prim, out, args, params, phys, n)
    extras = ()
    if type(result) is tuple:  # further outputs (Note [Further outputs])
        result, extras = result
    if result is None:
        if getattr(prim, "n_outputs", 1) != 1 or prim.name in VALUE_PARAMS:
            # Several outputs (a loop gives only the first), or parameters computed from
            # sample 0's values (the positions of a max, a sort order): no other sample can
            # use them. The whole function runs per sample.
            raise _Unbatchable(_op_name(prim))
        _warn_once(prim)
        result = _loop(prim, args, params, phys, n, bphys)
    rshape = tuple(_rep_of(result).shape)
    if rshape != (n, *out.shape) or _rep_of(result).dtype != out.dtype:
        raise RuntimeError(
            f"chainrule internal error: the batching rule of {_op_name(prim)} gave shape {rshape[1:]} "
            f"({_rep_of(result).dtype}) for one sample, but the op gives {out.shape} ({out.dtype}). Please report it."
        )
    _last_batched[0] = phys[0] is not None
    wrapped = _wrap(result, level)
    if extras:
        _handout[:] = [_wrap(e, level) for e in extras]
    return wrapped


# Primitives whose parameters an op computes from the input's values (sample 0 under vmap).
VALUE_PARAMS = frozenset({
    "_max_pick", "_min_pick", "_median_pick", "_mode_pick", "_kthvalue_pick", "_sort_pick", "_topk_pick",
    "_sort_stable_pick", "_cummax_pick", "_cummin_pick", "_unique", "_unique_dim",
    "_as_strided_kernel", "_as_strided_backward", "_as_strided_gather", "_gather_flat", "_scatter_flat",
})


def _takes_batched_params(rule, bphys: dict) -> bool:
    return set(bphys) <= getattr(rule, "batched_params", frozenset())


def write_inplace(self: Tensor, result: Tensor) -> bool:
    """``apply_inplace``'s write under vmap: the whole batch of ``result`` into ``self``.

    False when neither is batched (write as usual). An unbatched ``self`` cannot take a
    batched result (PyTorch's error); a nested batched ``self`` runs per sample.
    """
    rl = result._level if type(result) is BatchedTensor else 0
    sl = self._level if type(self) is BatchedTensor else 0
    if rl == 0 and sl == 0:
        return False
    _forget(result)
    _forget(self)
    if rl > sl:
        raise RuntimeError(
            "vmap: inplace arithmetic(self, *extra_args) is not possible because there exists a Tensor `other` in "
            "extra_args that has more elements than `self`. This happened due to `other` being vmapped over but "
            "`self` not being vmapped over in a vmap. Please try to use out-of-place operators instead of inplace "
            "arithmetic. If said operator is being called inside the PyTorch framework, please file a bug report "
            "instead."
        )
    phys = self._phys
    if type(phys) is BatchedTensor:
        raise _Unbatchable("an in-place write into a tensor batched by nested vmaps")
    if self._extra is not None and self._extra.base is not None:
        # A view of another batched tensor: its physical tensor may be a copy (a rule that
        # looped), so the write would not reach the base. Per sample, views are real views.
        raise _Unbatchable("an in-place write into a view")
    dst = phys._data
    if rl == sl:
        src = _rep_of(result._phys)
        src = src.reshape((src.shape[0],) + (1,) * (self.ndim - (src.ndim - 1)) + src.shape[1:])
    else:
        src = _rep_of(result)
    if not dst.flags.writeable:
        raise RuntimeError("cannot write into a read-only tensor (it shares memory with a read-only array)")
    np.copyto(dst, src, casting="unsafe")
    from ..autograd import _inplace

    _inplace.bump(phys._vc, "copy_")
    return True


def snapshot(self: BatchedTensor) -> BatchedTensor:
    """A copy of the batch ``self`` stands for, with its history: what an in-place op that
    autograd records computes from, since ``self``'s memory is about to be overwritten."""
    phys = self._phys
    if type(phys) is BatchedTensor:
        raise _Unbatchable("an in-place write into a tensor batched by nested vmaps")
    _forget(self)
    copy = object.__new__(Tensor)  # (not Tensor._make: the batch itself is copied, no sample is read)
    copy._data, copy._vc = phys._data.copy(), [0, None]
    copy._grad_fn, copy._output_nr, copy._requires_grad = phys._grad_fn, phys._output_nr, phys._requires_grad
    return _wrap(copy, self._level)


def rebase(self: BatchedTensor, result: Tensor) -> None:
    """After an in-place op that autograd records: ``self``'s batch takes ``result``'s history."""
    if type(result) is not BatchedTensor or result._level != self._level:
        # An unbatched result written into a batch: its graph has one sample's shape.
        raise _Unbatchable("an in-place write of an unbatched result that requires grad")
    phys, new = self._phys, result._phys
    if new.grad_fn is not None:
        phys._grad_fn, phys._output_nr, phys._requires_grad = new._grad_fn, new._output_nr, True


def values_op(fn, operands: tuple, arrays: tuple):
    """An elementwise result an op computes with NumPy outside the primitives (comparisons,
    logical and bitwise ops, isnan...): ``fn`` on the physical arrays, batch dim in front.

    ``arrays`` are the op's (promoted) arrays for sample 0, ``operands`` the tensors they came
    from. None when no operand is batched. These results carry no gradient.
    """
    levels = [t._level for t in operands if type(t) is BatchedTensor]
    if not levels:
        return None
    level = max(levels)
    if min(levels) != level or any(type(t._phys) is BatchedTensor for t in operands if type(t) is BatchedTensor):
        raise _Unbatchable("an elementwise op outside the primitives under nested vmap")
    nd = max(np.ndim(a) for a in arrays)
    phys = []
    for t, a in zip(operands, arrays, strict=True):
        if type(t) is BatchedTensor:
            p = t._phys._data
            if isinstance(a, np.ndarray) and p.dtype != a.dtype:
                p = p.astype(a.dtype)
            phys.append(p.reshape((p.shape[0],) + (1,) * (nd - (p.ndim - 1)) + p.shape[1:]))
            _forget(t)
        else:
            phys.append(a)
    return _wrap(_plain(np.asarray(fn(*phys))), level)


def fold_op(input: Tensor, nd: int, fn):
    """Run ``fn``, an op on (N, C, *spatial) or (C, *spatial) input with ``nd`` spatial dims,
    on a whole batch at once: the batch becomes N (or joins it). None when ``input`` is not
    batched at the innermost level (the op runs as usual)."""
    if not _levels or type(input) is not BatchedTensor or input._level != _levels[-1]:
        return None
    p = input._phys
    if type(p) is BatchedTensor or input.ndim not in (nd + 1, nd + 2):
        return None
    from ..ops.movement import reshape

    if input.ndim == nd + 1:
        return _wrap(fn(p), input._level)
    shape = tuple(_rep_of(p).shape)
    out = fn(reshape(p, (shape[0] * shape[1], *shape[2:])))
    oshape = tuple(_rep_of(out).shape)
    return _wrap(reshape(out, (shape[0], shape[1], *oshape[1:])), input._level)


def check_running_stats(running: Tensor) -> None:
    """Batch norm's running statistics under vmap: PyTorch's error when they are not batched
    (they would take sample 0's statistics); batched ones fall back to a per-sample loop."""
    if not _levels or not _last_batched[0]:
        return  # the statistics came from an unbatched input
    if type(running) is not BatchedTensor:
        raise RuntimeError(
            "Batch norm got a batched tensor as input while the running_mean or running_var, which will be updated "
            "in place, were not batched.\nIf you are using a module and do not need eval mode, please set "
            "`track_running_stats` to be False.If you are using a prebuilt module and do not need eval mode, please "
            "see the functorch website for resources on how to patch your module to work with vmap"
        )
    raise _Unbatchable("batch norm's running statistics")


def _forget(t) -> None:
    """``t`` was read by an in-place op that handled it: no longer pending."""
    _pending.pop(id(t), None)
    _touched[:] = [x for x in _touched if x is not t]  # by identity (== would compare values)


def _holds_arrays(value) -> bool:
    """Whether op parameters hold arrays or tensors (where a batched tensor's values could hide)."""
    if isinstance(value, (np.ndarray, Tensor)):
        return True
    if isinstance(value, dict):
        return any(_holds_arrays(v) for v in value.values())
    if isinstance(value, (tuple, list)):
        return any(_holds_arrays(v) for v in value)
    return False


def _op_name(prim) -> str:
    return prim.node_cls.__name__ if prim.node_cls.__name__ != "NotImplemented" else prim.name


def _warn_once(prim) -> None:
    name = _op_name(prim)
    if name not in _warned:
        _warned.add(name)
        warnings.warn(
            f"vmap: {name} ({prim.name}) has no batching rule, so it runs once per sample in a Python loop. "
            "The result is right, only slower.",
            stacklevel=4,
        )


def _loop(prim, args, params, phys, n, bphys=None):
    from ..ops.movement import select, stack

    outs = []
    for b in range(n):
        sample = [select(p, 0, b) if p is not None else a for a, p in zip(args, phys, strict=True)]
        ps = params
        if bphys:  # batched parameters (index arrays): sample b's array
            ps = dict(params)
            for k, p in bphys.items():
                ps[k] = _param_sample(select(p, 0, b))
        outs.append(prim(*sample, **ps))
    return stack(outs, 0)


def _param_sample(t):
    """A parameter's array for one sample: plain, or (nested vmap) registered as read."""
    return t._data


# -- batching rules ---------------------------------------------------------------------------------
# A rule is ``rule(prim, out, args, params, phys, n) -> physical result`` (batch dimension in
# front), or None to fall back to the loop. ``phys[i]`` is input i's physical tensor when it
# is batched at this level, else None (the input is the same for every sample).

_RULES: dict[str, Callable] = {}


def defbatch(*names: str):
    """Register a batching rule for the primitives called ``names``."""

    def register(rule):
        for name in names:
            _RULES[name] = rule
        return rule

    return register


def rule_for(prim) -> Callable | None:
    """The batching rule ``vmap`` uses for ``prim`` (None: a per-sample loop)."""
    rule = _RULES.get(prim.name)
    if rule is None:
        from ..autograd.forward_ad import ELEMENTWISE, ELEMENTWISE_MODULES

        if prim.kernel.__module__ in ELEMENTWISE_MODULES or prim.name in ELEMENTWISE:
            return _elementwise
    return rule


def _pad(p: Tensor, logical_ndim: int, ndim: int) -> Tensor:
    """Physical ``p`` (batch in front) with size-1 dims inserted after the batch dim to logical rank ``ndim``."""
    if logical_ndim >= ndim:
        return p
    from ..ops.movement import reshape

    shape = tuple(_rep_of(p).shape)
    return reshape(p, (shape[0],) + (1,) * (ndim - logical_ndim) + shape[1:])


def _elementwise(prim, out, args, params, phys, n):
    nd = out.ndim
    inputs = [
        _pad(p, a.ndim, nd) if p is not None else a for a, p in zip(args, phys, strict=True)
    ]
    if out.dtype.kind in "fc":
        # Ops hand integer inputs to a float kernel already converted (exp of an int tensor
        # computes in the default float): do the same to the physical inputs.
        from .._dtype import from_numpy_dtype
        from ..ops.elementwise import to_dtype

        for i, x in enumerate(inputs):
            if isinstance(x, Tensor) and _rep_of(x).dtype.kind in "biu" and not (prim.name == "_where" and i == 0):
                inputs[i] = to_dtype(x, from_numpy_dtype(out.dtype))
    if out.dtype.kind in "fciu":
        # A batched 0-d operand is 1-d physically, so it would take part in type promotion
        # as a dimensioned tensor (float32 * a float64 0-d is float32): give it the op's dtype.
        from .._dtype import from_numpy_dtype
        from ..ops.elementwise import to_dtype

        kind = "iu" if out.dtype.kind in "iu" else out.dtype.kind
        for i, (a, p) in enumerate(zip(args, phys, strict=True)):
            if p is not None and a.ndim == 0 and _rep_of(p).dtype != out.dtype and _rep_of(p).dtype.kind in kind:
                inputs[i] = to_dtype(inputs[i], from_numpy_dtype(out.dtype))
    return prim(*inputs, **params)


def _shift(d):
    if d is None:
        return None
    if isinstance(d, (tuple, list)):
        return type(d)(_shift(x) for x in d)
    return d + 1 if d >= 0 else d


def _dims_rule(*names: str):
    def rule(prim, out, args, params, phys, n):
        if any(p is not None for p in phys[1:]) or (args[0].ndim == 0 and prim.name != "_unsqueeze"):
            return None
        new = dict(params)
        for name in names:
            if name in new:
                if new[name] is None:  # every dim of one sample
                    new[name] = tuple(range(args[0].ndim))
                new[name] = _shift(new[name])
        return prim(phys[0], *args[1:], **new)

    return rule


for _names, _params in [
    (("_sum_dims", "_mean_dims", "_nansum", "_amax", "_amin", "_var", "_std", "_logsumexp", "_vector_pnorm",
      "_squeeze_kernel", "_flip"), ("dims",)),
    (("_unsqueeze", "_cumsum", "_cumprod", "_logcumsumexp", "_softmax", "_log_softmax", "_glu", "_prod_dim",
      "_flip_along"), ("dim",)),
    (("_transpose",), ("dim0", "dim1")),
    (("_diagonal", "_diagonal_copy", "_diag_embed"), ("dim1", "dim2")),
]:
    defbatch(*_names)(_dims_rule(*_params))


@defbatch("_permute")
def _permute_rule(prim, out, args, params, phys, n):
    return prim(phys[0], dims=(0, *(_shift(d) for d in params["dims"])))


@defbatch("_t")
def _t_rule(prim, out, args, params, phys, n):
    from ..ops.movement import transpose

    return phys[0] if args[0].ndim < 2 else transpose(phys[0], 1, 2)


@defbatch("_view", "_reshape_alias", "_reshape_copy")
def _reshape_rule(prim, out, args, params, phys, n):
    from ..ops.movement import reshape

    return reshape(phys[0], (n, *out.shape))


@defbatch("_expand")
def _expand_rule(prim, out, args, params, phys, n):
    p = _pad(phys[0], args[0].ndim, len(params["shape"]))
    return prim(p, shape=(n, *params["shape"]))


@defbatch("_sum_to_size_kernel")
def _sum_to_size_rule(prim, out, args, params, phys, n):
    from ..ops.movement import reshape

    shape = tuple(params["shape"])
    full = (n,) + (1,) * (args[0].ndim - len(shape)) + shape
    return reshape(prim(phys[0], shape=full), (n, *shape))


@defbatch("_sum_all", "_mean_all")
def _reduce_all_rule(prim, out, args, params, phys, n):
    from ..ops import reduction

    dims_prim = reduction._sum_dims if prim.name == "_sum_all" else reduction._mean_dims
    if args[0].ndim == 0:
        from ..ops.elementwise import to_dtype
        from .._dtype import from_numpy_dtype

        return to_dtype(phys[0], from_numpy_dtype(out.dtype))
    return dims_prim(phys[0], dims=tuple(range(1, args[0].ndim + 1)), keepdim=False, dtype=params["dtype"])


@defbatch("_contiguous", "_clone")
def _same_rule(prim, out, args, params, phys, n):
    return prim(phys[0], **params)


def _as_matrix(a, p, left: bool):
    """Logical 1-d operands of a matrix product as a row (left) or column (right) matrix."""
    from ..ops.movement import unsqueeze

    if a.ndim != 1:
        return a, p, a.ndim
    if p is None:
        return (unsqueeze(a, 0) if left else unsqueeze(a, 1)), None, 2
    return a, (unsqueeze(p, 1) if left else unsqueeze(p, 2)), 2


@defbatch("_dot", "_mv", "_mm", "_matmul_kernel")
def _matmul_rule(prim, out, args, params, phys, n):
    from ..ops.linalg import matmul
    from ..ops.movement import reshape

    (x, px, nx), (y, py, ny) = _as_matrix(args[0], phys[0], True), _as_matrix(args[1], phys[1], False)
    nd = max(nx, ny)
    left = _pad(px, nx, nd) if px is not None else x
    right = _pad(py, ny, nd) if py is not None else y
    return reshape(matmul(left, right), (n, *out.shape))


@defbatch("_linear_addmm")
def _linear_rule(prim, out, args, params, phys, n):
    from ..ops.linalg import matmul

    bias, x, w_t = args
    pb, px, pw = phys
    prod = matmul(_pad(px, 2, 2) if px is not None else x, pw if pw is not None else w_t)
    if px is None and pw is None:
        from ..ops.movement import expand

        prod = expand(prod, (n, *out.shape))
    if pb is None:
        return prod + bias
    return prod + _pad(pb, bias.ndim, 2)


# -- vmap itself ------------------------------------------------------------------------------------


def _flatten(tree, is_leaf=None) -> tuple[list, Callable]:
    """Leaves of nested tuples/lists/dicts and a function that rebuilds the structure."""
    if isinstance(tree, (tuple, list)) and not isinstance(tree, Tensor):
        parts = [_flatten(x) for x in tree]
        leaves = [leaf for p in parts for leaf in p[0]]
        sizes = [len(p[0]) for p in parts]
        kind = type(tree)

        def build(values):
            out, i = [], 0
            for (_, b), s in zip(parts, sizes, strict=True):
                out.append(b(values[i:i + s]))
                i += s
            if kind is tuple or kind is list:
                return kind(out)
            return kind(*out)  # named tuples

        return leaves, build
    if isinstance(tree, dict):
        keys = list(tree)
        parts = [_flatten(tree[k]) for k in keys]
        sizes = [len(p[0]) for p in parts]

        def build_dict(values):
            out, i = {}, 0
            for k, (_, b), s in zip(keys, parts, sizes, strict=True):
                out[k] = b(values[i:i + s])
                i += s
            return type(tree)(out) if type(tree) is not dict else out

        return [leaf for p in parts for leaf in p[0]], build_dict
    return [tree], lambda values: values[0]


def _broadcast_dims(dims, tree, what: str) -> list:
    """One in/out dim per leaf of ``tree``, from an int/None or a structure matching it."""
    leaves, _ = _flatten(tree)
    if dims is None or isinstance(dims, int):
        return [dims] * len(leaves)
    if isinstance(tree, (tuple, list)) and isinstance(dims, (tuple, list)):
        if len(dims) != len(tree):
            raise ValueError(
                f"vmap: {what} is not compatible with the structure of the inputs: expected {len(tree)} entries, "
                f"got {len(dims)}."
            )
        return [d for sub, t in zip(dims, tree, strict=True) for d in _broadcast_dims(sub, t, what)]
    if isinstance(tree, dict) and isinstance(dims, dict):
        return [d for k in tree for d in _broadcast_dims(dims.get(k), tree[k], what)]
    raise ValueError(f"vmap: {what}={dims!r} is not compatible with the structure of the inputs.")


def vmap(func: Callable, in_dims: Any = 0, out_dims: Any = 0, randomness: str = "error", *,
         chunk_size: int | None = None) -> Callable:
    """Vectorize ``func`` over a dimension of its inputs, as ``torch.func.vmap``.

    ``in_dims``: per argument (nested like the arguments), the dimension to map over or None.
    ``out_dims``: where the batch dimension goes in each output. ``chunk_size``: run the batch
    in chunks of this many samples. ``randomness``: 'error', 'different' or 'same'.
    """
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(
            f"Only allowed values for randomness are 'error', 'different', or 'same'. Got {randomness}"
        )
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        if not isinstance(in_dims, (int, tuple, list)) and in_dims is not None:
            raise ValueError(f"vmap({_name(func)}, in_dims={in_dims!r}): expected `in_dims` to be int or a (potentially nested) "
                             "tuple matching the structure of inputs")
        if isinstance(in_dims, (tuple, list)) and len(in_dims) != len(args):
            raise ValueError(
                f"vmap({_name(func)}, in_dims={tuple(in_dims)!r}, ...)(<inputs>): in_dims is not compatible with the structure "
                f"of `inputs`. in_dims has structure {len(in_dims)} but inputs has structure {len(args)}."
            )
        leaves, build = _flatten(list(args))
        dims = _broadcast_dims(list(in_dims) if isinstance(in_dims, (tuple, list)) else in_dims, list(args), "in_dims")
        sizes = set()
        for x, d in zip(leaves, dims, strict=True):
            if d is None:
                continue
            if not isinstance(x, Tensor):
                raise ValueError(
                    f"vmap({_name(func)}, in_dims={in_dims!r}, ...)(<inputs>): Got in_dim={d} for an input but the input is of type "
                    f"{type(x)}. We cannot vmap over non-Tensor arguments, please use None as the respective in_dim"
                )
            nd = x.dim()
            if not -nd <= d < nd:
                raise ValueError(
                    f"vmap({_name(func)}, in_dims={in_dims!r}, ...)(<inputs>): Got in_dim={d} for some input, but that input is a "
                    f"Tensor of dimensionality {nd} so expected in_dim to satisfy -{nd} <= in_dim < {nd}."
                )
            sizes.add(x.shape[d])
        if not sizes:
            raise ValueError(
                f"vmap({_name(func)}, in_dims={in_dims!r}, ...)(<inputs>): at least one input must be a Tensor with an in_dim "
                "that is not None"
            )
        if len(sizes) > 1:
            raise ValueError(
                "vmap: Expected all tensors to have the same size in the mapped dimension, got sizes "
                f"{sorted(sizes)} for the mapped dimension"
            )
        (n,) = sizes
        if chunk_size is not None and chunk_size < n:
            return _chunked(func, leaves, dims, build, kwargs, n, out_dims, randomness, chunk_size)
        return _run(func, leaves, dims, build, kwargs, n, out_dims, randomness)

    return wrapped


def _name(func) -> str:
    return getattr(func, "__name__", repr(func))


def _chunked(func, leaves, dims, build, kwargs, n, out_dims, randomness, chunk_size):
    from ..ops.movement import cat, narrow

    pieces = []
    for start in range(0, n, chunk_size):
        size = min(chunk_size, n - start)
        part = [narrow(x, d, start, size) if d is not None else x for x, d in zip(leaves, dims, strict=True)]
        pieces.append(_run(func, part, dims, build, kwargs, size, out_dims, randomness))
    first = pieces[0]
    outs, rebuild = _flatten(first)
    odims = _broadcast_dims(out_dims, first, "out_dims")
    joined = [cat([_flatten(p)[0][i] for p in pieces], d) if d is not None else outs[i]
              for i, d in enumerate(odims)]
    return rebuild(joined)


_randomness: list[str] = []  # per active (batched) level
_loop_modes: list[str] = []  # per level running its function once per sample

_RANDOM_ERROR = (
    "vmap: called random operation while in randomness error mode. Please either use the 'same' or 'different' "
    "randomness flags on vmap or perform the randomness operation out of vmap"
)


def check_random() -> None:
    """Called by every random draw (``_creation._rng``) while vmap runs.

    'error' raises as PyTorch does. 'same': one draw serves every sample (a per-sample loop
    replays the generator's state for each sample). 'different' on a batched level: the
    function runs once per sample, so each sample draws its own values (dropout draws a
    batched mask instead: ``dropout_noise``).
    """
    if "error" in _randomness or "error" in _loop_modes:
        raise RuntimeError(_RANDOM_ERROR)
    if "different" in _randomness:
        raise _Unbatchable("a random operation with randomness='different'")


def dropout_noise(input: Tensor, p: float, scale: float) -> Tensor:
    """Dropout's scaled keep-mask under vmap, as its ``randomness`` flag says."""
    from .._creation import _rng

    mode = _randomness[-1] if _randomness else None
    np_dtype = input.dtype.np
    if p == 1.0:  # nothing is kept: no draw (PyTorch does not draw either)
        return _plain(np.zeros((), dtype=np_dtype))
    if mode == "different" and type(input) is BatchedTensor and len(_randomness) == 1 and not _loop_modes:
        _randomness[-1] = "same"  # draw once, with the batch dimension in front
        try:
            keep = _rng(None).random((batch_size(input), *input.shape)) >= p
        finally:
            _randomness[-1] = "different"
        return _wrap(_plain((keep * scale).astype(np_dtype)), input._level)
    keep = _rng(None).random(tuple(input.shape)) >= p
    return _plain((keep * scale).astype(np_dtype))


def _plain(arr: np.ndarray) -> Tensor:
    """A tensor from an array no batched tensor's values went into (bypasses ``_make_hook``)."""
    t = object.__new__(Tensor)
    t._data = arr
    t._grad_fn = None
    t._requires_grad = False
    t._vc = [0, None]
    return t


def randomness() -> str | None:
    """The innermost active vmap's ``randomness`` setting, or None outside vmap."""
    return _randomness[-1] if _randomness else None


def _run(func, leaves, dims, build, kwargs, n, out_dims, randomness):
    from ..ops.movement import movedim

    level = _next_level[0]
    _next_level[0] += 1
    _levels.append(level)
    level_sizes[level] = n
    _randomness.append(randomness)
    _transforms._vmap_depth += 1
    _refresh()
    try:
        inputs = [_wrap(movedim(x, d, 0) if d != 0 else x, level) if d is not None else x
                  for x, d in zip(leaves, dims, strict=True)]
        try:
            out = func(*build(inputs), **kwargs)
            if _touched or _pending:
                # A batched tensor was read and never handed to a primitive: whatever was
                # computed from its sample 0 cannot be trusted.
                raise _Unbatchable(_pending_names())
        except BaseException as e:
            _clear_reads()  # whatever happened: the rerun, or the next vmap, starts with none pending
            if isinstance(e, _Unbatchable):
                return _per_sample(func, leaves, dims, build, kwargs, n, out_dims, randomness, e.op, level)
            if isinstance(e, (RuntimeError, ValueError)) and "read-only" in str(e):
                # An op wrote into a batched tensor's sample 0 directly.
                return _per_sample(func, leaves, dims, build, kwargs, n, out_dims, randomness, "an in-place write",
                                   level)
            raise
        _clear_reads()
        return _unwrap_outputs(out, out_dims, level, n)
    finally:
        _levels.pop()
        level_sizes.pop(level, None)
        _randomness.pop()
        _transforms._vmap_depth -= 1
        _refresh()


def _clear_reads() -> None:
    """Forget the batched tensors read, pending and handed out during one vmapped call."""
    _touched.clear()
    _pending.clear()
    _handout.clear()


def _refresh() -> None:
    """Hook record (Note [Transforms]) and ``Tensor._make`` exactly while vmap runs."""
    from .. import _tensor

    _transforms.refresh()
    _tensor._make_hook = _make_hook if (_transforms._vmap_depth or _loop_modes) else None


def _per_sample(func, leaves, dims, build, kwargs, n, out_dims, randomness, op, level):
    """The whole function once per sample (Note [How vmap works], last paragraph)."""
    from ..ops.movement import select, stack

    if op not in _warned:
        _warned.add(op)
        warnings.warn(
            f"vmap: {op} cannot run batched here (it computes with values read from a batched tensor), so "
            "vmap runs the function once per sample. The result is right, only slower.",
            stacklevel=4,
        )
    # The loop runs outside this level: the samples are plain tensors.
    _levels.pop()
    _randomness.pop()
    _loop_modes.append(randomness)
    _transforms._vmap_depth -= 1
    _refresh()
    from .._creation import default_generator

    start = default_generator._rng.bit_generator.state
    try:
        results = []
        for b in range(n):
            if randomness == "same":  # every sample draws what the first one drew
                default_generator._rng.bit_generator.state = start
            sample = [select(x, d, b) if d is not None else x for x, d in zip(leaves, dims, strict=True)]
            results.append(func(*build(sample), **kwargs))
    finally:
        _loop_modes.pop()
        _levels.append(level)
        _randomness.append(randomness)
        _transforms._vmap_depth += 1
        _refresh()
    outs, rebuild = _flatten(results[0])
    odims = _broadcast_dims(out_dims, results[0], "out_dims")
    stacked = []
    for i, d in enumerate(odims):
        column = [_flatten(r)[0][i] for r in results]
        _check_output(column[0])
        stacked.append(stack(column, d) if d is not None else column[0])
    return rebuild(stacked)


def _check_output(x) -> None:
    if not isinstance(x, Tensor):
        raise ValueError(
            f"vmap: `func` must only return Tensors, got type {type(x)}. Did you mean to set out_dims= to None for "
            "output?"
        )


def _unwrap_outputs(out, out_dims, level: int, n: int):
    from ..ops.movement import expand, movedim, unsqueeze

    leaves, build = _flatten(out)
    odims = _broadcast_dims(out_dims, out, "out_dims")
    result = []
    for x, d in zip(leaves, odims, strict=True):
        if d is None:
            if type(x) is BatchedTensor and x._level == level:
                raise ValueError(
                    "vmap: out_dim is None for an output that varies over the batch; it can only be None for "
                    "outputs that are the same for every sample."
                )
            result.append(x)
            continue
        _check_output(x)
        if type(x) is BatchedTensor and x._level == level:
            p = x._phys
            result.append(movedim(p, 0, d) if d != 0 else p)
        else:
            e = expand(unsqueeze(x, 0), (n, *x.shape))
            result.append(movedim(e, 0, d) if d != 0 else e)
    return build(result)


def batching_kind(prim) -> str:
    """How ``vmap`` runs ``prim``: "rule" (its own batching rule), "elementwise" (broadcast
    with the batch dim in front) or "loop" (once per sample)."""
    rule = rule_for(prim)
    if rule is None:
        return "loop"
    return "elementwise" if rule is _elementwise else "rule"


from . import _batching_rules  # noqa: E402,F401  (registers more rules)
