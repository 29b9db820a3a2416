"""chainrule.func transforms (grad, vjp, jvp, jacrev, jacfwd, hessian, functional_call) against torch.func.

Each program is written once as a function of the module ``m`` (chainrule or torch) and run
with both: values (float64), shapes, nesting, requires_grad and exceptions must agree.
"""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "autograd"))
from autograd_oracle import raises_same, same  # noqa: E402

import chainrule  # noqa: E402

RNG = np.random.default_rng(11)
X3 = RNG.standard_normal(3).tolist()
Y3 = RNG.standard_normal(3).tolist()
V3 = RNG.standard_normal(3).tolist()
W23 = RNG.standard_normal((2, 3)).tolist()
XS = RNG.standard_normal((4, 3)).tolist()
VS = RNG.standard_normal((4, 3)).tolist()


def t(m, data, rg=False):
    return m.tensor(data, dtype=m.float64, requires_grad=rg)


def f_scalar(x):
    return (x.sin() * x).sum() + (x ** 3).sum()


def f_two(x, y):
    return (x * y.exp()).sum() + (x ** 2 * y).sum()


def f_vec(x):
    return x.sin() * x.sum()


def f_mat(x, w):
    return (w @ x).tanh()


# -- grad / grad_and_value -----------------------------------------------------------------------

GRAD_CASES = {
    "single": lambda m: m.func.grad(f_scalar)(t(m, X3)),
    "argnums_1": lambda m: m.func.grad(f_two, argnums=1)(t(m, X3), t(m, Y3)),
    "argnums_tuple": lambda m: m.func.grad(f_two, argnums=(0, 1))(t(m, X3), t(m, Y3)),
    "argnums_negative": lambda m: m.func.grad(f_two, argnums=-1)(t(m, X3), t(m, Y3)),
    "argnums_tuple_of_one": lambda m: m.func.grad(f_two, argnums=(1,))(t(m, X3), t(m, Y3)),
    "has_aux": lambda m: m.func.grad(lambda x: (f_scalar(x), x.cos()), has_aux=True)(t(m, X3)),
    "has_aux_dict": lambda m: m.func.grad(lambda x: (f_scalar(x), {"a": x * 2, "b": [x.sum()]}),
                                          has_aux=True)(t(m, X3)),
    "dict_input": lambda m: m.func.grad(lambda d: (d["a"] * d["b"].sin()).sum())(
        {"a": t(m, X3), "b": t(m, Y3)}),
    "tuple_input": lambda m: m.func.grad(lambda p: (p[0] * p[1][0] ** 2).sum())((t(m, X3), [t(m, Y3)])),
    "kwargs_not_differentiated": lambda m: m.func.grad(lambda x, *, s: (x * s).sum())(t(m, X3), s=t(m, Y3)),
    "nested_grad_grad": lambda m: m.func.grad(m.func.grad(lambda x: x.sin() * x ** 3))(t(m, 0.7)),
    "third_order": lambda m: m.func.grad(m.func.grad(m.func.grad(lambda x: x.exp() * x ** 2)))(t(m, 0.3)),
    "closure": lambda m: (lambda w: m.func.grad(lambda x: (w * x).sum() ** 2)(t(m, X3)))(t(m, Y3)),
    "closure_requires_grad": lambda m: (lambda w: m.func.grad(lambda x: (w * x).sum() ** 2)(t(m, X3)))(
        t(m, Y3, rg=True)),
    "input_requires_grad": lambda m: m.func.grad(f_scalar)(t(m, X3, rg=True)),
    "input_requires_grad_no_grad": lambda m: _under_no_grad(m, lambda: m.func.grad(f_scalar)(t(m, X3, rg=True))),
    "grad_then_backward": lambda m: _grad_then_backward(m),
    "unused_input_zero": lambda m: m.func.grad(lambda x, y: (x ** 2).sum(), argnums=(0, 1))(t(m, X3), t(m, Y3)),
    "independent_output_zero": lambda m: m.func.grad(lambda x: t(m, 2.0) * 3)(t(m, X3)),
    "zero_dim_input": lambda m: m.func.grad(lambda x: x.sin() * x)(t(m, 1.3)),
    "empty_input": lambda m: m.func.grad(lambda x: x.sum())(m.zeros(0, dtype=m.float64)),
    "other_arg_requires_grad_used": lambda m: m.func.grad(f_two)(t(m, X3), t(m, Y3, rg=True)),
    "other_arg_requires_grad_unused_in_grad": lambda m: m.func.grad(lambda x, y: (x ** 2).sum() + y.sum())(
        t(m, X3), t(m, Y3, rg=True)),
    "closure_requires_grad_not_in_grad": lambda m: (lambda w: m.func.grad(lambda x: (x ** 3).sum() + w.sum())(
        t(m, X3)))(t(m, Y3, rg=True)),
    "has_aux_closure_requires_grad": lambda m: (lambda w: m.func.grad(lambda x: ((x ** 2).sum(), w * 2),
                                                                      has_aux=True)(t(m, X3)))(t(m, Y3, rg=True)),
    "grad_and_value": lambda m: m.func.grad_and_value(f_two, argnums=(0, 1))(t(m, X3), t(m, Y3)),
    "grad_and_value_has_aux": lambda m: m.func.grad_and_value(lambda x: (f_scalar(x), x.sum()), has_aux=True)(
        t(m, X3)),
    "grad_and_value_requires_grad": lambda m: m.func.grad_and_value(f_scalar)(t(m, X3, rg=True)),
}


