"""Random sampling: ``randperm``, ``multinomial``, ``bernoulli``, ``poisson`` and the in-place
fills of a tensor (``uniform_``, ``normal_``, ``random_``, ``exponential_`` ...).

The numbers come from the same NumPy generators as ``rand`` (see ``_creation.py``): reproducible
under ``manual_seed``, but not PyTorch's numbers. Their distributions, argument checks, result
dtypes and autograd behaviour follow PyTorch.
"""

from __future__ import annotations

import warnings

import numpy as np

from . import _dtype
from ._creation import (
    _C_TYPE_NAMES,
    _finish,
    _int_arg,
    _no_extra,
    _not_implemented,
    _random_ints,
    _rng,
    _standard_normal,
    _uniform,
    _zero_grad,
)
from ._tensor import Tensor
from .ops._common import apply_inplace
from .ops._registry import Primitive, defvjp

__all__ = ["randperm", "multinomial", "bernoulli", "poisson"]


# -- argument parsing ------------------------------------------------------------------------------


def _float_arg(x, fn: str, name: str, pos: int) -> float:
    """A ``float`` argument as PyTorch's argument parser reads it (numbers, or a 0-d tensor
    that does not require grad)."""
    if isinstance(x, (bool, int, float, np.integer, np.floating, np.bool_)):
        return float(x)
    if isinstance(x, Tensor) and x._data.ndim == 0 and not x.requires_grad and x._data.dtype.kind != "c":
        return float(x._data)
    raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be float, not {type(x).__name__}")


def _bind(fn: str, args: tuple, kwargs: dict, names: tuple, defaults: tuple) -> list:
    """Positional and keyword arguments bound to ``names`` (PyTorch's ``from`` is a keyword
    Python cannot spell as a parameter, hence this instead of a signature)."""
    if len(args) > len(names):
        raise TypeError(f"{fn}() takes from 0 to {len(names)} positional arguments but {len(args)} were given")
    bound = list(args) + list(defaults[len(args) :])
    for k, v in kwargs.items():
        if k not in names:
            raise TypeError(f"{fn}() got an unexpected keyword argument '{k}'")
        i = names.index(k)
        if i < len(args):
            raise TypeError(f"{fn}() got multiple values for argument '{k}'")
        bound[i] = v
    return bound


