"""Tensor: one NumPy array plus autograd metadata. Its math lives in ``chainrule.ops``.

Every method here forwards to an op function; nothing computes on its own. The slots
are kept few because every op result pays for each one.
"""

from __future__ import annotations

import warnings
import weakref
from typing import Callable, Iterator

import numpy as np

from . import _dtype
from ._dtype import dtype as _dtype_cls
from .autograd.graph import AccumulateGrad, RemovableHandle, _add_hook

__all__ = ["Tensor", "Size"]

# Set by func._vmap while vmap runs: a tensor made from plain arrays there may hold a batched
# tensor's sample-0 values (Note [How vmap works] in func/_vmap.py).
_make_hook: Callable | None = None


class Size(tuple):
    """A tensor's shape: a tuple of ints printed as ``torch.Size([2, 3])``.

    Slicing, ``+`` and ``*`` give a Size again, as in PyTorch.
    """

    __slots__ = ()

    def __new__(cls, sizes=()) -> "Size":
        sizes = tuple(sizes)
        for i, s in enumerate(sizes):
            if type(s) is not int:
                if isinstance(s, (float, complex, str)) or not hasattr(s, "__index__"):
                    raise TypeError(f"torch.Size() takes an iterable of 'int' (item {i} is '{type(s).__name__}')")
                sizes = sizes[:i] + (s.__index__(),) + sizes[i + 1 :]
        return tuple.__new__(cls, sizes)

    def __repr__(self) -> str:
        return f"torch.Size({list(self)!r})"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return format(repr(self), spec)

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds."""
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, item):
        out = tuple.__getitem__(self, item)
        return _size(out) if isinstance(item, slice) else out

    def __add__(self, other):
        if not isinstance(other, tuple):
            raise TypeError(f"can only concatenate tuple (not {type(other).__name__}) to torch.Size")
        return _size(tuple.__add__(self, other))

    def __radd__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return _size(tuple.__add__(other, self))

    def __mul__(self, n):
        return _size(tuple.__mul__(self, n))

    __rmul__ = __mul__


def _size(shape: tuple) -> Size:
    """A Size from a tuple of Python ints, without Size()'s checks (every op's hot path)."""
    return tuple.__new__(Size, shape)


class _Extra:
    """Rarely used per-tensor state, kept out of the hot slots."""

    __slots__ = (
        "hooks", "post_accumulate_hooks", "retains_grad", "accumulator", "base", "view_fn", "base_fn", "name",
        "tangent",
    )

    def __init__(self) -> None:
        self.hooks = None
        self.post_accumulate_hooks = None
        self.retains_grad = False
        self.accumulator = None
        self.base = None
        self.view_fn = None
        self.base_fn = None  # the base's grad_fn when this view's grad_fn was made (Note [Views])
        self.name = None
        self.tangent = None  # the forward-mode gradient at the active dual level (autograd/forward_ad.py)


class Tensor:
    """A multi-dimensional array that records the operations applied to it.

    Create tensors with ``chainrule.tensor(...)`` and the other creation functions.
    """

    # Every op result sets the hot slots; the rarely changed attributes below are class-level
    # defaults that an instance overrides only when needed (its __dict__ is created lazily).
    __slots__ = ("_data", "_grad_fn", "_requires_grad", "_vc", "__dict__", "__weakref__")
    _output_nr = 0  # which output of its grad_fn this tensor is
    _grad = None
    _extra = None  # an _Extra once hooks, views or retain_grad need one
    __array_priority__ = 1000  # make `ndarray * Tensor` defer to Tensor.__rmul__

    # -- construction ----------------------------------------------------------------------
    def __new__(cls, *args, **kwargs) -> "Tensor":
        """PyTorch's legacy constructor: ``Tensor(2, 3)`` (uninitialised) or ``Tensor([1, 2])``.

        It always makes the default float dtype; prefer ``chainrule.tensor`` and friends.
        """
        from ._creation import legacy_new

        return legacy_new(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs) -> None:
        pass  # everything happened in __new__

    @classmethod
    def _make(cls, data: np.ndarray) -> "Tensor":
        """Wrap an array (no copy). Internal: the public constructor is ``chainrule.tensor``."""
        if _make_hook is not None:
            hit = _make_hook(data)
            if hit is not None:
                return hit
        t = object.__new__(cls)
        t._data = data
        t._grad_fn = None
        t._requires_grad = False
        t._vc = [0, None]
        return t

    def _get_extra(self) -> _Extra:
        if self._extra is None:
            self._extra = _Extra()
        return self._extra

    def _edge(self) -> tuple:
        """Where a gradient for this tensor goes: its grad_fn, or its leaf accumulator."""
        if self._extra is not None and self._extra.base is not None:
            _refresh_view(self)
        if self._grad_fn is not None:
            return (self._grad_fn, self._output_nr)
        return (self._accumulator(), 0)

    def _accumulator(self) -> AccumulateGrad:
        # Held weakly here and strongly by the graph: one accumulator per leaf while a
        # graph uses it, and no cycle between the leaf and its accumulator.
        extra = self._get_extra()
        acc = extra.accumulator() if extra.accumulator is not None else None
        if acc is None:
            acc = AccumulateGrad(self)
            extra.accumulator = weakref.ref(acc)
        return acc

    # -- autograd metadata ------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        """Whether autograd records operations on this tensor (and gives it a ``.grad``)."""
        if self._extra is not None and self._extra.base is not None:
            _refresh_view(self)
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and self._grad_fn is None and self._data.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set whether autograd records operations on this leaf tensor (in place)."""
        if self._grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use "
                    "a computed variable in a subgraph that doesn't require differentiation use "
                    "var_no_grad = var.detach()."
                )
            return self
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def grad_fn(self):
        """The backward node that made this tensor, or None for a leaf."""
        if self._extra is not None and self._extra.base is not None:
            _refresh_view(self)
        return self._grad_fn

    @property
    def output_nr(self) -> int:
        """Which output of its ``grad_fn`` this tensor is (0 for a leaf, or a one-output op)."""
        return self._output_nr

    @property
    def is_leaf(self) -> bool:
        """True for a tensor made by the user (no ``grad_fn``): its ``.grad`` is filled by backward."""
        if self._extra is not None and self._extra.base is not None:
            _refresh_view(self)
        return self._grad_fn is None

    @property
    def grad(self) -> "Tensor | None":
        """The gradient accumulated into this leaf by ``backward()``, or None."""
        if self._grad_fn is not None and self._grad is None and (self._extra is None or not self._extra.retains_grad):
            import warnings

            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
                "attribute won't be populated during autograd.backward(). If you indeed want the .grad field "
                "to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you "
                "access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See "
                "github.com/pytorch/pytorch/pull/30531 for more information.",
                UserWarning,
                stacklevel=2,
            )
        return self._grad

    @grad.setter
    def grad(self, value: "Tensor | None") -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{_C_TYPE_NAMES.get(value._data.dtype.name, value._data.dtype.name)}' "
                    f"to a tensor with grad_dtype '{_SCALAR_TYPE_NAMES.get(self._data.dtype.name, self._data.dtype.name)}'. "
                    "The gradient must match the tensor's grad_dtype (defaults to the tensor's dtype). You can "
                    "set the tensor's grad_dtype attribute with a specific dtype, or None to allow any dtype. Set "
                    "grad_dtype with caution. Diverging the dtypes of a tensor and its gradient may break "
                    "downstream systems that assume they match."
                )
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value._data.shape)}' to a tensor of size "
                    f"'{list(self._data.shape)}'. Please ensure that the gradient and the tensor are the same size"
                )
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def retains_grad(self) -> bool:
        """Whether ``retain_grad()`` asked a non-leaf to keep its ``.grad``."""
        return self._extra is not None and self._extra.retains_grad

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward."""
        if self._grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        extra = self._get_extra()
        if extra.retains_grad:
            return
        extra.retains_grad = True
        ref = weakref.ref(self)  # weak: the hook lives on grad_fn, which this tensor holds

        def store(grad):
            t = ref()
            if t is not None:
                # A copy, so later in-place work on .grad cannot reach the engine's buffers.
                t._grad = grad.clone() if t._grad is None else t._grad + grad

        # Runs after the tensor's other hooks, whenever they were registered (as in PyTorch).
        self._grad_fn._register_retain_hook(self._output_nr, store)

    def register_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a new one."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            return self._grad_fn._register_tensor_hook(self._output_nr, hook)
        extra = self._get_extra()
        extra.hooks, handle = _add_hook(extra.hooks, hook)
        return handle

    def register_post_accumulate_grad_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(tensor)`` on this leaf after its ``.grad`` has been accumulated."""
        if self._grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        extra = self._get_extra()
        extra.post_accumulate_hooks, handle = _add_hook(extra.post_accumulate_hooks, hook)
        return handle

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
        """Accumulate the gradient of this tensor into the ``.grad`` of the leaves it depends on."""
        from .autograd import engine

        engine.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self) -> "Tensor":
        """A tensor sharing this one's data, outside the graph (it never requires grad)."""
        t = Tensor._make(self._data)
        t._vc = self._vc
        return t

    def detach_(self) -> "Tensor":
        """Make this tensor a leaf that does not require grad, in place."""
        if self._extra is not None and self._extra.base is not None:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using DistributedDataParallel "
                "(DDP) for training, and gradient_as_bucket_view is set as True, gradients are views of DDP "
                "buckets, and hence detach_() cannot be called on these gradients. To fix this error, please "
                "refer to the Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution."
            )
        self._grad_fn = None
        self._requires_grad = False
        if self._extra is not None:
            self._extra.tangent = None  # as detach(): no forward-mode tangent either
        return self

    @property
    def data(self) -> "Tensor":
        """The same values, outside the graph (here the same as ``detach()``)."""
        return self.detach()

    @data.setter
    def data(self, value: "Tensor") -> None:
        self._data = value._data

    # -- plain attributes -------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        """The size of each dimension, as a ``Size`` (a tuple)."""
        return _size(self._data.shape)

    def size(self, dim: int | None = None):
        """The shape as ``chainrule.Size``, or the length of dimension ``dim``."""
        if dim is None:
            return _size(self._data.shape)
        return self._data.shape[self._dim_of_shape(dim)]

    def _dim_of_shape(self, dim: int) -> int:
        """``dim`` wrapped for ``size``/``stride``, which (unlike ops) refuse any dim of a 0-d tensor."""
        if self._data.ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        return _norm_dim(dim, self._data.ndim)

    def dim(self) -> int:
        """The number of dimensions."""
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return self._data.ndim

    def numel(self) -> int:
        """The number of elements."""
        return self._data.size

    nelement = numel

    @property
    def dtype(self) -> _dtype_cls:
        """The element type (``chainrule.float32`` by default for floats)."""
        return _dtype.from_numpy_dtype(self._data.dtype)

    @property
    def device(self) -> "device":
        """Always the CPU: chainrule computes with NumPy."""
        return _CPU

    @property
    def is_cuda(self) -> bool:
        """Always False: chainrule runs on the CPU."""
        return False

    @property
    def is_cpu(self) -> bool:
        """Always True: chainrule runs on the CPU."""
        return True

    # chainrule tensors are always dense, plain CPU tensors.
    is_sparse = is_quantized = is_meta = is_mkldnn = is_nested = False

    @property
    def layout(self) -> str:
        """Always ``torch.strided``: dense tensors only."""
        return "torch.strided"

    def is_signed(self) -> bool:
        """Whether the dtype can hold negative values."""
        return self._data.dtype.kind not in "ub"

    @property
    def itemsize(self) -> int:
        """Bytes per element."""
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        """Bytes taken by the elements."""
        return self._data.nbytes

    def storage_offset(self) -> int:
        """Elements between the start of the memory this tensor views and its first element."""
        root = self._data
        while isinstance(root.base, np.ndarray):
            root = root.base
        here = self._data.__array_interface__["data"][0]
        return (here - root.__array_interface__["data"][0]) // self._data.itemsize

    def is_floating_point(self) -> bool:
        """Whether the dtype is a floating-point type."""
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        """Whether the dtype is complex."""
        return self._data.dtype.kind == "c"

    def element_size(self) -> int:
        """Bytes per element."""
        return self._data.itemsize

    def is_contiguous(self, memory_format=None) -> bool:
        """Whether the elements are laid out in row-major order without gaps."""
        return bool(self._data.flags.c_contiguous)

    def stride(self, dim: int | None = None):
        """Elements to step over to move one place along each dimension (or along ``dim``)."""
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[self._dim_of_shape(dim)]

    def data_ptr(self) -> int:
        """The address of the first element (for telling storages apart)."""
        return self._data.__array_interface__["data"][0]

    @property
    def _version(self) -> int:
        """How many in-place writes this tensor's memory has had (shared with its views).

        Internally ``_vc`` is ``[count, last_writer]`` (Note [Version counters]).
        """
        return self._vc[0]

    @property
    def name(self):
        """PyTorch's named-tensor name: always None."""
        return None if self._extra is None else self._extra.name

    # -- conversion -------------------------------------------------------------------------
    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.reshape(()).item()

    def tolist(self):
        """The values as (nested) Python lists of numbers."""
        return self._data.tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The NumPy array behind this tensor (shared memory)."""
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        return self._data

    def __array__(self, dtype=None, copy=None):
        if self._requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        a = self._data
        if dtype is not None and a.dtype != dtype:
            return a.astype(dtype)
        return a.copy() if copy else a

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator["Tensor"]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(unbind(self, 0))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                "Boolean value of Tensor with more than one value is ambiguous"
                if self._data.size > 1
                else "Boolean value of Tensor with no values is ambiguous"
            )
        return bool(self._data.reshape(()))

    def _python_scalar(self, kind: str):
        """The one element as a Python number, for ``float()``, ``int()`` and ``complex()``."""
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        value = self._data.reshape(()).item()
        if isinstance(value, complex) and kind != "complex":
            if value.imag != 0:
                raise RuntimeError(
                    f"value cannot be converted to type {'double' if kind == 'float' else 'int64_t'} without overflow"
                )
            value = value.real
        return value

    def __float__(self) -> float:
        return float(self._python_scalar("float"))

    def __int__(self) -> int:
        return int(self._python_scalar("int"))

    def __complex__(self) -> complex:
        return complex(self._python_scalar("complex"))

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.reshape(()).item())

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        from . import _printing

        suffixes = []
        if self._grad_fn is not None:
            suffixes.append(f"grad_fn=<{type(self._grad_fn).__name__}>")
        elif self._requires_grad:
            suffixes.append("requires_grad=True")
        if self._extra is not None and _printing.tangent_suffix(self) is not None:  # forward-mode AD
            suffixes.append(_printing.tangent_suffix(self))
        return _printing.tensor_repr(
            self._data, self.dtype.name, _dtype.get_default_dtype().name, suffixes
        )

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        # As in PyTorch: a 0-d tensor formats as its number, anything else only as its repr.
        if self._data.ndim == 0:
            return format(self.item(), spec)
        if spec:
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return repr(self)

    def __copy__(self) -> "Tensor":
        """``copy.copy``: a new leaf on the same memory, keeping ``requires_grad`` (as PyTorch)."""
        t = Tensor._make(self._data)
        t._requires_grad = self._requires_grad
        return t

    def __reduce_ex__(self, protocol):
        raise TypeError("chainrule tensors are not picklable: use chainrule.save (a safe format)")

    def __deepcopy__(self, memo):
        if self._grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy protocol at the moment."
            )
        t = Tensor._make(self._data.copy())
        t._requires_grad = self._requires_grad
        if self._grad is not None:
            t._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = t
        return t

    # -- dtype conversion -------------------------------------------------------------------
    def to(self, *args, **kwargs) -> "Tensor":
        """This tensor converted to another dtype (itself when nothing changes).

        Accepts PyTorch's forms: ``to(dtype)``, ``to(device, dtype)``, ``to(other_tensor)``,
        each followed by ``non_blocking`` and ``copy``. Devices other than "cpu" are refused.
        """
        target = kwargs.pop("dtype", None)
        copy = kwargs.pop("copy", False)
        device_arg = kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
        rest = list(args)
        first = rest[0] if rest else False  # False: no positional argument (bools are flags)
        if isinstance(first, Tensor):
            target = rest.pop(0).dtype
        elif isinstance(first, _dtype_cls):
            target = rest.pop(0)
        elif first is None or isinstance(first, (str, device)) or type(first) is int:
            device_arg = rest.pop(0)
            if rest and (rest[0] is None or isinstance(rest[0], _dtype_cls)):
                target = rest.pop(0)
        if len(rest) > 2 or not all(isinstance(a, bool) for a in rest):
            got = ", ".join(type(a).__name__ for a in args)
            raise TypeError(f"to() received an invalid combination of arguments - got ({got})")
        if len(rest) == 2:
            copy = rest[1]
        if device_arg is not None:
            _check_device(device_arg)
        if target is None or target.np == self._data.dtype:
            return self.clone() if copy else self
        return _ops.to_dtype(self, target)

    def type(self, dtype=None, non_blocking: bool = False, **kwargs):
        """With no argument, the legacy type name (``"torch.FloatTensor"``); else ``to(dtype)``."""
        if dtype is None:
            return f"torch.{_dtype_type_names[self.dtype.name]}"
        if isinstance(dtype, str):
            by_name = {f"torch.{v}": k for k, v in _dtype_type_names.items()}
            if dtype not in by_name:
                if dtype.startswith("torch.cuda."):
                    raise RuntimeError("chainrule runs on the CPU only; CUDA tensor types are not available")
                raise ValueError(f"invalid type: '{dtype}'")
            dtype = _dtype._by_name(by_name[dtype])
        return self.to(dtype)

    def float(self) -> "Tensor":
        """A float32 copy (``self`` when it already is float32)."""
        return self.to(_dtype.float32)

    def double(self) -> "Tensor":
        """A float64 copy (``self`` when it already is float64)."""
        return self.to(_dtype.float64)

    def half(self) -> "Tensor":
        """A float16 copy (``self`` when it already is float16)."""
        return self.to(_dtype.float16)

    def long(self) -> "Tensor":
        """An int64 copy (``self`` when it already is int64)."""
        return self.to(_dtype.int64)

    def int(self) -> "Tensor":
        """An int32 copy (``self`` when it already is int32)."""
        return self.to(_dtype.int32)

    def short(self) -> "Tensor":
        """An int16 copy (``self`` when it already is int16)."""
        return self.to(_dtype.int16)

    def char(self) -> "Tensor":
        """An int8 copy (``self`` when it already is int8)."""
        return self.to(_dtype.int8)

    def byte(self) -> "Tensor":
        """A uint8 copy (``self`` when it already is uint8)."""
        return self.to(_dtype.uint8)

    def bool(self) -> "Tensor":
        """A bool copy (``self`` when it already is bool)."""
        return self.to(_dtype.bool_)

    def cfloat(self) -> "Tensor":
        """A complex64 copy (``self`` when it already is complex64)."""
        return self.to(_dtype.complex64)

    def cdouble(self) -> "Tensor":
        """A complex128 copy (``self`` when it already is complex128)."""
        return self.to(_dtype.complex128)

    def cuda(self, device=None, non_blocking: bool = False, memory_format=None) -> "Tensor":
        """Copy to a GPU: raises, as PyTorch built without CUDA does."""
        raise AssertionError("Torch not compiled with CUDA enabled (chainrule runs on the CPU only: use device='cpu')")

    def get_device(self) -> int:
        """The GPU index of this tensor: -1, it lives on the CPU."""
        return -1

    def pin_memory(self, device=None) -> "Tensor":
        """Page-lock for fast GPU copies: raises, as PyTorch does without an accelerator."""
        raise RuntimeError("Cannot access accelerator device when none is available.")

    def is_pinned(self, device=None) -> bool:
        """Whether the memory is page-locked: never."""
        return False

    def share_memory_(self) -> "Tensor":
        """Move to shared memory for multiprocessing: ``self`` (chainrule loads data in one process)."""
        return self

    def is_shared(self) -> bool:
        """Whether the memory is shared between processes: no."""
        return False

    def cpu(self) -> "Tensor":
        """``self``: tensors already live on the CPU."""
        return self

    def type_as(self, other: "Tensor") -> "Tensor":
        """``self`` converted to ``other``'s dtype."""
        return self.to(other.dtype)

    # -- new tensors like this one -----------------------------------------------------------
    def new_tensor(self, data, **kwargs) -> "Tensor":
        """A tensor copied from ``data`` with this tensor's dtype (unless ``dtype=`` is given)."""
        from ._creation import new_tensor

        return new_tensor(self, data, **kwargs)

    def new_zeros(self, *size, **kwargs) -> "Tensor":
        """Zeros of shape ``size`` with this tensor's dtype (unless ``dtype=`` is given)."""
        from ._creation import new_zeros

        return new_zeros(self, *size, **kwargs)

    def new_ones(self, *size, **kwargs) -> "Tensor":
        """Ones of shape ``size`` with this tensor's dtype (unless ``dtype=`` is given)."""
        from ._creation import new_ones

        return new_ones(self, *size, **kwargs)

    def new_empty(self, *size, **kwargs) -> "Tensor":
        """An uninitialised tensor of shape ``size`` with this tensor's dtype."""
        from ._creation import new_empty

        return new_empty(self, *size, **kwargs)

    def new_full(self, size, fill_value, **kwargs) -> "Tensor":
        """``fill_value`` in shape ``size`` with this tensor's dtype (unless ``dtype=`` is given)."""
        from ._creation import new_full

        return new_full(self, size, fill_value, **kwargs)

    def clone(self, *, memory_format=None) -> "Tensor":
        """A copy that stays in the graph (gradients flow back to this tensor)."""
        return _ops.clone(self)

    def contiguous(self, memory_format=None) -> "Tensor":
        """This tensor if its memory is in row-major order, else a row-major copy in the graph."""
        if self._data.flags.c_contiguous:
            return self
        out = _ops.clone(self)  # clone keeps the layout, as PyTorch's does; reorder its fresh copy
        out._data = np.ascontiguousarray(out._data)
        return out

    # -- arithmetic operators ---------------------------------------------------------------
    # __add__, __sub__, __mul__ and __truediv__ are the op functions themselves (bound at the
    # end of this file): one call less on the hottest path.
    def __radd__(self, other):
        return _ops.add(other, self)

    def __iadd__(self, other):
        return _ops.add_(self, other)

    def __rsub__(self, other):
        return _ops.sub(other, self)

    def __isub__(self, other):
        return _ops.sub_(self, other)

    def __rmul__(self, other):
        return _ops.mul(other, self)

    def __imul__(self, other):
        return _ops.mul_(self, other)

    def __rtruediv__(self, other):
        return _ops.div(other, self)

    def __itruediv__(self, other):
        return _ops.div_(self, other)

    def __floordiv__(self, other):
        return _ops.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _ops.floor_divide(other, self)

    def __ifloordiv__(self, other):
        return _ops.floor_divide_(self, other)

    def __mod__(self, other):
        return _ops.remainder(self, other)

    def __rmod__(self, other):
        return _ops.remainder(other, self)

    def __imod__(self, other):
        return _ops.remainder_(self, other)

    def __pow__(self, other):
        return _ops.pow(self, other)

    def __rpow__(self, other):
        return _ops.pow(other, self)

    def __ipow__(self, other):
        return _ops.pow_(self, other)

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    def __neg__(self):
        return _ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    def __invert__(self):
        return _ops.bitwise_not(self)

    def __and__(self, other):
        return _ops.bitwise_and(self, other)

    __rand__ = __and__

    def __or__(self, other):
        return _ops.bitwise_or(self, other)

    __ror__ = __or__

    def __xor__(self, other):
        return _ops.bitwise_xor(self, other)

    __rxor__ = __xor__

    def __iand__(self, other):
        return _ops.bitwise_and_(self, other)

    def __ior__(self, other):
        return _ops.bitwise_or_(self, other)

    def __ixor__(self, other):
        return _ops.bitwise_xor_(self, other)

    # -- comparisons ------------------------------------------------------------------------
    def __eq__(self, other):  # type: ignore[override]
        return _ops.eq(self, other)

    def __ne__(self, other):  # type: ignore[override]
        return _ops.ne(self, other)

    def __lt__(self, other):
        return _ops.lt(self, other)

    def __le__(self, other):
        return _ops.le(self, other)

    def __gt__(self, other):
        return _ops.gt(self, other)

    def __ge__(self, other):
        return _ops.ge(self, other)

    # -- indexing ---------------------------------------------------------------------------
    def __getitem__(self, index):
        return _ops.getitem(self, index)

    def __setitem__(self, index, value) -> None:
        _ops.setitem_(self, index, value)

    # -- properties that are ops ------------------------------------------------------------
    @property
    def T(self) -> "Tensor":
        """The dimensions reversed (a matrix transposed); deprecated by PyTorch for other than 2-D."""
        ndim = self._data.ndim
        if ndim != 2:
            warnings.warn(
                "Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases."
                if ndim == 0
                else "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated "
                "and it will throw an error in a future release. Consider `x.mT` to transpose batches of "
                "matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.",
                UserWarning,
                stacklevel=2,
            )
        return _ops.permute(self, tuple(range(ndim - 1, -1, -1)))

    @property
    def mT(self) -> "Tensor":
        """The last two dimensions swapped (a batch of matrices transposed)."""
        if self._data.ndim == 0:
            warnings.warn(
                "Tensor.mT is deprecated on 0-D tensors. This function is the identity in these cases.",
                UserWarning,
                stacklevel=2,
            )
            return self
        if self._data.ndim < 2:
            raise RuntimeError(
                f"tensor.mT is only supported on matrices or batches of matrices. Got {self._data.ndim}-D tensor."
            )
        return _ops.transpose(self, -2, -1)

    @property
    def H(self) -> "Tensor":
        """The conjugate transpose of a matrix (0-d tensors are returned as they are)."""
        ndim = self._data.ndim
        if ndim == 0:
            return self
        if ndim != 2:
            raise RuntimeError(
                f"tensor.H is only supported on matrices (2-D tensors). Got {ndim}-D tensor."
                + (" For batches of matrices, consider using tensor.mH" if ndim > 2 else "")
            )
        return self._conj_of(_ops.transpose(self, 0, 1))

    @property
    def mH(self) -> "Tensor":
        """The conjugate transpose of a matrix or of each matrix in a batch."""
        if self._data.ndim < 2:
            raise RuntimeError(
                f"tensor.mH is only supported on matrices or batches of matrices. Got {self._data.ndim}-D tensor."
            )
        return self._conj_of(_ops.transpose(self, -2, -1))

    @staticmethod
    def _conj_of(t: "Tensor") -> "Tensor":
        if t._data.dtype.kind != "c":
            return t
        conj = getattr(_ops, "conj", None)
        if conj is None:
            raise NotImplementedError("conjugate transpose of complex tensors needs chainrule.conj, not implemented yet")
        return conj(t)