def _under_no_grad(m, fn):
    with m.no_grad():
        return fn()


def _grad_then_backward(m):
    x = t(m, X3, rg=True)
    g = m.func.grad(f_scalar)(x)
    g.sum().backward()
    return g, x.grad


@pytest.mark.parametrize("name", list(GRAD_CASES))
def test_grad_matches_torch(name):
    same(GRAD_CASES[name], rtol=1e-10, atol=1e-12)


GRAD_ERRORS = {
    "non_scalar_output": lambda m: m.func.grad(f_vec)(t(m, X3)),
    "non_tensor_output": lambda m: m.func.grad(lambda x: 1.0)(t(m, X3)),
    "argnums_out_of_range": lambda m: m.func.grad(f_two, argnums=2)(t(m, X3), t(m, Y3)),
    "argnums_empty": lambda m: m.func.grad(f_two, argnums=())(t(m, X3), t(m, Y3)),
    "argnums_not_int": lambda m: m.func.grad(f_two, argnums=(0, 1.0))(t(m, X3), t(m, Y3)),
    "has_aux_not_tuple": lambda m: m.func.grad(f_scalar, has_aux=True)(t(m, X3)),
    "has_aux_non_tensor_aux": lambda m: m.func.grad(lambda x: (f_scalar(x), {"n": 3}), has_aux=True)(t(m, X3)),
    "has_aux_non_scalar": lambda m: m.func.grad(lambda x: (x * 2, x), has_aux=True)(t(m, X3)),
    "non_tensor_input": lambda m: m.func.grad(lambda x: x)(1.0),
    "argnums_duplicate": lambda m: m.func.grad(f_two, argnums=(0, 0))(t(m, X3), t(m, Y3)),
    "argnums_list": lambda m: m.func.grad(f_two, argnums=[0, 1])(t(m, X3), t(m, Y3)),
    "integer_input": lambda m: m.func.grad(lambda x: x.sum())(m.tensor([1, 2])),
}

# Messages that match torch's word for word; the others are compared by exception type.
GRAD_ERROR_MESSAGES = {"non_scalar_output", "non_tensor_output", "has_aux_non_tensor_aux", "argnums_out_of_range", "argnums_empty",
                       "argnums_not_int", "has_aux_not_tuple", "non_tensor_input", "argnums_duplicate",
                       "argnums_list"}


@pytest.mark.parametrize("name", list(GRAD_ERRORS))
def test_grad_errors_match_torch(name):
    raises_same(GRAD_ERRORS[name], message=name in GRAD_ERROR_MESSAGES)


# -- vjp -----------------------------------------------------------------------------------------


def _vjp(m, f, primals, cotangents, **kw):
    res = m.func.vjp(f, *primals, **kw)
    out, fn = res[0], res[1]
    return (out, fn(cotangents), *res[2:])


VJP_CASES = {
    "single": lambda m: _vjp(m, f_vec, (t(m, X3),), t(m, V3)),
    "two_primals": lambda m: _vjp(m, f_mat, (t(m, X3), t(m, W23)), t(m, [0.5, -1.0])),
    "tuple_output": lambda m: _vjp(m, lambda x: (x.sin(), x.sum()), (t(m, X3),), (t(m, V3), t(m, 2.0))),
    "dict_output": lambda m: _vjp(m, lambda x: {"s": x.exp(), "n": [x * 3]}, (t(m, X3),),
                                  {"s": t(m, V3), "n": [t(m, Y3)]}),
    "dict_primal": lambda m: _vjp(m, lambda d: d["a"] * d["b"], ({"a": t(m, X3), "b": t(m, Y3)},), t(m, V3)),
    "has_aux": lambda m: _vjp(m, lambda x: (x.exp(), x.sum()), (t(m, X3),), t(m, V3), has_aux=True),
    "independent_output": lambda m: _vjp(m, lambda x: t(m, Y3) * 2, (t(m, X3),), t(m, V3)),
    "call_twice": lambda m: (lambda r: (r[1](t(m, V3)), r[1](t(m, Y3))))(m.func.vjp(f_vec, t(m, X3))),
    "primal_requires_grad": lambda m: _vjp(m, f_vec, (t(m, X3, rg=True),), t(m, V3)),
    "cotangent_requires_grad": lambda m: _vjp(m, f_vec, (t(m, X3),), t(m, V3, rg=True)),
    "zero_dim": lambda m: _vjp(m, lambda x: x.exp() * x, (t(m, 0.4),), t(m, 1.5)),
}


