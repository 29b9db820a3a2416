"""Parametrizations: a module's tensor computed on access from other tensors, as ``torch.nn.utils.parametrize``.

Registering ``P`` on ``module.weight`` moves the weight into ``module.parametrizations.weight``
(a :class:`ParametrizationList`, holding ``original`` or ``original0, original1, ...``) and swaps the
module's class for a subclass named ``Parametrized<Class>`` whose ``weight`` property evaluates
``P(original)`` at every access (once per :func:`cached` block). Gradients reach the originals.
"""

from __future__ import annotations

import collections.abc
import contextlib
import copy

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from ..modules.container import ModuleDict, ModuleList
from ..modules.module import Module
from ..parameter import Parameter

__all__ = ["ParametrizationList", "cached", "is_parametrized", "register_parametrization", "remove_parametrizations",
           "type_before_parametrizations"]

# Note [Parametrization cache]: inside ``cached()`` blocks, the value of each parametrized tensor is
# computed once and kept here under (id(module), name); leaving the outermost block empties it.
_cache_enabled = 0
_cache: dict = {}


@contextlib.contextmanager
def cached():
    """Within this block, every parametrized tensor is computed at its first access and then reused.

    Example::

        >>> with parametrize.cached():
        ...     for x in inputs:
        ...         y = model(x)  # the weight's parametrization runs once, not once per input
    """
    global _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache.clear()


def _register_parameter_or_buffer(module: Module, name: str, value: Tensor) -> None:
    if isinstance(value, Parameter):
        module.register_parameter(name, value)
    else:
        module.register_buffer(name, value)