_DEVICE_TYPES = (
    "cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia", "xla",
    "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone",
)


class device:
    """A device, as ``torch.device`` spells one (``device('cpu')``, ``device('cuda:0')``).

    Any of PyTorch's device types can be named, but chainrule computes on the CPU only:
    creating a tensor anywhere else raises.
    """

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index: int | None = None) -> None:
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, int) and not isinstance(type, bool):
            type, index = "cuda", type
        elif not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got ({type.__class__.__name__})")
        else:
            type, sep, idx = type.partition(":")
            if sep:
                if not idx.isdigit() or index is not None:
                    raise RuntimeError(f"Invalid device string: '{type}{sep}{idx}'")
                index = int(idx)
            if type not in _DEVICE_TYPES:
                raise RuntimeError(
                    f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start of device string: {type}"
                )
        if index is not None and index < 0:
            raise RuntimeError(f"Device index must not be negative, got {index}")
        self.type = type
        self.index = index

    def __repr__(self) -> str:
        return f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        # Like torch.device, equal only to another device (``x.device == "cpu"`` is False).
        if not isinstance(other, device):
            return NotImplemented
        return other.type == self.type and other.index == self.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))


_CPU = device("cpu")


def _check_device(dev) -> None:
    """Raise unless ``dev`` (a device, a string or an index) names the CPU."""
    if isinstance(dev, int) and not isinstance(dev, bool):
        raise RuntimeError("Cannot access accelerator device when none is available.")
    dev = dev if isinstance(dev, device) else device(dev)
    if dev.type == "cuda":
        # PyTorch built without CUDA raises AssertionError here; so does chainrule.
        raise AssertionError("Torch not compiled with CUDA enabled (chainrule runs on the CPU only: use device='cpu')")
    if dev.type != "cpu":
        raise RuntimeError(f"chainrule runs on the CPU only; device '{dev}' is not available. Use device='cpu'.")