@pytest.mark.parametrize("name", list(VJP_CASES))
def test_vjp_matches_torch(name):
    same(VJP_CASES[name], rtol=1e-10, atol=1e-12)


VJP_ERRORS = {
    "wrong_cotangent_shape": lambda m: _vjp(m, f_vec, (t(m, X3),), t(m, [1.0, 2.0])),
    "wrong_cotangent_structure": lambda m: _vjp(m, lambda x: (x, x * 2), (t(m, X3),), t(m, V3)),
    "has_aux_not_tuple": lambda m: _vjp(m, f_vec, (t(m, X3),), t(m, V3), has_aux=True),
    "non_tensor_output": lambda m: m.func.vjp(lambda x: 3.0, t(m, X3)),
    "has_aux_non_tensor_aux": lambda m: m.func.vjp(lambda x: (x * 2, [x, 1]), t(m, X3), has_aux=True),
    "has_aux_none_in_aux": lambda m: m.func.vjp(lambda x: (x * 2, [x, None]), t(m, X3), has_aux=True),
    "list_cotangent_for_tuple_output": lambda m: _vjp(m, lambda x: (x, x * 2), (t(m, X3),), [t(m, V3), t(m, V3)]),
    "integer_output": lambda m: m.func.vjp(lambda x: (x > 0).long(), t(m, X3)),
}

VJP_ERROR_MESSAGES = {"wrong_cotangent_shape", "has_aux_non_tensor_aux", "has_aux_none_in_aux", "has_aux_not_tuple", "non_tensor_output", "integer_output"}


@pytest.mark.parametrize("name", list(VJP_ERRORS))
def test_vjp_errors_match_torch(name):
    raises_same(VJP_ERRORS[name], message=name in VJP_ERROR_MESSAGES)


# -- jvp and linearize ---------------------------------------------------------------------------

JVP_CASES = {
    "single": lambda m: m.func.jvp(f_vec, (t(m, X3),), (t(m, V3),)),
    "two_primals": lambda m: m.func.jvp(f_mat, (t(m, X3), t(m, W23)), (t(m, V3), t(m, W23) * 0.5)),
    "list_primals": lambda m: m.func.jvp(f_two, [t(m, X3), t(m, Y3)], [t(m, V3), t(m, X3)]),
    "tuple_output": lambda m: m.func.jvp(lambda x: (x.exp(), x.sum()), (t(m, X3),), (t(m, V3),)),
    "has_aux": lambda m: m.func.jvp(lambda x: (x.exp(), x.cos()), (t(m, X3),), (t(m, V3),), has_aux=True),
    "independent_output": lambda m: m.func.jvp(lambda x: t(m, Y3) * 2, (t(m, X3),), (t(m, V3),)),
    "partly_independent": lambda m: m.func.jvp(lambda x, y: x.sin() * 2, (t(m, X3), t(m, Y3)),
                                               (t(m, V3), t(m, V3))),
    "zero_dim": lambda m: m.func.jvp(lambda x: x.exp() * x, (t(m, 0.4),), (t(m, 1.5),)),
    "dict_primal": lambda m: m.func.jvp(lambda d: d["a"] * d["b"], ({"a": t(m, X3), "b": t(m, Y3)},),
                                        ({"a": t(m, V3), "b": t(m, X3)},)),
    "matmul_softmax": lambda m: m.func.jvp(lambda w: (w @ t(m, X3)).softmax(0), (t(m, W23),), (t(m, W23),)),
    "primal_requires_grad": lambda m: m.func.jvp(f_vec, (t(m, X3, rg=True),), (t(m, V3),)),
    "tangent_requires_grad": lambda m: m.func.jvp(f_vec, (t(m, X3),), (t(m, V3, rg=True),)),
    "has_aux_requires_grad": lambda m: m.func.jvp(lambda x: (x.exp(), x * 2), (t(m, X3, rg=True),), (t(m, V3),),
                                                  has_aux=True),
    "linearize": lambda m: (lambda r: (r[0], r[1](t(m, V3)), r[1](t(m, Y3))))(m.func.linearize(f_vec, t(m, X3))),
    "linearize_two": lambda m: (lambda r: (r[0], r[1](t(m, V3), t(m, W23))))(
        m.func.linearize(f_mat, t(m, X3), t(m, W23))),
}