def _tensor_input(x, fn: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")
    return x


def _float_only(t: Tensor, kernel: str) -> None:
    if t.dtype.category != _dtype.FLOAT:
        raise _not_implemented(kernel, t.dtype)


# C++ type names, which some of PyTorch's messages print instead of Float / Long.
_CPP_TYPE_NAMES = {
    **_C_TYPE_NAMES,
    "float16": "c10::Half",
    "float32": "float",
    "float64": "double",
    "complex64": "c10::complex<float>",
    "complex128": "c10::complex<double>",
}


def _digits(d: _dtype.dtype) -> int:
    """Bits of a float dtype's significand: integers up to ``2**digits`` are exact."""
    return np.finfo(d.np).nmant + 1


# -- randperm ----------------------------------------------------------------------------------------


def randperm(
    n, *, generator=None, out=None, dtype=None, device=None, requires_grad: bool = False, **kwargs
) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64 unless ``dtype`` says otherwise).

    >>> sorted(chainrule.randperm(4).tolist())
    [0, 1, 2, 3]
    """
    n = _int_arg(n, "randperm", "n", 1)
    _no_extra(kwargs, "randperm", out)
    if dtype is not None and not isinstance(dtype, _dtype.dtype):
        raise TypeError(f"randperm(): argument 'dtype' must be torch.dtype, not {type(dtype).__name__}")
    dt = dtype or _dtype.int64
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    if dt.category in (_dtype.BOOL, _dtype.COMPLEX):
        raise _not_implemented("randperm", dt)
    if dt.category == _dtype.FLOAT:
        digits = _digits(dt)
        if n > 2**digits + 1:
            limit = "2049" if dt is _dtype.float16 else f"2^{digits}+1"
            raise RuntimeError(f"n cannot be greater than {limit} for {_dtype.scalar_type_name(dt)} type.")
    elif n > 0 and n - 1 > np.iinfo(dt.np).max:
        raise RuntimeError(f"value cannot be converted to type {dt.name}_t without overflow")
    return _finish(_rng(generator).permutation(n).astype(dt.np), requires_grad, device)


# -- multinomial ---------------------------------------------------------------------------------


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator=None, out=None) -> Tensor:
    """Indices drawn from the categories weighted by each row of ``input`` (1-D or 2-D;
    weights need not sum to one). Without ``replacement`` a row's indices are distinct.

    >>> chainrule.multinomial(chainrule.tensor([0.0, 1.0]), 1)
    tensor([1])
    """
    input = _tensor_input(input, "multinomial")
    n = _int_arg(num_samples, "multinomial", "num_samples", 2)
    if not isinstance(replacement, (bool, np.bool_)):
        raise TypeError(
            f"multinomial(): argument 'replacement' (position 3) must be bool, not {type(replacement).__name__}"
        )
    _no_extra({}, "multinomial", out)
    if input._data.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if input.dtype.category != _dtype.FLOAT:
        raise RuntimeError(
            f"multinomial only supports floating-point dtypes for input, got: {_dtype.scalar_type_name(input.dtype)}"
        )
    if n <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    rows = input._data.reshape(1 if input._data.ndim == 1 else input._data.shape[0], input._data.shape[-1])
    rows = rows.astype(np.float64)
    n_cat = rows.shape[1]
    if not replacement and n > n_cat:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if n_cat > 2**24:
        raise RuntimeError("number of categories cannot exceed 2^24")
    g = _rng(generator)
    shape = input._data.shape[:-1] + (n,)
    if rows.shape[0] == 0:
        return Tensor._make(np.zeros(shape, np.int64))
    if n_cat == 0:  # PyTorch's check of the weights fails first here
        raise RuntimeError(
            "aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity."
        )
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if (rows.sum(axis=1) <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if replacement:
        cdf = np.cumsum(rows, axis=1)
        cdf /= cdf[:, -1:]  # the last entry becomes exactly 1, so every draw lands in a category
        u = g.random((rows.shape[0], n))
        # side="right": a category of weight zero has an empty interval and is never drawn.
        picks = np.stack([np.searchsorted(c, r, side="right") for c, r in zip(cdf, u, strict=True)])
    else:
        # Note [Sampling without replacement]
        # Each category races an exponential clock of rate w_i; taking the first n to ring is the
        # same as drawing n times in turn, removing each pick. Weight zero never rings (inf), so
        # those come last, only when n exceeds the number of positive weights, as in PyTorch.
        with np.errstate(divide="ignore"):
            clocks = g.exponential(size=rows.shape) / rows
        if n < n_cat:  # only the first n to ring need sorting
            first = np.argpartition(clocks, n - 1, axis=1)[:, :n]
            order = np.argsort(np.take_along_axis(clocks, first, axis=1), axis=1, kind="stable")
            picks = np.take_along_axis(first, order, axis=1)
        else:
            picks = np.argsort(clocks, axis=1, kind="stable")
    return Tensor._make(picks.astype(np.int64).reshape(shape))


# -- bernoulli and poisson -------------------------------------------------------------------------


def _identity_kernel(*inputs, values):
    return values


def _draw_prim(node_name: str, n_inputs: int = 1) -> Primitive:
    """A random draw as a primitive: its gradient is zero, as in PyTorch (a sample, not a
    reparameterisation; see Note [normal's gradient] in _creation.py). Kept out of PRIMITIVES."""
    prim = Primitive(node_name, _identity_kernel, save_inputs=False, save_result=False)
    defvjp(prim, *([_zero_grad] * n_inputs))
    return prim


def _not_differentiable(grad, result, *inputs, **params):
    raise RuntimeError("derivative for aten::bernoulli is not implemented")


_BERNOULLI = _draw_prim("BernoulliBackward0")
_BERNOULLI_P = Primitive("NotImplemented", _identity_kernel, save_inputs=False, save_result=False)
defvjp(_BERNOULLI_P, _not_differentiable)
_POISSON = _draw_prim("PoissonBackward0")


def _check_p(p: float) -> None:
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p:g}")


def _check_p_tensor(p: np.ndarray) -> None:
    if p.size and not ((p >= 0) & (p <= 1)).all():
        raise RuntimeError(
            "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message be "
            "improved?  If so, please report an enhancement request to PyTorch.)"
        )


def _coin_flips(g: np.random.Generator, p, shape: tuple, np_dtype) -> np.ndarray:
    return (g.random(shape) < p).astype(np_dtype)


def bernoulli(input: Tensor, p=None, *, generator=None, out=None) -> Tensor:
    """0 or 1 drawn with probability ``input`` (or the number ``p``), in ``input``'s dtype.

    >>> chainrule.bernoulli(chainrule.tensor([0.0, 1.0]))
    tensor([0., 1.])
    """
    input = _tensor_input(input, "bernoulli")
    _no_extra({}, "bernoulli", out)
    d = input._data
    if p is None:
        if input.dtype.category == _dtype.COMPLEX:
            raise _not_implemented("bernoulli_tensor_cpu_self_", input.dtype)
        _float_only(input, "bernoulli_tensor_cpu_p_")
        _check_p_tensor(d)
        return _BERNOULLI(input, values=_coin_flips(_rng(generator), d, d.shape, d.dtype))
    p = _float_arg(p, "bernoulli", "p", 2)
    _check_p(p)
    if input.dtype.category == _dtype.COMPLEX:
        raise _not_implemented("bernoulli_scalar_cpu_", input.dtype)
    return _BERNOULLI_P(input, values=_coin_flips(_rng(generator), p, d.shape, d.dtype))


def _bernoulli_method(self: Tensor, *args, generator=None, **kwargs) -> Tensor:
    """``x.bernoulli()`` draws with probabilities ``x``; ``x.bernoulli(p)`` with the number ``p``."""
    if len(args) > 1:
        raise TypeError(f"bernoulli() takes 1 positional argument but {len(args) + 1} were given")
    (p,) = _bind("bernoulli", args, kwargs, ("p",), (None,))
    return bernoulli(self, p, generator=generator)


# The largest rate NumPy's Poisson sampler takes; PyTorch's own sampler overflows above it.
_POISSON_MAX_RATE = float(np.iinfo(np.int64).max - 10 * np.sqrt(np.iinfo(np.int64).max))


def poisson(input: Tensor, generator=None) -> Tensor:
    """Counts drawn from Poisson distributions with the rates ``input``, in its dtype.

    >>> chainrule.poisson(chainrule.zeros(2))
    tensor([0., 0.])
    """
    input = _tensor_input(input, "poisson")
    _float_only(input, "poisson_cpu")
    rates = input._data.astype(np.float64)
    if rates.size and not (rates >= 0).all():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    g = _rng(generator)
    too_big = rates > _POISSON_MAX_RATE
    counts = np.asarray(g.poisson(np.where(too_big, 0.0, rates)), dtype=np.float64)
    counts[too_big] = float(np.iinfo(np.int64).min)  # what PyTorch's int64 count wraps to
    return _POISSON(input, values=counts.astype(input._data.dtype))


# -- in-place fills ----------------------------------------------------------------------------------
# Each draws its numbers (after PyTorch's checks) and writes them through apply_inplace, so the
# version counter, the leaf and view rules and the grad_fn (a zero gradient, as in PyTorch) are
# those of every other in-place op.


def _fill_with(self: Tensor, op_name: str, prim: Primitive, draw, others: tuple = ()) -> Tensor:
    """Write ``draw()`` into ``self`` in place; ``draw`` runs after the in-place checks."""
    return apply_inplace(self, op_name, lambda s: prim(s, *others, values=draw()), others)


_UNIFORM = _draw_prim("UniformBackward0")
_NORMAL = _draw_prim("NormalBackward0")
_BERNOULLI_SCALAR_ = _draw_prim("BernoulliBackward2")
_BERNOULLI_TENSOR_ = _draw_prim("BernoulliBackward1", 2)
# PyTorch names the node by overload: random_(from, to) 0, random_(to) 1, random_() 2.
_RANDOM_FROM_TO, _RANDOM_TO, _RANDOM = (_draw_prim(f"RandomBackward{i}") for i in range(3))
_EXPONENTIAL = _draw_prim("ExponentialBackward0")
_GEOMETRIC = _draw_prim("GeometricBackward0")
_CAUCHY = _draw_prim("CauchyBackward0")
_LOG_NORMAL = _draw_prim("LogNormalBackward0")


def _check_float_bounds(value: float, what: str, d: _dtype.dtype) -> None:
    real = d.to_real() if d.category == _dtype.COMPLEX else d
    info = np.finfo(real.np)
    if not float(info.min) <= value <= float(info.max):
        raise RuntimeError(f"{what} is out of bounds for {_CPP_TYPE_NAMES[real.name]}")


def uniform_(self: Tensor, *args, generator=None, **kwargs) -> Tensor:
    """Fill in place with numbers drawn uniformly from ``[from, to)`` (default ``[0, 1)``)."""
    lo, hi = _bind("uniform_", args, kwargs, ("from", "to"), (0.0, 1.0))
    lo, hi = _float_arg(lo, "uniform_", "from", 1), _float_arg(hi, "uniform_", "to", 2)
    d = self.dtype

    def draw():
        if d.category < _dtype.FLOAT:
            raise _not_implemented("check_uniform_bounds", d)
        _check_float_bounds(lo, "from", d)
        _check_float_bounds(hi, "to", d)
        if lo > hi:
            raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={lo:g} > to={hi:g}")
        real = d.to_real() if d.category == _dtype.COMPLEX else d
        if hi - lo > float(np.finfo(real.np).max):
            name = _dtype.scalar_type_name(real)
            raise RuntimeError(
                f"uniform_ expects to-from <= std::numeric_limits<{name}>::max(), but found to={hi:g} and "
                f"from={lo:g} which result in to-from to exceed the limit"
            )
        u = _uniform(_rng(generator), self._data.shape, d)
        if d.category == _dtype.COMPLEX:  # real and imaginary parts each uniform on [from, to)
            return (lo * (1 + 1j) + (hi - lo) * u).astype(d.np)
        return (lo + (hi - lo) * u.astype(np.float64)).astype(d.np)

    return _fill_with(self, "uniform_", _UNIFORM, draw)


def normal_(self: Tensor, mean=0.0, std=1.0, *, generator=None) -> Tensor:
    """Fill in place with numbers drawn from N(mean, std**2).

    Complex tensors get ``mean`` in both parts and a total variance ``std**2``, as in PyTorch.
    """
    mean, std = _float_arg(mean, "normal_", "mean", 1), _float_arg(std, "normal_", "std", 2)

    def draw():
        if not std >= 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
        z = _standard_normal(_rng(generator), self._data.shape, self.dtype)
        if self.dtype.category == _dtype.COMPLEX:
            return (mean * (1 + 1j) + std * z).astype(self._data.dtype)
        return (mean + std * z.astype(np.float64)).astype(self._data.dtype)

    return _fill_with(self, "normal_", _NORMAL, draw)


def bernoulli_(self: Tensor, p=0.5, *, generator=None) -> Tensor:
    """Fill in place with 0 or 1, each 1 with probability ``p`` (a number, or a tensor
    broadcast to ``self``'s shape)."""
    d = self.dtype
    if isinstance(p, Tensor):  # a tensor p, even 0-d, takes PyTorch's tensor overload
        p_data = p._data

        def draw():
            if d.category == _dtype.COMPLEX:
                raise _not_implemented("bernoulli_tensor_cpu_self_", d)
            _float_only(p, "bernoulli_tensor_cpu_p_")
            _check_expandable(p_data.shape, self._data.shape, p.dtype)
            _check_p_tensor(p_data)
            return _coin_flips(_rng(generator), p_data, self._data.shape, self._data.dtype)

        return _fill_with(self, "bernoulli_", _BERNOULLI_TENSOR_, draw, (p,))
    p = _float_arg(p, "bernoulli_", "p", 1)

    def draw():
        _check_p(p)
        if d.category == _dtype.COMPLEX:
            raise _not_implemented("bernoulli_scalar_cpu_", d)
        return _coin_flips(_rng(generator), p, self._data.shape, self._data.dtype)

    return _fill_with(self, "bernoulli_", _BERNOULLI_SCALAR_, draw)


def _check_expandable(src: tuple, target: tuple, dtype: _dtype.dtype) -> None:
    if len(src) > len(target):
        raise RuntimeError(
            f"expand(torch.{_dtype.scalar_type_name(dtype)}Tensor{{{list(src)}}}, size={list(target)}): the number "
            f"of sizes provided ({len(target)}) must be greater or equal to the number of dimensions in the "
            f"tensor ({len(src)})"
        )
    try:
        np.broadcast_to(np.empty(src, np.bool_), target)
    except ValueError:
        from .ops.movement import expand_error

        raise expand_error(src, target) from None


def random_(self: Tensor, *args, generator=None, **kwargs) -> Tensor:
    """Fill in place with integers drawn uniformly: ``random_(from, to)`` from ``[from, to)``,
    ``random_(to)`` from ``[0, to)``, ``random_()`` from every integer the dtype holds exactly
    (``[0, 2**24]`` for float32)."""
    lo, hi = _bind("random_", args, kwargs, ("from", "to"), (None, None))
    if len(args) == 1 and "to" not in kwargs:
        lo, hi = None, lo  # random_(to)
    given_from = lo is not None or "from" in kwargs
    lo = 0 if lo is None else _int_arg(lo, "random_", "from", 1)
    if hi is not None:
        hi = _int_arg(hi, "random_", "to", 2 if given_from else 1)
    if not all(-(2**63) <= v < 2**63 for v in (lo, hi) if v is not None):
        raise ValueError("Overflow when unpacking long long")
    d = self.dtype

    def draw():
        g = _rng(generator)
        if hi is not None:
            if d.category == _dtype.FLOAT:
                _check_float_random_bounds(lo, hi, d)
            return _random_ints(g, lo, hi, self._data.shape, d)
        # No `to`: up to the largest integer the dtype holds exactly, inclusive.
        if d.category == _dtype.COMPLEX:
            if not given_from:
                raise _not_implemented("random_kernel_cpu", d)
            raise RuntimeError("random_from_to_impl handles only integral, floating-point and boolean types")
        if d.category == _dtype.FLOAT:
            top = 2 ** _digits(d)
            _check_float_random_bounds(lo, top + 1, d)
        else:
            top = 1 if d is _dtype.bool_ else int(np.iinfo(d.np).max)
            if not (0 if d is _dtype.bool_ else np.iinfo(d.np).min) <= lo <= top:
                raise RuntimeError(f"from is out of bounds for {_CPP_TYPE_NAMES[d.name]}")
        return g.integers(lo, top, self._data.shape, dtype=np.int64, endpoint=True).astype(d.np)

    prim = _RANDOM_FROM_TO if given_from else _RANDOM if hi is None else _RANDOM_TO
    return _fill_with(self, "random_", prim, draw)


def _check_float_random_bounds(lo: int, hi: int, d: _dtype.dtype) -> None:
    name = _CPP_TYPE_NAMES[d.name]
    if lo >= hi:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={lo} >= to={hi}")
    _check_float_bounds(lo, "from", d)
    _check_float_bounds(hi - 1, "to - 1", d)
    digits = _digits(d)
    for value, what in ((lo, "from"), (hi - 1, "to - 1")):
        if not -(2**digits) <= value <= 2**digits:
            warnings.warn(
                f"{what} is out of bounds [-(2^{digits}), 2^{digits}]. Due to precision limitations {name} can "
                "support discrete uniform distribution only within this range. This warning will become an "
                "error in version 1.7 release, please fix the code in advance",
                UserWarning,
                stacklevel=4,
            )


def _continuous_only(d: _dtype.dtype, name: str, type_name: str) -> None:
    if d.category != _dtype.FLOAT:
        raise RuntimeError(
            f"{name} distribution is a continuous probability distribution. dtype must be a floating point "
            f"but you specified {type_name}"
        )


def exponential_(self: Tensor, lambd=1.0, *, generator=None) -> Tensor:
    """Fill in place with numbers drawn from the exponential distribution of rate ``lambd``."""
    lambd = _float_arg(lambd, "exponential_", "lambd", 1)
    d = self.dtype

    def draw():
        if not lambd > 0:
            raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
        _continuous_only(d, "Exponential", _dtype.scalar_type_name(d))
        return (_rng(generator).exponential(size=self._data.shape) / lambd).astype(d.np)

    return _fill_with(self, "exponential_", _EXPONENTIAL, draw)


def geometric_(self: Tensor, p, *, generator=None) -> Tensor:
    """Fill in place with the number of trials up to the first success, each succeeding
    with probability ``p`` (values 1, 2, ...)."""
    p = _float_arg(p, "geometric_", "p", 1)
    d = self.dtype

    def draw():
        if not 0 < p < 1:
            raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p:g}")
        if d.category in (_dtype.BOOL, _dtype.COMPLEX):
            raise _not_implemented("geometric_cpu", d)
        return _rng(generator).geometric(p, self._data.shape).astype(d.np)

    return _fill_with(self, "geometric_", _GEOMETRIC, draw)