def _norm_dim(dim: int, ndim: int) -> int:
    """Wrap a negative dim and raise PyTorch's IndexError when out of range."""
    lo, hi = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    if not lo <= dim <= hi:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})"
        )
    return dim % ndim if ndim else 0


# How PyTorch's messages name dtypes: C++ type names and ScalarType names.
_C_TYPE_NAMES = {
    "float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int", "int32": "int",
    "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool",
    "complex64": "c10::complex<float>", "complex128": "c10::complex<double>",
}
_SCALAR_TYPE_NAMES = _dtype._SCALAR_TYPE_NAMES

_dtype_type_names = {
    "float32": "FloatTensor",
    "float64": "DoubleTensor",
    "float16": "HalfTensor",
    "int64": "LongTensor",
    "int32": "IntTensor",
    "int16": "ShortTensor",
    "int8": "CharTensor",
    "uint8": "ByteTensor",
    "bool": "BoolTensor",
    "complex64": "ComplexFloatTensor",
    "complex128": "ComplexDoubleTensor",
}

from . import ops as _ops  # noqa: E402  (ops import Tensor; bound last to break the cycle)
from .ops import _registry as _reg  # noqa: E402
from .ops.movement import refresh_view as _refresh_view, unbind  # noqa: E402

_reg.Tensor = Tensor
_reg._refresh_view = _refresh_view