@pytest.mark.parametrize("name", list(JVP_CASES))
def test_jvp_matches_torch(name):
    same(JVP_CASES[name], rtol=1e-10, atol=1e-12)


JVP_ERRORS = {
    "shape_mismatch": lambda m: m.func.jvp(f_vec, (t(m, X3),), (t(m, [1.0, 2.0]),)),
    "primals_not_tuple": lambda m: m.func.jvp(f_vec, t(m, X3), (t(m, V3),)),
    "length_mismatch": lambda m: m.func.jvp(f_two, (t(m, X3), t(m, Y3)), (t(m, V3),)),
    "has_aux_not_tuple": lambda m: m.func.jvp(f_vec, (t(m, X3),), (t(m, V3),), has_aux=True),
    "non_tensor_output": lambda m: m.func.jvp(lambda x: 3.0, (t(m, X3),), (t(m, V3),)),
    "list_tangents": lambda m: m.func.jvp(f_vec, (t(m, X3),), [t(m, V3)]),
    "empty_primals": lambda m: m.func.jvp(lambda: t(m, X3), (), ()),
}

JVP_ERROR_MESSAGES = {"primals_not_tuple", "has_aux_not_tuple", "non_tensor_output", "shape_mismatch",
                      "empty_primals"}


@pytest.mark.parametrize("name", list(JVP_ERRORS))
def test_jvp_errors_match_torch(name):
    raises_same(JVP_ERRORS[name], message=name in JVP_ERROR_MESSAGES)


# -- jacrev, jacfwd, hessian ---------------------------------------------------------------------


def f_multi(x, y):
    return x.sin() * y, (x * y).sum()


JAC_CASES = {
    "vector": lambda jac, m: jac(f_vec)(t(m, X3)),
    "matrix_input": lambda jac, m: jac(f_mat, argnums=1)(t(m, X3), t(m, W23)),
    "argnums_tuple": lambda jac, m: jac(f_mat, argnums=(0, 1))(t(m, X3), t(m, W23)),
    "multiple_outputs": lambda jac, m: jac(f_multi)(t(m, X3), t(m, Y3)),
    "multiple_outputs_argnums_tuple": lambda jac, m: jac(f_multi, argnums=(0, 1))(t(m, X3), t(m, Y3)),
    "dict_output": lambda jac, m: jac(lambda x: {"a": x.exp(), "b": x.sum()})(t(m, X3)),
    "dict_input": lambda jac, m: jac(lambda d: d["a"] * d["b"].cos())({"a": t(m, X3), "b": t(m, Y3)}),
    "has_aux": lambda jac, m: jac(lambda x: (x.exp(), x.sum()), has_aux=True)(t(m, X3)),
    "chunk_size_1": lambda jac, m: jac(f_mat, argnums=(0, 1), chunk_size=1)(t(m, X3), t(m, W23)),
    "chunk_size_2": lambda jac, m: jac(f_vec, chunk_size=2)(t(m, X3)),
    "scalar_in_scalar_out": lambda jac, m: jac(lambda x: x.sin() * x)(t(m, 0.8)),
    "scalar_in_vector_out": lambda jac, m: jac(lambda x: x * t(m, X3))(t(m, 0.8)),
    "vector_in_scalar_out": lambda jac, m: jac(f_scalar)(t(m, X3)),
    "empty_input": lambda jac, m: jac(lambda x: x.sum() + t(m, Y3))(m.zeros(0, dtype=m.float64)),
    "empty_output": lambda jac, m: jac(lambda x: x[:0] * 2)(t(m, X3)),
    "independent_output": lambda jac, m: jac(lambda x: t(m, Y3) * 2)(t(m, X3)),
    "input_requires_grad": lambda jac, m: jac(f_vec)(t(m, X3, rg=True)),
    "jacfwd_jacrev": lambda jac, m: jac(m.func.jacrev(f_scalar))(t(m, X3)),
    "jacrev_jacrev": lambda jac, m: jac(m.func.jacrev(f_vec))(t(m, X3)),
    "jacfwd_inner": lambda jac, m: jac(m.func.jacfwd(f_vec))(t(m, X3)),
}


# torch's jacfwd takes no chunk_size and raises on an input without elements; chainrule's
# jacfwd takes chunk_size and gives the empty Jacobian: these are checked against torch's jacrev.
JACFWD_EXTENSIONS = {"chunk_size_1", "chunk_size_2", "empty_input", "chunk_size_zero"}


def _jac(m, which: str, name: str):
    if m is torch and which == "jacfwd" and name in JACFWD_EXTENSIONS:
        return m.func.jacrev
    return getattr(m.func, which)