def _set_in_place(dest: Tensor, value: Tensor) -> None:
    """Make ``dest`` hold ``value``'s data, keeping the object (an optimiser may already hold it)."""
    with no_grad():
        if tuple(dest.shape) == tuple(value.shape):
            dest.copy_(value)
        else:
            dest._data = value._data.copy()


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, and the original tensor(s) they start from.

    The originals are ``original`` when the ``right_inverse`` chain returns one tensor, else
    ``original0, original1, ...``. Calling the list evaluates the parametrized tensor."""

    def __init__(self, modules, original: Tensor, unsafe: bool = False) -> None:
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        before = (original.dtype, original.shape)
        with no_grad():
            new = original
            for module in reversed(self):
                if hasattr(module, "right_inverse"):
                    try:
                        new = module.right_inverse(new)
                    except NotImplementedError:
                        pass  # a right_inverse that is not implemented counts as the identity
        if not isinstance(new, (Tensor, collections.abc.Sequence)):
            raise ValueError("'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). "
                             f"Got {type(new).__name__}")
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            if original.dtype != new.dtype:
                raise ValueError("When `right_inverse` outputs one tensor, it may not change the dtype.\n"
                                 f"original.dtype: {original.dtype}\nright_inverse(original).dtype: {new.dtype}")
            if new is not original:
                _set_in_place(original, new)
            _register_parameter_or_buffer(self, "original", original)
        else:
            for i, piece in enumerate(new):
                if not isinstance(piece, Tensor):
                    raise ValueError("'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). "
                                     f"Got element {i} of the sequence with type {type(piece).__name__}.")
                if isinstance(original, Parameter):
                    piece = Parameter(piece, original.requires_grad)
                piece.requires_grad_(original.requires_grad)
                _register_parameter_or_buffer(self, f"original{i}", piece)
        if not self.unsafe:
            z = self()
            if not isinstance(z, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got {type(z).__name__}.")
            _same_dtype_and_shape((z.dtype, z.shape), before, "Registering a parametrization may not change the {what} of the "
                                  "tensor, unless `unsafe` flag is enabled.\nunparametrized {what}: {b}\n"
                                  "parametrized {what}: {a}")

    def right_inverse(self, value: Tensor) -> None:
        """Store into the originals the tensors that the parametrizations map to ``value``
        (each parametrization's ``right_inverse``, last registered first)."""
        with no_grad():
            for module in reversed(self):
                if not hasattr(module, "right_inverse"):
                    raise RuntimeError(f"parametrization {type(module).__name__} does not implement right_inverse.")
                value = module.right_inverse(value)
            if self.is_tensor:
                if not isinstance(value, Tensor):
                    raise ValueError(f"`right_inverse` should return a tensor. Got {type(value).__name__}")
                if value.dtype != self.original.dtype:
                    raise ValueError(f"The tensor returned by `right_inverse` has dtype {value.dtype} "
                                     f"while `original` has dtype {self.original.dtype}")
                _set_in_place(self.original, value)
                return
            if not isinstance(value, collections.abc.Sequence):
                raise ValueError(f"'right_inverse' must return a sequence of tensors. Got {type(value).__name__}.")
            if len(value) != self.ntensors:
                raise ValueError(f"'right_inverse' must return a sequence of tensors of length {self.ntensors}. "
                                 f"Got a sequence of length {len(value)}.")
            for i, piece in enumerate(value):
                original_i = getattr(self, f"original{i}")
                if not isinstance(piece, Tensor):
                    raise ValueError("'right_inverse' must return a sequence of tensors or reference-type opaques. "
                                     f"Got element {i} of type {type(piece).__name__}.")
                if original_i.dtype != piece.dtype:
                    raise ValueError(f"Tensor {i} returned by `right_inverse` has dtype {piece.dtype} "
                                     f"while `original{i}` has dtype {original_i.dtype}")
                _set_in_place(original_i, piece)

    def forward(self) -> Tensor:
        """The parametrized tensor: the first parametrization on the originals, then the rest in order."""
        if self.is_tensor:
            x = self[0](self.original)
        else:
            x = self[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for module in list(self)[1:]:
            x = module(x)
        return x


def _forbid_pickling(self):
    raise RuntimeError(
        "Serialization of parametrized modules is only supported through state_dict(). See:\n"
        "https://pytorch.org/tutorials/beginner/saving_loading_models.html"
        "#saving-loading-a-general-checkpoint-for-inference-and-or-resuming-training"
    )


def _deepcopy_parametrized(self, memo):
    replica = self.__new__(self.__class__)
    memo[id(self)] = replica
    replica.__dict__ = copy.deepcopy(self.__dict__, memo)
    return replica


def _inject_new_class(module: Module) -> None:
    """Give ``module`` a class of its own, ``Parametrized<Class>``, to hang the properties on."""
    cls = module.__class__
    namespace = {"__getstate__": _forbid_pickling}
    if not hasattr(cls, "__deepcopy__"):
        namespace["__deepcopy__"] = _deepcopy_parametrized
    module.__class__ = type(f"Parametrized{cls.__name__}", (cls,), namespace)


def _inject_property(module: Module, tensor_name: str) -> None:
    def get_parametrized(self) -> Tensor:
        parametrization = self.parametrizations[tensor_name]
        if not _cache_enabled:
            return parametrization()
        key = (id(self), tensor_name)
        tensor = _cache.get(key)
        if tensor is None:
            tensor = _cache[key] = parametrization()
        return tensor

    def set_original(self, value: Tensor) -> None:
        self.parametrizations[tensor_name].right_inverse(value)

    setattr(module.__class__, tensor_name, property(get_parametrized, set_original))


def _check_same_space(module: Module, tensor_name: str, parametrization: Module) -> None:
    """For a second parametrization on a tensor: it must map tensors like ``module.<tensor_name>`` to such."""
    y = getattr(module, tensor_name)
    x = parametrization(y)
    if not isinstance(x, Tensor):
        raise ValueError(f"A parametrization must return a tensor. Got {type(x).__name__}.")
    _same_dtype_and_shape((x.dtype, x.shape), (y.dtype, y.shape), "Registering a parametrization may not change the {what} of the tensor, unless the "
                          f"`unsafe` flag is enabled.\nmodule.{tensor_name}.{{what}}: {{b}}\n"
                          f"parametrization(module.{tensor_name}).{{what}}: {{a}}")
    if not hasattr(parametrization, "right_inverse"):
        return
    try:
        z = parametrization.right_inverse(x)
    except NotImplementedError:
        return
    if not isinstance(z, Tensor):
        raise ValueError(f"parametrization.right_inverse must return a tensor. Got: {type(z).__name__}")
    _same_dtype_and_shape((z.dtype, z.shape), (y.dtype, y.shape), "The tensor returned by parametrization.right_inverse must have the same {what} as "
                          f"module.{tensor_name}, unless the `unsafe` flag is enabled.\n"
                          f"module.{tensor_name}.{{what}}: {{b}}\nreturned {{what}}: {{a}}")


def _same_dtype_and_shape(a: tuple, b: tuple, message: str) -> None:
    """ValueError(``message`` filled with what differs) unless the ``(dtype, shape)`` pairs ``a`` and ``b`` agree."""
    for what, x, y in zip(("dtype", "shape"), a, b, strict=True):
        if x != y:
            raise ValueError(message.format(what=what, a=x, b=y))


def register_parametrization(module: Module, tensor_name: str, parametrization: Module, *,
                             unsafe: bool = False) -> Module:
    """Make ``module.<tensor_name>`` the output of ``parametrization`` applied to the stored original.

    A second call on the same tensor chains the new parametrization after the first. With
    ``unsafe=False`` the parametrization may not change the tensor's shape or dtype.

    Example::

        >>> class Symmetric(nn.Module):
        ...     def forward(self, X):
        ...         return X.triu() + X.triu(1).transpose(-1, -2)
        >>> m = parametrize.register_parametrization(nn.Linear(3, 3), "weight", Symmetric())
        >>> torch.equal(m.weight, m.weight.T)
        True
    """
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            _check_same_space(module, tensor_name, parametrization)
        plist = module.parametrizations[tensor_name]
        plist.append(parametrization)
        plist.unsafe |= unsafe
    elif tensor_name in module._buffers or tensor_name in module._parameters:
        original = getattr(module, tensor_name)
        plist = ParametrizationList([parametrization], original, unsafe=unsafe)
        delattr(module, tensor_name)
        if not is_parametrized(module):
            _inject_new_class(module)
            module.parametrizations = ModuleDict()
        _inject_property(module, tensor_name)
        module.parametrizations[tensor_name] = plist
    else:
        raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a parametrized element "
                         f"with name '{tensor_name}'")
    return module


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` has a parametrization (on ``tensor_name``, when given)."""
    parametrizations = getattr(module, "parametrizations", None)
    if not isinstance(parametrizations, ModuleDict):
        return False
    if tensor_name is None:
        return len(parametrizations) > 0
    return tensor_name in parametrizations


def remove_parametrizations(module: Module, tensor_name: str, leave_parametrized: bool = True) -> Module:
    """Undo the parametrizations on ``module.<tensor_name>``.

    With ``leave_parametrized`` the tensor keeps its current parametrized value, else it goes back to the
    stored original (possible only when that is one tensor). The module gets its own class back once
    no parametrization is left."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    plist = module.parametrizations[tensor_name]
    if plist.is_tensor:
        original = plist.original
        if leave_parametrized:
            with no_grad():
                value = getattr(module, tensor_name)
            _set_in_place(original, value)
    elif leave_parametrized:
        value = getattr(module, tensor_name)
        original = Parameter(value.detach(), value.requires_grad) if value.requires_grad else value.detach()
    else:
        raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is parametrized "
                         "in terms of a sequence of tensors.")
    delattr(module.__class__, tensor_name)
    del module.parametrizations[tensor_name]
    _register_parameter_or_buffer(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = module.__class__.__bases__[0]
    return module


def type_before_parametrizations(module: Module) -> type:
    """The class ``module`` had before any parametrization was registered on it."""
    return module.__class__.__bases__[0] if is_parametrized(module) else type(module)