# -- methods that are ops ------------------------------------------------------------------------
# Each is the op function itself: ``x.exp()`` is ``chainrule.exp(x)``.
Tensor.add, Tensor.sub, Tensor.mul, Tensor.div = _ops.add, _ops.sub, _ops.mul, _ops.div
Tensor.subtract, Tensor.multiply, Tensor.divide, Tensor.true_divide = _ops.sub, _ops.mul, _ops.div, _ops.div
Tensor.floor_divide, Tensor.remainder, Tensor.pow = _ops.floor_divide, _ops.remainder, _ops.pow
Tensor.neg, Tensor.negative, Tensor.abs, Tensor.absolute = _ops.neg, _ops.neg, _ops.abs, _ops.abs
Tensor.exp, Tensor.log, Tensor.sqrt, Tensor.sign, Tensor.trunc = _ops.exp, _ops.log, _ops.sqrt, _ops.sign, _ops.trunc
Tensor.sin, Tensor.cos, Tensor.tanh, Tensor.sigmoid, Tensor.relu = _ops.sin, _ops.cos, _ops.tanh, _ops.sigmoid, _ops.relu
Tensor.clamp, Tensor.clip, Tensor.clamp_min, Tensor.clamp_max = _ops.clamp, _ops.clip, _ops.clamp_min, _ops.clamp_max
Tensor.eq, Tensor.ne, Tensor.lt, Tensor.le, Tensor.gt, Tensor.ge = _ops.eq, _ops.ne, _ops.lt, _ops.le, _ops.gt, _ops.ge
Tensor.isnan, Tensor.isinf, Tensor.isfinite = _ops.isnan, _ops.isinf, _ops.isfinite
Tensor.logical_not, Tensor.logical_and, Tensor.logical_or = _ops.logical_not, _ops.logical_and, _ops.logical_or
Tensor.bitwise_and, Tensor.bitwise_or, Tensor.bitwise_xor = _ops.bitwise_and, _ops.bitwise_or, _ops.bitwise_xor
Tensor.bitwise_not = _ops.bitwise_not
Tensor.sum, Tensor.mean = _ops.sum, _ops.mean
Tensor.view, Tensor.reshape, Tensor.view_as, Tensor.reshape_as = _ops.view, _ops.reshape, _ops.view_as, _ops.reshape_as
Tensor.flatten, Tensor.unsqueeze, Tensor.squeeze = _ops.flatten, _ops.unsqueeze, _ops.squeeze
Tensor.permute, Tensor.transpose, Tensor.swapaxes, Tensor.swapdims, Tensor.t = _ops.permute, _ops.transpose, _ops.swapaxes, _ops.swapdims, _ops.t
Tensor.expand, Tensor.expand_as, Tensor.broadcast_to = _ops.expand, _ops.expand_as, _ops.broadcast_to
Tensor.sum_to_size, Tensor.select, Tensor.unbind, Tensor.nonzero = _ops.sum_to_size, _ops.select, _ops.unbind, _ops.nonzero
Tensor.matmul, Tensor.mm, Tensor.mv, Tensor.dot, Tensor.bmm = _ops.matmul, _ops.mm, _ops.mv, _ops.dot, _ops.bmm