@pytest.mark.parametrize("which", ["jacrev", "jacfwd"])
@pytest.mark.parametrize("name", list(JAC_CASES))
def test_jacobians_match_torch(which, name):
    if which == "jacfwd" and name == "jacfwd_inner":
        pytest.skip("jacfwd(jacfwd(f)) nests forward mode: one dual level only (see README)")
    same(lambda m: JAC_CASES[name](_jac(m, which, name), m), rtol=1e-10, atol=1e-12)


def test_nested_forward_mode_raises():
    x = t(chainrule, X3)
    with pytest.raises(RuntimeError, match="one dual level"):
        chainrule.func.jacfwd(chainrule.func.jacfwd(f_vec))(x)


JAC_ERRORS = {
    "argnums_out_of_range": lambda jac, m: jac(f_vec, argnums=1)(t(m, X3)),
    "non_tensor_output": lambda jac, m: jac(lambda x: 3.0)(t(m, X3)),
    "has_aux_not_tuple": lambda jac, m: jac(f_vec, has_aux=True)(t(m, X3)),
    "chunk_size_zero": lambda jac, m: jac(f_vec, chunk_size=0)(t(m, X3)),
}


@pytest.mark.parametrize("which", ["jacrev", "jacfwd"])
@pytest.mark.parametrize("name", list(JAC_ERRORS))
def test_jacobian_errors_match_torch(which, name):
    raises_same(lambda m: JAC_ERRORS[name](_jac(m, which, name), m), message=False)


HESSIAN_CASES = {
    "vector": lambda m: m.func.hessian(f_scalar)(t(m, X3)),
    "argnums_tuple": lambda m: m.func.hessian(f_two, argnums=(0, 1))(t(m, X3), t(m, Y3)),
    "argnums_1": lambda m: m.func.hessian(f_two, argnums=1)(t(m, X3), t(m, Y3)),
    "matrix": lambda m: m.func.hessian(lambda w: ((w @ t(m, X3)).tanh() ** 2).sum())(t(m, W23)),
    "scalar": lambda m: m.func.hessian(lambda x: x.sin() * x ** 3)(t(m, 0.7)),
    "log_softmax": lambda m: m.func.hessian(lambda x: x.log_softmax(0)[1])(t(m, X3)),
    "max": lambda m: m.func.hessian(lambda x: x.max().exp())(t(m, X3)),
    "sort": lambda m: m.func.hessian(lambda x: x.sort().values[1].exp())(t(m, X3)),
    "eigh": lambda m: m.func.hessian(lambda x: m.linalg.eigh(x.reshape(2, 2) + x.reshape(2, 2).T)[0].sum() ** 2)(
        t(m, X3 + [0.5])),
    "gelu_mlp": lambda m: m.func.hessian(lambda x: m.nn.functional.gelu(t(m, W23) @ x).sum())(t(m, X3)),
}


@pytest.mark.parametrize("name", list(HESSIAN_CASES))
def test_hessian_matches_torch(name):
    same(HESSIAN_CASES[name], rtol=1e-10, atol=1e-12)


# -- compositions with vmap ----------------------------------------------------------------------

COMPOSE_CASES = {
    "vmap_grad": lambda m: m.func.vmap(m.func.grad(f_scalar))(t(m, XS)),
    "vmap_grad_in_dims": lambda m: m.func.vmap(m.func.grad(f_two, argnums=(0, 1)), in_dims=(None, 0))(
        t(m, X3), t(m, XS)),
    "vmap_grad_has_aux": lambda m: m.func.vmap(m.func.grad(lambda x: (f_scalar(x), x.sum()), has_aux=True))(
        t(m, XS)),
    "vmap_jacrev": lambda m: m.func.vmap(m.func.jacrev(f_vec))(t(m, XS)),
    "vmap_jacfwd": lambda m: m.func.vmap(m.func.jacfwd(f_vec))(t(m, XS)),
    "vmap_hessian": lambda m: m.func.vmap(m.func.hessian(f_scalar))(t(m, XS)),
    "vmap_vjp": lambda m: m.func.vmap(lambda x, v: m.func.vjp(f_vec, x)[1](v))(t(m, XS), t(m, VS)),
    "vmap_jvp": lambda m: m.func.vmap(lambda x, v: m.func.jvp(f_vec, (x,), (v,)))(t(m, XS), t(m, VS)),
    "vmap_jvp_weights_shared": lambda m: m.func.vmap(
        lambda v: m.func.jvp(f_mat, (t(m, X3), t(m, W23)), (v, t(m, W23))))(t(m, VS)),
    "grad_vmap": lambda m: m.func.grad(lambda x: m.func.vmap(f_scalar)(x).sum())(t(m, XS)),
    "jacrev_vmap": lambda m: m.func.jacrev(m.func.vmap(f_vec))(t(m, XS[:2])),
    "jacfwd_jacrev": lambda m: m.func.jacfwd(m.func.jacrev(f_scalar))(t(m, X3)),
    "jacrev_jacfwd": lambda m: m.func.jacrev(m.func.jacfwd(f_scalar))(t(m, X3)),
    "grad_grad_vector": lambda m: m.func.grad(lambda x: m.func.grad(f_scalar)(x).sin().sum())(t(m, X3)),
    "jvp_of_grad_hvp": lambda m: m.func.jvp(m.func.grad(f_scalar), (t(m, X3),), (t(m, V3),)),
    "vjp_of_jvp": lambda m: m.func.vjp(lambda x: m.func.jvp(f_vec, (x,), (t(m, V3),))[1], t(m, X3))[1](t(m, Y3)),
    "vmap_vmap_grad": lambda m: m.func.vmap(m.func.vmap(m.func.grad(f_scalar)))(t(m, XS).reshape(2, 2, 3)),
    "vmap_grad_closure": lambda m: (lambda w: m.func.vmap(m.func.grad(lambda x: ((w @ x).tanh() ** 2).sum()))(
        t(m, XS)))(t(m, W23)),
}


