"""chainrule.func: function transforms, as ``torch.func``.

``grad``, ``grad_and_value``, ``vjp``, ``jvp``, ``linearize``, ``jacrev``, ``jacfwd``,
``hessian``, ``vmap``, ``functional_call`` and ``stack_module_state``. They compose: ``vmap(grad(f))`` gives
per-sample gradients, ``jacfwd(jacrev(f))`` a Hessian. See ``_vmap.py`` (Note [How vmap
works]) and ``_api.py`` (Note [Transforms inside vmap]).
"""

from ._api import (
    functional_call,
    grad,
    grad_and_value,
    hessian,
    jacfwd,
    jacrev,
    jvp,
    linearize,
    stack_module_state,
    vjp,
)
from ._vmap import vmap

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "linearize", "jacrev", "jacfwd", "hessian", "vmap",
           "functional_call", "stack_module_state"]