Tensor.__add__, Tensor.__sub__, Tensor.__mul__, Tensor.__truediv__ = _ops.add, _ops.sub, _ops.mul, _ops.div

# In-place forms.
Tensor.add_, Tensor.sub_, Tensor.mul_, Tensor.div_ = _ops.add_, _ops.sub_, _ops.mul_, _ops.div_
Tensor.floor_divide_, Tensor.remainder_, Tensor.pow_, Tensor.neg_ = _ops.floor_divide_, _ops.remainder_, _ops.pow_, _ops.neg_
Tensor.exp_, Tensor.log_, Tensor.sqrt_, Tensor.abs_ = _ops.exp_, _ops.log_, _ops.sqrt_, _ops.abs_
Tensor.sin_, Tensor.cos_, Tensor.tanh_, Tensor.sigmoid_, Tensor.relu_ = _ops.sin_, _ops.cos_, _ops.tanh_, _ops.sigmoid_, _ops.relu_
Tensor.clamp_, Tensor.clip_, Tensor.zero_, Tensor.fill_, Tensor.copy_ = _ops.clamp_, _ops.clip_, _ops.zero_, _ops.fill_, _ops.copy_
Tensor.bitwise_and_, Tensor.bitwise_or_, Tensor.bitwise_xor_ = _ops.bitwise_and_, _ops.bitwise_or_, _ops.bitwise_xor_