@pytest.mark.parametrize("name", list(COMPOSE_CASES))
def test_compositions_match_torch(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(COMPOSE_CASES[name], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("which", ["jacrev", "jacfwd", "hessian"])
def test_jacobians_of_a_relu_mlp_run_batched(which):
    # The backward pass under vmap (batched cotangents) and forward mode under vmap (batched
    # tangents) must not fall back to running the function once per sample.
    w1, b1, w2 = t(chainrule, [X3, Y3, V3, X3]), t(chainrule, V3 + [0.1]), t(chainrule, [Y3 + [0.2], X3 + [0.3]])

    def f(x):
        h = chainrule.nn.functional.linear(x, w1, b1).relu()
        out = (w2 @ h).tanh()
        return out.sum() if which == "hessian" else out

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        getattr(chainrule.func, which)(f)(t(chainrule, X3))


def test_forward_over_reverse_hvp_equals_double_backward():
    x = t(chainrule, X3)
    v = t(chainrule, V3)
    _, hvp_fwd = chainrule.func.jvp(chainrule.func.grad(f_scalar), (x,), (v,))
    _, hvp_rev = chainrule.autograd.functional.hvp(f_scalar, x, v)
    np.testing.assert_allclose(hvp_fwd.numpy(), hvp_rev.numpy(), rtol=1e-12)


def test_jacfwd_and_jacrev_agree_on_a_wide_and_a_tall_function():
    x = t(chainrule, XS)
    for f in (lambda a: a.sum(0).exp(), lambda a: a.reshape(-1).outer(a[0]).sin()):
        np.testing.assert_allclose(chainrule.func.jacfwd(f)(x).numpy(), chainrule.func.jacrev(f)(x).numpy(),
                                   rtol=1e-12, atol=1e-14)


# -- functional_call and per-sample gradients of a model ------------------------------------------


def _mlp(m, seed=0):
    """A 3-16-2 MLP with the same weights in both libraries."""
    rng = np.random.default_rng(seed)
    model = m.nn.Sequential(m.nn.Linear(3, 16), m.nn.Tanh(), m.nn.Linear(16, 2)).double()
    with m.no_grad():
        for p in model.parameters():
            p.copy_(m.tensor(rng.standard_normal(tuple(p.shape)) * 0.5, dtype=m.float64))
    return model


def _per_sample_grads(m, loss_name="mse"):
    model = _mlp(m)
    params = {k: v.detach() for k, v in model.named_parameters()}
    xs = t(m, XS)
    ys = t(m, RNG_TARGETS) if loss_name == "mse" else m.tensor([0, 1, 1, 0])

    def loss(p, x, y):
        out = m.func.functional_call(model, p, (x.unsqueeze(0),))
        if loss_name == "mse":
            return m.nn.functional.mse_loss(out, y.unsqueeze(0))
        return m.nn.functional.cross_entropy(out, y.unsqueeze(0))

    return m.func.vmap(m.func.grad(loss), in_dims=(None, 0, 0))(params, xs, ys)


RNG_TARGETS = RNG.standard_normal((4, 2)).tolist()


@pytest.mark.parametrize("loss_name", ["mse", "cross_entropy"])
def test_per_sample_grads_of_an_mlp_match_torch(loss_name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = same(lambda m: _per_sample_grads(m, loss_name), rtol=1e-10, atol=1e-12)
    assert want["0.weight"].shape == (4, 16, 3)


def _per_sample_grads_with_buffers(m):
    """An eval-mode model with BatchNorm: parameters and buffers passed as two dicts."""
    rng = np.random.default_rng(1)
    model = m.nn.Sequential(m.nn.Linear(3, 5), m.nn.BatchNorm1d(5), m.nn.ReLU(), m.nn.Linear(5, 2)).double()
    with m.no_grad():
        for p in model.parameters():
            p.copy_(m.tensor(rng.standard_normal(tuple(p.shape)), dtype=m.float64))
        model[1].running_mean.copy_(t(m, [0.1, 0.2, -0.1, 0.0, 0.3]))
        model[1].running_var.copy_(t(m, [1.0, 2.0, 0.5, 1.5, 0.8]))
    model.eval()
    params = {k: v.detach() for k, v in model.named_parameters()}
    buffers = dict(model.named_buffers())

    def loss(p, b, x):
        return m.func.functional_call(model, (p, b), (x.unsqueeze(0),)).pow(2).sum()

    return m.func.vmap(m.func.grad(loss), in_dims=(None, None, 0))(params, buffers, t(m, XS))


def test_per_sample_grads_with_buffers_match_torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(_per_sample_grads_with_buffers, rtol=1e-10, atol=1e-12)


def test_per_sample_grads_equal_a_loop_of_backward_calls():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        batched = _per_sample_grads(chainrule)
    model = _mlp(chainrule)
    xs, ys = t(chainrule, XS), t(chainrule, RNG_TARGETS)
    for i in range(len(XS)):
        model.zero_grad()
        chainrule.nn.functional.mse_loss(model(xs[i:i + 1]), ys[i:i + 1]).backward()
        for name, p in model.named_parameters():
            np.testing.assert_allclose(batched[name][i].numpy(), p.grad.numpy(), rtol=1e-12, atol=1e-14)


def _call(m, **kw):
    model = _mlp(m)
    params = {k: v * 2 for k, v in model.named_parameters()}
    x = t(m, XS)
    out = m.func.functional_call(model, params, (x,), **kw)
    return out, model(x), [p.requires_grad for p in model.parameters()]


class _Tied:
    """A module whose two Linear layers share one weight Parameter."""

    @staticmethod
    def build(m):
        class Tied(m.nn.Module):
            def __init__(self):
                super().__init__()
                self.a = m.nn.Linear(3, 3, bias=False).double()
                self.b = m.nn.Linear(3, 3, bias=False).double()
                self.b.weight = self.a.weight
                self.register_buffer("scale", m.tensor([1.0, 2.0, 3.0], dtype=m.float64))

            def forward(self, x):
                return self.b(self.a(x)) * self.scale

        model = Tied()
        with m.no_grad():
            model.a.weight.copy_(t(m, [X3, Y3, V3]))
        return model


FUNCTIONAL_CALL_CASES = {
    "params_dict": lambda m: _call(m),
    "args_not_tuple": lambda m: m.func.functional_call(_mlp(m), {}, t(m, XS)),
    "kwargs": lambda m: m.func.functional_call(m.nn.Linear(3, 2).double(), {"weight": t(m, W23), "bias": t(m, Y3[:2])},
                                               (), {"input": t(m, XS)}),
    "strict_ok": lambda m: _call(m, strict=True),
    "partial_dict": lambda m: m.func.functional_call(_mlp(m), {"2.bias": t(m, [5.0, 6.0])}, (t(m, XS),)),
    "tuple_of_dicts": lambda m: m.func.functional_call(
        m.nn.Linear(3, 2).double(), ({"weight": t(m, W23)}, {"bias": t(m, Y3[:2])}), (t(m, XS),)),
    "tied_weights": lambda m: (lambda mod: (m.func.functional_call(mod, {"a.weight": t(m, W23 + [X3])}, t(m, XS)),
                                            mod(t(m, XS))))(_Tied.build(m)),
    "tied_weights_untied": lambda m: (lambda mod: m.func.functional_call(
        mod, {"a.weight": t(m, W23 + [X3])}, t(m, XS), tie_weights=False))(_Tied.build(m)),
    "buffer": lambda m: (lambda mod: (m.func.functional_call(mod, {"scale": t(m, [0.5, 0.5, 0.5])}, t(m, XS)),
                                      mod(t(m, XS)), mod.scale))(_Tied.build(m)),
    "grad_through_params": lambda m: (lambda mod: m.func.grad(
        lambda p: m.func.functional_call(mod, p, t(m, XS)).pow(2).sum())(
        {k: v.detach() for k, v in mod.named_parameters()}))(_mlp(m)),
    "grad_through_some_params": lambda m: (lambda mod: m.func.grad(
        lambda w: m.func.functional_call(mod, {"2.weight": w}, t(m, XS)).pow(2).sum())(
        mod[2].weight.detach()))(_mlp(m)),
}


@pytest.mark.parametrize("name", list(FUNCTIONAL_CALL_CASES))
def test_functional_call_matches_torch(name):
    same(FUNCTIONAL_CALL_CASES[name], rtol=1e-10, atol=1e-12)


FUNCTIONAL_CALL_ERRORS = {
    "strict_missing": lambda m: m.func.functional_call(_mlp(m), {"0.weight": t(m, [X3] * 16)}, t(m, XS),
                                                       strict=True),
    "strict_unexpected": lambda m: m.func.functional_call(
        m.nn.Linear(3, 2).double(), {"weight": t(m, W23), "bias": t(m, [1.0, 2.0]), "extra": t(m, X3)},
        t(m, XS), strict=True),
    "tied_two_values": lambda m: m.func.functional_call(
        _Tied.build(m), {"a.weight": t(m, [X3, Y3, V3]), "b.weight": t(m, [Y3, X3, V3])}, t(m, XS)),
    "not_a_dict": lambda m: m.func.functional_call(m.nn.Linear(3, 2).double(), 3, t(m, XS)),
    "duplicate_keys": lambda m: m.func.functional_call(
        m.nn.Linear(3, 2).double(), ({"weight": t(m, W23)}, {"weight": t(m, W23)}), t(m, XS)),
}


@pytest.mark.parametrize("name", list(FUNCTIONAL_CALL_ERRORS))
def test_functional_call_errors_match_torch(name):
    raises_same(FUNCTIONAL_CALL_ERRORS[name])


def test_functional_call_leaves_the_module_unchanged_even_on_error():
    model = _mlp(chainrule)
    before = {k: (v, v.detach().numpy().copy()) for k, v in model.named_parameters()}

    def boom(module, args):
        raise ValueError("boom")

    model.register_forward_pre_hook(boom)
    with pytest.raises(ValueError, match="boom"):
        chainrule.func.functional_call(model, {"0.weight": t(chainrule, [X3] * 16), "2.bias": t(chainrule, [1.0, 2.0])},
                                       t(chainrule, XS))
    for k, v in model.named_parameters():
        assert v is before[k][0] and np.array_equal(v.detach().numpy(), before[k][1])
    assert all(isinstance(p, chainrule.nn.Parameter) for p in model.parameters())


def _ensemble(m):
    models = [_mlp(m, seed) for seed in range(3)]
    params, buffers = m.func.stack_module_state(models)
    out = m.func.vmap(lambda p, b, x: m.func.functional_call(models[0], (p, b), (x,)), in_dims=(0, 0, None))(
        params, buffers, t(m, XS))
    return params, buffers, out


STACK_CASES = {
    "ensemble": _ensemble,
    "no_models": lambda m: m.func.stack_module_state([]),
    "mixed_modes": lambda m: m.func.stack_module_state([_mlp(m), _mlp(m).eval()]),
    "mixed_classes": lambda m: m.func.stack_module_state([m.nn.Linear(3, 2), m.nn.Sequential(m.nn.Linear(3, 2))]),
    "mixed_requires_grad": lambda m: m.func.stack_module_state([_mlp(m), _mlp(m).requires_grad_(False)]),
}


@pytest.mark.parametrize("name", list(STACK_CASES))
def test_stack_module_state_matches_torch(name):
    same(STACK_CASES[name], rtol=1e-10, atol=1e-12)


def test_stacked_matmul_fast_paths_equal_numpy():
    # vmap(grad) of a Linear layer multiplies per-sample rows by an expanded (stride-0) weight
    # and forms per-sample weight gradients as outer products; both have fast paths.
    from chainrule.ops.linalg import _stack_matmul

    rng = np.random.default_rng(3)
    w = rng.standard_normal((5, 7))
    cases = [
        (rng.standard_normal((4, 1, 5)), np.broadcast_to(w, (4, 5, 7))),
        (rng.standard_normal((4, 1, 5)), np.broadcast_to(w.T, (4, 7, 5)).transpose(0, 2, 1)),
        (rng.standard_normal((4, 6, 1)), rng.standard_normal((4, 1, 3))),
        (rng.standard_normal((0, 1, 5)), np.broadcast_to(w, (0, 5, 7))),
        (rng.standard_normal((4, 1, 0)), np.broadcast_to(np.zeros((0, 7)), (4, 0, 7))),
        (rng.integers(0, 5, (4, 3, 1)), rng.integers(0, 5, (4, 1, 2))),
    ]
    for a, b in cases:
        want = np.matmul(a, b)
        got = _stack_matmul(a, b)
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)