def cauchy_(self: Tensor, median=0.0, sigma=1.0, *, generator=None) -> Tensor:
    """Fill in place with numbers drawn from the Cauchy distribution at ``median`` with scale ``sigma``."""
    median, sigma = _float_arg(median, "cauchy_", "median", 1), _float_arg(sigma, "cauchy_", "sigma", 2)
    d = self.dtype

    def draw():
        if not sigma > 0:
            raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma:g}")
        _continuous_only(d, "Cauchy", _CPP_TYPE_NAMES[d.name])
        return (median + sigma * _rng(generator).standard_cauchy(self._data.shape)).astype(d.np)

    return _fill_with(self, "cauchy_", _CAUCHY, draw)


def log_normal_(self: Tensor, mean=1.0, std=2.0, *, generator=None) -> Tensor:
    """Fill in place with ``exp(N(mean, std**2))`` draws."""
    mean, std = _float_arg(mean, "log_normal_", "mean", 1), _float_arg(std, "log_normal_", "std", 2)
    d = self.dtype

    def draw():
        if not std > 0:
            raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std:g}")
        _float_only(self, "log_normal_cpu")
        with np.errstate(over="ignore"):
            return np.exp(mean + std * _rng(generator).standard_normal(self._data.shape)).astype(d.np)

    return _fill_with(self, "log_normal_", _LOG_NORMAL, draw)