# -- reduction methods (ops/reduction.py) --------------------------------------------------------
Tensor.prod, Tensor.nansum, Tensor.nanmean = _ops.prod, _ops.nansum, _ops.nanmean
Tensor.max, Tensor.min, Tensor.amax, Tensor.amin, Tensor.aminmax = _ops.max, _ops.min, _ops.amax, _ops.amin, _ops.aminmax
Tensor.argmax, Tensor.argmin = _ops.argmax, _ops.argmin
Tensor.std, Tensor.var, Tensor.logsumexp, Tensor.norm = _ops.std, _ops.var, _ops.logsumexp, _ops.norm
Tensor.cumsum, Tensor.cumprod, Tensor.cummax, Tensor.cummin = _ops.cumsum, _ops.cumprod, _ops.cummax, _ops.cummin
Tensor.logcumsumexp, Tensor.all, Tensor.any, Tensor.count_nonzero = _ops.logcumsumexp, _ops.all, _ops.any, _ops.count_nonzero
Tensor.median, Tensor.mode, Tensor.kthvalue, Tensor.topk = _ops.median, _ops.mode, _ops.kthvalue, _ops.topk
Tensor.sort, Tensor.argsort, Tensor.unique = _ops.sort, _ops.argsort, _ops.unique
Tensor.cumsum_, Tensor.cumprod_ = _ops.reduction._cumsum_inplace, _ops.reduction._cumprod_inplace

# -- shape and movement methods (ops/movement.py) ------------------------------------------------
Tensor.unflatten, Tensor.movedim, Tensor.moveaxis = _ops.unflatten, _ops.movedim, _ops.moveaxis
Tensor.repeat, Tensor.repeat_interleave, Tensor.tile = _ops.repeat, _ops.repeat_interleave, _ops.tile
Tensor.flip, Tensor.fliplr, Tensor.flipud, Tensor.roll, Tensor.rot90 = _ops.flip, _ops.fliplr, _ops.flipud, _ops.roll, _ops.rot90
Tensor.narrow, Tensor.split, Tensor.chunk, Tensor.tensor_split = _ops.narrow, _ops.split, _ops.chunk, _ops.tensor_split
Tensor.diag, Tensor.diagonal, Tensor.diag_embed, Tensor.trace = _ops.diag, _ops.diagonal, _ops.diag_embed, _ops.trace
Tensor.tril, Tensor.triu, Tensor.tril_, Tensor.triu_ = _ops.tril, _ops.triu, _ops.tril_, _ops.triu_
Tensor.unfold, Tensor.as_strided, Tensor.contiguous = _ops.unfold, _ops.as_strided, _ops.contiguous
# The root tensor whose memory a view shares (views made with grad mode on; PyTorch tracks all).
Tensor._base = property(lambda self: self._extra.base if self._extra is not None else None)

# -- selection methods (ops/indexing.py) ---------------------------------------------------------
Tensor.gather, Tensor.take_along_dim, Tensor.index_select = _ops.gather, _ops.take_along_dim, _ops.index_select
Tensor.scatter, Tensor.scatter_add, Tensor.scatter_reduce = _ops.scatter, _ops.scatter_add, _ops.scatter_reduce
Tensor.index_add, Tensor.index_copy, Tensor.index_fill = _ops.index_add, _ops.index_copy, _ops.index_fill
Tensor.index_put, Tensor.take, Tensor.put, Tensor.argwhere = _ops.index_put, _ops.take, _ops.put, _ops.argwhere
Tensor.masked_fill, Tensor.masked_select, Tensor.masked_scatter = _ops.masked_fill, _ops.masked_select, _ops.masked_scatter
Tensor.scatter_, Tensor.scatter_add_, Tensor.scatter_reduce_ = _ops.scatter_, _ops.scatter_add_, _ops.scatter_reduce_
Tensor.index_add_, Tensor.index_copy_, Tensor.index_fill_ = _ops.index_add_, _ops.index_copy_, _ops.index_fill_
Tensor.index_put_, Tensor.put_ = _ops.index_put_, _ops.put_
Tensor.masked_fill_, Tensor.masked_scatter_ = _ops.masked_fill_, _ops.masked_scatter_

# -- linear algebra methods (ops/linalg.py) ------------------------------------------------------
Tensor.outer, Tensor.ger, Tensor.vdot, Tensor.inner, Tensor.kron = _ops.outer, _ops.ger, _ops.vdot, _ops.inner, _ops.kron
Tensor.addmm, Tensor.addmv, Tensor.addbmm, Tensor.baddbmm = _ops.addmm, _ops.addmv, _ops.addbmm, _ops.baddbmm
Tensor.addmm_, Tensor.addmv_, Tensor.addbmm_, Tensor.baddbmm_ = _ops.addmm_, _ops.addmv_, _ops.addbmm_, _ops.baddbmm_
Tensor.addr, Tensor.addr_ = _ops.addr, _ops.addr_
Tensor.cross = _ops.cross
Tensor.det, Tensor.inverse, Tensor.slogdet, Tensor.logdet = _ops.det, _ops.inverse, _ops.slogdet, _ops.logdet
Tensor.matrix_power, Tensor.matrix_exp, Tensor.pinverse = _ops.matrix_power, _ops.matrix_exp, _ops.pinverse
Tensor.svd, Tensor.qr, Tensor.cholesky = _ops.svd, _ops.qr, _ops.cholesky
Tensor.cholesky_solve, Tensor.cholesky_inverse = _ops.cholesky_solve, _ops.cholesky_inverse

# -- more elementwise methods (ops/elementwise.py) -----------------------------------------------
Tensor.reciprocal, Tensor.reciprocal_, Tensor.sgn, Tensor.sgn_ = _ops.reciprocal, _ops.reciprocal_, _ops.sgn, _ops.sgn_
Tensor.exp2, Tensor.exp2_, Tensor.expm1, Tensor.expm1_ = _ops.exp2, _ops.exp2_, _ops.expm1, _ops.expm1_
Tensor.log2, Tensor.log2_, Tensor.log10, Tensor.log10_ = _ops.log2, _ops.log2_, _ops.log10, _ops.log10_
Tensor.log1p, Tensor.log1p_, Tensor.rsqrt, Tensor.rsqrt_ = _ops.log1p, _ops.log1p_, _ops.rsqrt, _ops.rsqrt_
Tensor.square, Tensor.square_, Tensor.tan, Tensor.tan_ = _ops.square, _ops.square_, _ops.tan, _ops.tan_
Tensor.asin, Tensor.asin_, Tensor.acos, Tensor.acos_ = _ops.asin, _ops.asin_, _ops.acos, _ops.acos_
Tensor.atan, Tensor.atan_, Tensor.sinh, Tensor.sinh_ = _ops.atan, _ops.atan_, _ops.sinh, _ops.sinh_
Tensor.cosh, Tensor.cosh_, Tensor.asinh, Tensor.asinh_ = _ops.cosh, _ops.cosh_, _ops.asinh, _ops.asinh_
Tensor.acosh, Tensor.acosh_, Tensor.atanh, Tensor.atanh_ = _ops.acosh, _ops.acosh_, _ops.atanh, _ops.atanh_
Tensor.arcsin, Tensor.arcsin_, Tensor.arccos, Tensor.arccos_ = _ops.arcsin, _ops.arcsin_, _ops.arccos, _ops.arccos_
Tensor.arctan, Tensor.arctan_, Tensor.arcsinh, Tensor.arcsinh_ = _ops.arctan, _ops.arctan_, _ops.arcsinh, _ops.arcsinh_
Tensor.arccosh, Tensor.arccosh_, Tensor.arctanh, Tensor.arctanh_ = _ops.arccosh, _ops.arccosh_, _ops.arctanh, _ops.arctanh_
Tensor.logit, Tensor.logit_, Tensor.erf, Tensor.erf_ = _ops.logit, _ops.logit_, _ops.erf, _ops.erf_
Tensor.erfc, Tensor.erfc_, Tensor.erfinv, Tensor.erfinv_ = _ops.erfc, _ops.erfc_, _ops.erfinv, _ops.erfinv_
Tensor.lgamma, Tensor.lgamma_, Tensor.digamma, Tensor.digamma_ = _ops.lgamma, _ops.lgamma_, _ops.digamma, _ops.digamma_
Tensor.floor, Tensor.floor_, Tensor.ceil, Tensor.ceil_ = _ops.floor, _ops.floor_, _ops.ceil, _ops.ceil_
Tensor.round, Tensor.round_, Tensor.frac, Tensor.frac_ = _ops.round, _ops.round_, _ops.frac, _ops.frac_
Tensor.nan_to_num, Tensor.nan_to_num_ = _ops.nan_to_num, _ops.nan_to_num_
Tensor.deg2rad, Tensor.deg2rad_, Tensor.rad2deg, Tensor.rad2deg_ = _ops.deg2rad, _ops.deg2rad_, _ops.rad2deg, _ops.rad2deg_
Tensor.true_divide_, Tensor.atan2, Tensor.atan2_ = _ops.true_divide_, _ops.atan2, _ops.atan2_
Tensor.arctan2, Tensor.arctan2_, Tensor.maximum, Tensor.minimum = _ops.arctan2, _ops.arctan2_, _ops.maximum, _ops.minimum
Tensor.fmax, Tensor.fmin, Tensor.hypot, Tensor.hypot_ = _ops.fmax, _ops.fmin, _ops.hypot, _ops.hypot_
Tensor.logaddexp, Tensor.logaddexp2, Tensor.xlogy, Tensor.xlogy_ = _ops.logaddexp, _ops.logaddexp2, _ops.xlogy, _ops.xlogy_
Tensor.copysign, Tensor.copysign_, Tensor.lerp, Tensor.lerp_ = _ops.copysign, _ops.copysign_, _ops.lerp, _ops.lerp_
Tensor.addcmul, Tensor.addcmul_, Tensor.addcdiv, Tensor.addcdiv_ = _ops.addcmul, _ops.addcmul_, _ops.addcdiv, _ops.addcdiv_
Tensor.fmod, Tensor.fmod_, Tensor.float_power, Tensor.float_power_ = _ops.fmod, _ops.fmod_, _ops.float_power, _ops.float_power_
Tensor.isclose, Tensor.allclose, Tensor.equal = _ops.isclose, _ops.allclose, _ops.equal
Tensor.logical_xor, Tensor.logical_xor_ = _ops.logical_xor, _ops.logical_xor_
Tensor.bitwise_left_shift, Tensor.bitwise_left_shift_ = _ops.bitwise_left_shift, _ops.bitwise_left_shift_
Tensor.bitwise_right_shift, Tensor.bitwise_right_shift_ = _ops.bitwise_right_shift, _ops.bitwise_right_shift_
Tensor.isposinf, Tensor.isneginf, Tensor.isreal, Tensor.signbit = _ops.isposinf, _ops.isneginf, _ops.isreal, _ops.signbit
Tensor.__lshift__, Tensor.__ilshift__ = _ops.bitwise_left_shift, _ops.bitwise_left_shift_
Tensor.__rshift__, Tensor.__irshift__ = _ops.bitwise_right_shift, _ops.bitwise_right_shift_
Tensor.__rlshift__ = lambda self, other: _ops.bitwise_left_shift(other, self)
Tensor.__rrshift__ = lambda self, other: _ops.bitwise_right_shift(other, self)


def _polygamma_method(self, n):
    """``x.polygamma(n)`` is ``chainrule.polygamma(n, x)``."""
    return _ops.polygamma(n, self)


Tensor.polygamma, Tensor.polygamma_ = _polygamma_method, _ops.polygamma_


# -- nn.functional methods (nn/_activation.py) ----------------------------------------------------
from .nn import functional as _F  # noqa: E402

Tensor.softmax, Tensor.log_softmax = _F.softmax, _F.log_softmax


def _where_method(self, condition, other):
    """``x.where(condition, y)`` is ``chainrule.where(condition, x, y)``."""
    return _ops.where(condition, self, other)


Tensor.where = _where_method


# -- random sampling methods (_random.py) ---------------------------------------------------------
from . import _random  # noqa: E402

Tensor.multinomial, Tensor.bernoulli, Tensor.bernoulli_ = _random.multinomial, _random._bernoulli_method, _random.bernoulli_
Tensor.uniform_, Tensor.normal_, Tensor.random_ = _random.uniform_, _random.normal_, _random.random_
Tensor.exponential_, Tensor.geometric_ = _random.exponential_, _random.geometric_
Tensor.cauchy_, Tensor.log_normal_ = _random.cauchy_, _random.log_normal_


# -- more methods PyTorch programs use (ops added with searchsorted, quantile, sinc...) -------------
Tensor.ravel, Tensor.hsplit, Tensor.vsplit, Tensor.dsplit = _ops.ravel, _ops.hsplit, _ops.vsplit, _ops.dsplit
Tensor.narrow_copy, Tensor.diff, Tensor.msort = _ops.narrow_copy, _ops.diff, _ops.msort
Tensor.dist, Tensor.histc, Tensor.bincount, Tensor.renorm = _ops.dist, _ops.histc, _ops.bincount, _ops.renorm
Tensor.quantile, Tensor.nanquantile, Tensor.nanmedian = _ops.quantile, _ops.nanquantile, _ops.nanmedian
Tensor.unique_consecutive = _ops.unique_consecutive
Tensor.sinc, Tensor.sinc_, Tensor.fix, Tensor.fix_ = _ops.sinc, _ops.sinc_, _ops.fix, _ops.fix_
Tensor.gcd, Tensor.gcd_, Tensor.lcm, Tensor.lcm_ = _ops.gcd, _ops.gcd_, _ops.lcm, _ops.lcm_
Tensor.heaviside, Tensor.nextafter, Tensor.nextafter_ = _ops.heaviside, _ops.nextafter, _ops.nextafter_
Tensor.ldexp, Tensor.ldexp_, Tensor.frexp = _ops.ldexp, _ops.ldexp_, _ops.frexp
Tensor.mvlgamma, Tensor.mvlgamma_, Tensor.hardshrink = _ops.mvlgamma, _ops.mvlgamma_, _ops.hardshrink
Tensor.i0, Tensor.i0_, Tensor.angle = _ops.i0, _ops.i0_, _ops.angle
Tensor.conj, Tensor.conj_physical, Tensor.resolve_conj = _ops.conj, _ops.conj_physical, _ops.resolve_conj
Tensor.resolve_neg, Tensor.is_conj, Tensor.is_neg = _ops.resolve_neg, _ops.is_conj, _ops.is_neg
Tensor.greater, Tensor.greater_equal, Tensor.less = _ops.greater, _ops.greater_equal, _ops.less
Tensor.less_equal, Tensor.not_equal = _ops.less_equal, _ops.not_equal
Tensor.cov, Tensor.corrcoef, Tensor.diagflat, Tensor.histogram = _ops.cov, _ops.corrcoef, _ops.diagflat, _ops.histogram
Tensor.renorm_, Tensor.heaviside_ = _ops.renorm_, _ops.heaviside_
Tensor.greater_, Tensor.greater_equal_, Tensor.less_ = _ops.greater_, _ops.greater_equal_, _ops.less_
Tensor.less_equal_, Tensor.not_equal_ = _ops.less_equal_, _ops.not_equal_
Tensor.real = property(_ops.real, doc="The real part (the tensor itself for a real tensor).")
Tensor.imag = property(_ops.imag, doc="The imaginary part of a complex tensor (real tensors raise).")




def _fill_diagonal_(self, fill_value, wrap: bool = False):
    """Write ``fill_value`` on the main diagonal of ``self`` (all dims of equal length, or a
    matrix; ``wrap``: a tall matrix's diagonal starts again below the square part)."""
    from .ops._common import apply_inplace

    d = self._data
    if d.ndim < 2:
        raise RuntimeError("dimensions must larger than 1")
    if d.ndim > 2 and len(set(d.shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    mask = np.zeros(d.shape, dtype=bool)
    np.fill_diagonal(mask, True, wrap=wrap)
    cond = Tensor._make(mask)
    return apply_inplace(self, "fill_diagonal_", lambda s: _ops.where(cond, fill_value, s).to(s.dtype), (fill_value,))


def _apply_(self, callable):
    """Run the Python function ``callable`` on every element, writing the results into ``self``
    (tensors that require grad cannot)."""
    if self.requires_grad:
        raise RuntimeError("Can't call apply_() on Variable that requires grad. Use var.detach().apply_() instead.")
    d = self._data
    out = np.array([callable(v) for v in d.reshape(-1).tolist()], dtype=object).reshape(d.shape)
    d[...] = out.astype(d.dtype) if d.size else d
    return self


Tensor.fill_diagonal_, Tensor.apply_ = _fill_diagonal_, _apply_


# -- in-place shape changes: the tensor becomes the view the out-of-place op makes ------------------


def _become(self, new: "Tensor") -> "Tensor":
    """Make ``self`` the view ``new`` of its own memory: its array, node and view record (hooks
    and retain_grad stay). Its version goes up, as PyTorch counts any in-place op."""
    self._data = new._data
    self._vc[0] += 1
    if new._grad_fn is not None or self._grad_fn is not None:
        self._grad_fn, self._requires_grad = new._grad_fn, new._requires_grad
        if new._output_nr != self._output_nr:
            self._output_nr = new._output_nr
    from .autograd import forward_ad

    if forward_ad._level is not None:  # a dual tensor's tangent changes shape with it
        tangent = forward_ad.get_tangent(new)
        if tangent is not None:
            forward_ad.set_tangent(self, tangent)
    mine = self._extra
    if mine is not None and mine.base is not None and new._extra is not None:
        mine.view_fn, mine.base_fn = new._extra.view_fn, new._extra.base_fn
    return self


def _shape_inplace(op, name: str, doc: str):
    def inplace(self, *args):
        from .ops._common import check_inplace

        check_inplace(self)
        return _become(self, op(self, *args))

    inplace.__name__ = inplace.__qualname__ = name
    inplace.__doc__ = doc
    return inplace


Tensor.unsqueeze_ = _shape_inplace(_ops.unsqueeze, "unsqueeze_", "In-place ``unsqueeze``: ``self`` gets a new size-1 dim.")
Tensor.squeeze_ = _shape_inplace(_ops.squeeze, "squeeze_", "In-place ``squeeze``: ``self`` loses size-1 dims.")
Tensor.t_ = _shape_inplace(_ops.t, "t_", "In-place ``t``: ``self`` becomes its transpose.")
Tensor.transpose_ = _shape_inplace(_ops.transpose, "transpose_", "In-place ``transpose`` of two dims.")
Tensor.swapdims_ = Tensor.swapaxes_ = _shape_inplace(_ops.transpose, "swapdims_", "In-place ``swapdims``.")
