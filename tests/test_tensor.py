"""The Tensor API surface against PyTorch, the oracle.

Attributes, conversions, dunders, ``Size`` and ``device``: each case is a function of the
module, run once with ``chainrule`` and once with ``torch``; results (values, dtypes, shapes,
types) or exception types must agree.
"""

from __future__ import annotations

import copy
import math
import operator
import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule  # noqa: E402
from api_oracle import assert_same, cases, describe, outcome  # noqa: E402,F401


def X(m):
    return m.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


def LEAF(m):
    return m.tensor([1.0, 2.0], requires_grad=True)


# -- shape and size --------------------------------------------------------------------------------

SHAPE = {
    "shape": lambda m: X(m).shape,
    "size": lambda m: X(m).size(),
    "size_0": lambda m: X(m).size(0),
    "size_-1": lambda m: X(m).size(-1),
    "size_-2": lambda m: X(m).size(-2),
    "size_out_of_range": lambda m: X(m).size(2),
    "size_negative_out_of_range": lambda m: X(m).size(-3),
    "size_keyword": lambda m: X(m).size(dim=1),
    "size_numpy_int": lambda m: X(m).size(np.int64(1)),
    "size_float": lambda m: X(m).size(1.0),
    "size_of_0d": lambda m: m.tensor(1.0).size(),
    "size_0_of_0d": lambda m: m.tensor(1.0).size(0),
    "size_-1_of_0d": lambda m: m.tensor(1.0).size(-1),
    "size_1_of_0d": lambda m: m.tensor(1.0).size(1),
    "dim": lambda m: X(m).dim(),
    "ndim": lambda m: X(m).ndim,
    "ndimension": lambda m: X(m).ndimension(),
    "dim_of_0d": lambda m: m.tensor(1.0).dim(),
    "numel": lambda m: X(m).numel(),
    "nelement": lambda m: X(m).nelement(),
    "numel_function": lambda m: m.numel(X(m)),
    "numel_empty": lambda m: m.zeros(2, 0).numel(),
    "numel_0d": lambda m: m.tensor(3).numel(),
    "size_is_size": lambda m: type(X(m).size()).__name__,
    "shape_equals_tuple": lambda m: X(m).shape == (2, 3),
    "shape_equals_list": lambda m: X(m).shape == [2, 3],
}


@pytest.mark.parametrize("fn", cases(SHAPE))
def test_shape_and_size(fn):
    assert_same(fn)


def test_size_out_of_range_message():
    assert_same(lambda m: X(m).size(2), message=True)
    assert_same(lambda m: m.tensor(1.0).size(1), message=True)


# -- Size ------------------------------------------------------------------------------------------

SIZE = {
    "repr": lambda m: repr(m.Size([2, 3])),
    "str": lambda m: str(m.Size([2, 3])),
    "format": lambda m: f"{m.Size([1, 2])}",
    "empty": lambda m: repr(m.Size([])),
    "no_argument": lambda m: repr(m.Size()),
    "one": lambda m: repr(m.Size([2])),
    "from_tuple": lambda m: repr(m.Size((2, 3))),
    "is_tuple": lambda m: isinstance(m.Size([2]), tuple),
    "equals_tuple": lambda m: m.Size([2, 3]) == (2, 3),
    "equals_size": lambda m: m.Size([2]) == m.Size([2]),
    "hash_as_tuple": lambda m: hash(m.Size([2, 3])) == hash((2, 3)),
    "index": lambda m: m.Size([2, 3, 4])[-1],
    "slice": lambda m: repr(m.Size([2, 3, 4])[1:]),
    "reverse": lambda m: repr(m.Size([2, 3])[::-1]),
    "add_tuple": lambda m: repr(m.Size([2]) + (3,)),
    "tuple_add": lambda m: repr((3,) + m.Size([2])),
    "add_list": lambda m: m.Size([2]) + [3],
    "multiply": lambda m: repr(m.Size([2]) * 2),
    "reflected_multiply": lambda m: repr(2 * m.Size([2])),
    "numel": lambda m: m.Size([2, 3]).numel(),
    "numel_empty": lambda m: m.Size([]).numel(),
    "unpack": lambda m: (lambda a, b: a + b)(*m.Size([2, 3])),
    "count": lambda m: m.Size([2, 2, 3]).count(2),
    "index_of": lambda m: m.Size([2, 3]).index(3),
    "len": lambda m: len(m.Size([2, 3, 4])),
    "float_item": lambda m: m.Size([2.5]),
    "str_item": lambda m: m.Size(["a"]),
    "int_argument": lambda m: m.Size(3),
    "tensor_item": lambda m: repr(m.Size([m.tensor(2)])),
    "numpy_item": lambda m: repr(m.Size([np.int64(2), 3])),
    "bool_item": lambda m: repr(m.Size([True])),
    "negative": lambda m: repr(m.Size([-1])),
    "pickle": lambda m: repr(pickle.loads(pickle.dumps(m.Size([2, 3])))),
    "copy": lambda m: repr(copy.deepcopy(m.Size([2, 3]))),
    "in_zeros": lambda m: m.zeros(m.Size([2, 1])),
}


@pytest.mark.parametrize("fn", cases(SIZE))
def test_size_object(fn):
    assert_same(fn)


# -- device ----------------------------------------------------------------------------------------

DEVICE = {
    "tensor_device_repr": lambda m: repr(X(m).device),
    "tensor_device_str": lambda m: str(X(m).device),
    "type": lambda m: X(m).device.type,
    "index": lambda m: X(m).device.index,
    "equals_device": lambda m: X(m).device == m.device("cpu"),
    "equals_string_is_false": lambda m: X(m).device == "cpu",
    "not_equals_string": lambda m: X(m).device != "cpu",
    "cpu": lambda m: repr(m.device("cpu")),
    "cpu_index": lambda m: repr(m.device("cpu", 0)),
    "cpu_colon_index": lambda m: repr(m.device("cpu:1")),
    "str_with_index": lambda m: str(m.device("cpu", 0)),
    "index_matters": lambda m: m.device("cpu", 1) == m.device("cpu"),
    "bad_index": lambda m: m.device("cpu:x"),
    "cuda_named": lambda m: repr(m.device("cuda")),
    "cuda_index": lambda m: repr(m.device("cuda:1")),
    "mps_named": lambda m: repr(m.device("mps")),
    "unknown": lambda m: m.device("foo"),
    "from_device": lambda m: repr(m.device(m.device("cpu"))),
    "hash": lambda m: hash(m.device("cpu")) == hash(m.device("cpu")),
    "set": lambda m: len({m.device("cpu"), X(m).device}),
    "pickle": lambda m: repr(pickle.loads(pickle.dumps(m.device("cpu")))),
    "is_cpu": lambda m: X(m).is_cpu,
    "is_cuda": lambda m: X(m).is_cuda,
    "zeros_device_object": lambda m: m.zeros(2, device=m.device("cpu")).device,
    "zeros_device_index": lambda m: m.zeros(2, device="cpu:0").device,
    "zeros_unknown_device": lambda m: m.zeros(2, device="foo"),
    "zeros_cuda": lambda m: m.zeros(2, device="cuda"),
    "to_cuda": lambda m: X(m).to("cuda"),
    "to_accelerator_index": lambda m: X(m).to(0),
    "cpu_method": lambda m: (lambda x: x.cpu() is x)(X(m)),
}


@pytest.mark.parametrize("fn", cases(DEVICE))
def test_device(fn):
    assert_same(fn)


def test_default_device():
    assert repr(chainrule.get_default_device()) == repr(torch.get_default_device())


# -- attributes ------------------------------------------------------------------------------------

ATTRIBUTES = {
    "dtype": lambda m: X(m).dtype,
    "T": lambda m: X(m).T,
    "T_1d": lambda m: m.tensor([1.0, 2.0]).T,
    "T_0d": lambda m: m.tensor(1.0).T,
    "T_3d": lambda m: m.zeros(2, 3, 4).T.shape,
    "T_of_leaf": lambda m: (lambda t: (t, t.grad_fn.name()))(m.ones(2, 3, requires_grad=True).T),
    "mT": lambda m: X(m).mT,
    "mT_3d": lambda m: m.zeros(2, 3, 4).mT.shape,
    "mT_1d": lambda m: m.zeros(3).mT,
    "mT_0d": lambda m: m.tensor(1.0).mT,
    "H": lambda m: X(m).H,
    "H_0d": lambda m: m.tensor(1.0).H,
    "H_1d": lambda m: m.tensor([1.0, 2.0]).H,
    "H_3d": lambda m: m.zeros(2, 3, 4).H,
    "mH": lambda m: m.zeros(2, 3, 4).mH.shape,
    "mH_1d": lambda m: m.tensor([1.0]).mH,
    "is_leaf": lambda m: X(m).is_leaf,
    "is_leaf_requires_grad": lambda m: LEAF(m).is_leaf,
    "is_leaf_result": lambda m: (LEAF(m) * 2).is_leaf,
    "is_leaf_result_without_grad": lambda m: (X(m) * 2).is_leaf,
    "requires_grad": lambda m: X(m).requires_grad,
    "requires_grad_leaf": lambda m: LEAF(m).requires_grad,
    "requires_grad_result": lambda m: (LEAF(m) * 2).requires_grad,
    "grad_none": lambda m: X(m).grad,
    "grad_fn_none": lambda m: X(m).grad_fn,
    "grad_after_backward": lambda m: (lambda x: ((x * 3).sum().backward(), x.grad)[1])(LEAF(m)),
    "grad_settable": lambda m: (lambda x: (setattr(x, "grad", m.ones(2)), x.grad)[1])(LEAF(m)),
    "grad_deletable": lambda m: (lambda x: (setattr(x, "grad", m.ones(2)), delattr(x, "grad"), x.grad)[2])(
        LEAF(m)
    ),
    "data": lambda m: X(m).data,
    "data_of_leaf": lambda m: (lambda d: (d, d.is_leaf, d.requires_grad))(LEAF(m).data),
    "data_shares_memory": lambda m: (lambda x: (x.data.mul_(2), x)[1])(X(m)),
    "layout": lambda m: str(X(m).layout),
    "is_sparse": lambda m: X(m).is_sparse,
    "is_quantized": lambda m: X(m).is_quantized,
    "is_meta": lambda m: X(m).is_meta,
    "is_floating_point": lambda m: (
        X(m).is_floating_point(),
        m.tensor([1]).is_floating_point(),
        m.tensor([1j]).is_floating_point(),
    ),
    "is_complex": lambda m: (X(m).is_complex(), m.tensor([1j]).is_complex()),
    "is_signed": lambda m: (
        m.tensor([1]).is_signed(),
        m.tensor([1], dtype=m.uint8).is_signed(),
        m.tensor([True]).is_signed(),
    ),
    "element_size": lambda m: m.zeros(2, dtype=m.int16).element_size(),
    "itemsize": lambda m: m.zeros(2, dtype=m.float64).itemsize,
    "nbytes": lambda m: m.zeros(2, 3).nbytes,
    "nbytes_of_view": lambda m: m.zeros(2, 3)[:, :2].nbytes,
    "is_tensor": lambda m: (m.is_tensor(X(m)), m.is_tensor([1]), m.is_tensor(np.zeros(2)), m.is_tensor(1.0)),
    "isinstance": lambda m: isinstance(X(m), m.Tensor),
    "is_nonzero": lambda m: (m.is_nonzero(m.tensor([1.0])), m.is_nonzero(m.tensor(0))),
    "is_nonzero_many": lambda m: m.is_nonzero(m.tensor([1.0, 2.0])),
    "is_nonzero_empty": lambda m: m.is_nonzero(m.tensor([])),
    "has_shape_in_dir": lambda m: "shape" in dir(X(m)),
}


@pytest.mark.parametrize("fn", cases(ATTRIBUTES))
def test_attributes(fn):
    assert_same(fn)


def test_T_on_non_matrix_warns_like_torch():
    with pytest.warns(UserWarning, match="deprecated"):
        assert chainrule.zeros(2, 3, 4).T.shape == (4, 3, 2)


LAYOUTS = {
    "contiguous": lambda m: m.zeros(2, 3),
    "transposed": lambda m: m.zeros(2, 3).T,
    "column": lambda m: m.zeros(2, 3)[:, 1],
    "row_slice": lambda m: m.zeros(4, 3)[1:3],
    "step": lambda m: m.arange(10.0)[::3],
    "size_one_dims": lambda m: m.zeros(3, 1),
    "unsqueezed": lambda m: m.zeros(3).unsqueeze(0),
    "expanded": lambda m: m.zeros(3, 1).expand(3, 4),
    "permuted": lambda m: m.zeros(2, 3, 4).permute(2, 0, 1),
    "offset_view": lambda m: m.zeros(6)[2:].view(2, 2),
    "scalar": lambda m: m.tensor(1.0),
}


@pytest.mark.parametrize("make", cases(LAYOUTS))
def test_strides_contiguity_and_offsets(make):
    assert_same(lambda m: (make(m).stride(), make(m).is_contiguous(), make(m).storage_offset()))


def test_stride_of_one_dim():
    assert_same(lambda m: (X(m).stride(0), X(m).stride(-1)))
    assert_same(lambda m: X(m).stride(5))


# -- conversions to Python and NumPy -----------------------------------------------------------------

CONVERSIONS = {
    "item_float": lambda m: m.tensor(2.5).item(),
    "item_one_element": lambda m: m.tensor([[2]]).item(),
    "item_many": lambda m: X(m).item(),
    "item_empty": lambda m: m.tensor([]).item(),
    "item_bool": lambda m: m.tensor(True).item(),
    "item_int": lambda m: m.tensor(3).item(),
    "item_float32_precision": lambda m: m.tensor(0.1).item(),
    "item_float16": lambda m: m.tensor(0.1, dtype=m.float16).item(),
    "item_complex": lambda m: m.tensor(1 + 2j).item(),
    "item_uint8": lambda m: m.tensor(200, dtype=m.uint8).item(),
    "item_requires_grad": lambda m: m.tensor(2.0, requires_grad=True).item(),
    "tolist": lambda m: X(m).tolist(),
    "tolist_0d": lambda m: m.tensor(1.5).tolist(),
    "tolist_int": lambda m: m.tensor([[1, 2]]).tolist(),
    "tolist_bool": lambda m: m.tensor([True]).tolist(),
    "tolist_requires_grad": lambda m: LEAF(m).tolist(),
    "tolist_empty": lambda m: m.zeros(2, 0).tolist(),
    "tolist_element_types": lambda m: [
        type(v).__name__ for v in m.tensor([1, 2]).tolist() + m.tensor([1.0]).tolist()
    ],
    "numpy": lambda m: X(m).numpy(),
    "numpy_requires_grad": lambda m: LEAF(m).numpy(),
    "numpy_force": lambda m: LEAF(m).numpy(force=True),
    "numpy_detached": lambda m: LEAF(m).detach().numpy(),
    "numpy_int": lambda m: m.tensor([1, 2]).numpy(),
    "numpy_bool": lambda m: m.tensor([True]).numpy(),
    "numpy_0d": lambda m: m.tensor(1.0).numpy(),
    "numpy_float16": lambda m: m.tensor([1.0], dtype=m.float16).numpy(),
    "asarray": lambda m: np.asarray(X(m)),
    "asarray_dtype": lambda m: np.asarray(X(m), dtype=np.float64),
    "asarray_requires_grad": lambda m: np.asarray(LEAF(m)),
    "array": lambda m: np.array(X(m)),
    "array_0d_int": lambda m: np.array(m.tensor(3)),
    "numpy_ufunc_on_tensor_array": lambda m: np.add(np.ones(3), np.asarray(m.ones(3))),
    "numpy_sum": lambda m: float(np.sum(m.ones(3))),
    "float": lambda m: float(m.tensor([2.5])),
    "float_of_int": lambda m: float(m.tensor(3)),
    "float_of_bool": lambda m: float(m.tensor(True)),
    "float_many": lambda m: float(X(m)),
    "float_empty": lambda m: float(m.tensor([])),
    "float_requires_grad": lambda m: float(m.tensor(2.0, requires_grad=True)),
    "float_complex": lambda m: float(m.tensor(2j)),
    "float_real_complex": lambda m: float(m.tensor(2 + 0j)),
    "int": lambda m: int(m.tensor(2.7)),
    "int_negative": lambda m: int(m.tensor(-2.7)),
    "int_many": lambda m: int(X(m)),
    "int_nan": lambda m: int(m.tensor(float("nan"))),
    "int_inf": lambda m: int(m.tensor(float("inf"))),
    "int_huge": lambda m: int(m.tensor(1e30, dtype=m.float64)),
    "int_complex": lambda m: int(m.tensor(2j)),
    "int_uint8": lambda m: int(m.tensor(200, dtype=m.uint8)),
    "complex": lambda m: complex(m.tensor(2.0)),
    "complex_int": lambda m: complex(m.tensor(3)),
    "complex_one_element": lambda m: complex(m.tensor([2.0])),
    "complex_many": lambda m: complex(m.tensor([2.0, 3.0])),
    "round": lambda m: round(m.tensor(2.567).item(), 2),
    "math_floor": lambda m: math.floor(float(m.tensor(2.5))),
    "percent_f": lambda m: "%.2f" % m.tensor(3.0),
    "percent_d": lambda m: "%d" % m.tensor(3),
    "percent_d_float": lambda m: "%d" % m.tensor(3.5),
    "percent_s": lambda m: "%s" % m.tensor(3.0),
}


@pytest.mark.parametrize("fn", cases(CONVERSIONS))
def test_conversions(fn):
    assert_same(fn)


def test_numpy_errors_match_torch_messages():
    assert_same(lambda m: LEAF(m).numpy(), message=True)
    assert_same(lambda m: float(X(m)), message=True)
    assert_same(lambda m: X(m).item(), message=True)


def test_numpy_shares_memory_both_ways():
    t = chainrule.zeros(3)
    a = t.numpy()
    a[0] = 5.0
    assert t[0].item() == 5.0
    t.add_(1.0)
    assert a.tolist() == [6.0, 1.0, 1.0]
    b = np.asarray(t)
    assert np.shares_memory(a, b)


def test_numpy_of_view_is_a_view():
    base = chainrule.zeros(2, 3)
    col = base[:, 1].numpy()
    col[:] = 7.0
    assert base.tolist() == [[0.0, 7.0, 0.0], [0.0, 7.0, 0.0]]


# -- dunders -----------------------------------------------------------------------------------------

DUNDERS = {
    "len": lambda m: len(X(m)),
    "len_0d": lambda m: len(m.tensor(1.0)),
    "len_1d": lambda m: len(m.zeros(5)),
    "len_empty_rows": lambda m: len(m.zeros(0, 3)),
    "iter": lambda m: list(X(m)),
    "iter_1d": lambda m: list(m.tensor([1, 2])),
    "iter_0d": lambda m: list(m.tensor(1.0)),
    "iter_empty": lambda m: list(m.zeros(0)),
    "iter_requires_grad": lambda m: list(LEAF(m)),
    "unpack": lambda m: (lambda a, b: (a, b))(*m.tensor([1, 2])),
    "zip": lambda m: [(a.item(), b) for a, b in zip(m.tensor([1, 2, 3]), "ab", strict=False)],
    "bool_one": lambda m: bool(m.tensor([1.0])),
    "bool_zero": lambda m: bool(m.tensor(0.0)),
    "bool_many": lambda m: bool(m.tensor([1.0, 2.0])),
    "bool_empty": lambda m: bool(m.tensor([])),
    "bool_nan": lambda m: bool(m.tensor(float("nan"))),
    "bool_complex": lambda m: bool(m.tensor(1j)),
    "if": lambda m: 1 if m.tensor(2) else 0,
    "not": lambda m: not m.tensor(0),
    "and": lambda m: bool(m.tensor(1) and m.tensor(0)),
    "index_range": lambda m: list(range(m.tensor(3))),
    "index_list": lambda m: [10, 20, 30][m.tensor(1)],
    "index_float": lambda m: [10, 20, 30][m.tensor(1.0)],
    "index_one_element": lambda m: [10, 20, 30][m.tensor([1])],
    "index_many": lambda m: [10, 20, 30][m.tensor([1, 2])],
    "index_bool": lambda m: [10, 20, 30][m.tensor(True)],
    "index_uint8": lambda m: [1, 2, 3][m.tensor(1, dtype=m.uint8)],
    "index_slice": lambda m: [10, 20, 30, 40][m.tensor(1) : m.tensor(3)],
    "operator_index": lambda m: operator.index(m.tensor(5)),
    "hex": lambda m: hex(m.tensor(255)),
    "format_0d": lambda m: f"{m.tensor(2.5):.3f}",
    "format_0d_empty_spec": lambda m: f"{m.tensor(2.5)}",
    "format_0d_int": lambda m: f"{m.tensor(3):03d}",
    "format_0d_requires_grad": lambda m: f"{m.tensor(2.5, requires_grad=True):.1f}",
    "format_0d_align": lambda m: "{:>5}".format(m.tensor(3)),
    "format_1d_spec": lambda m: f"{m.tensor([2.5]):.2f}",
    "format_2d_spec": lambda m: f"{X(m):.3f}",
    "format_1d_empty_spec": lambda m: f"{m.zeros(2)}",
    "str_of_list": lambda m: str([m.tensor(1.0), m.tensor(2)]),
    "abs": lambda m: abs(m.tensor([-1])),
    "pos": lambda m: +m.tensor([-1.5]),
    "contains": lambda m: 2 in m.tensor([1, 2]),
    "contains_not": lambda m: 5 in m.tensor([1, 2]),
}


@pytest.mark.parametrize("fn", cases(DUNDERS))
def test_dunders(fn):
    assert_same(fn)


def test_len_and_bool_messages():
    assert_same(lambda m: len(m.tensor(1.0)), message=True)
    assert_same(lambda m: bool(m.tensor([1.0, 2.0])), message=True)
    assert_same(lambda m: bool(m.tensor([])), message=True)
    assert_same(lambda m: [1, 2][m.tensor(1.0)], message=True)


def test_iteration_yields_views_sharing_memory():
    t = chainrule.zeros(2, 2)
    rows = list(t)
    rows[1].add_(1.0)
    assert t.tolist() == [[0.0, 0.0], [1.0, 1.0]]


def test_tensors_hash_by_identity():
    def run(m):
        a, b = m.tensor(1.0), m.tensor(1.0)
        table = {a: "a", b: "b"}
        return len({a, b}), table[a], table[b], a in {a}, b in {a}, hash(a) == hash(a), len({a, a})

    assert_same(run)


def test_tensor_keys_survive_in_place_changes():
    t = chainrule.zeros(2)
    table = {t: 1}
    t.add_(1.0)
    assert table[t] == 1


def test_copy_copy_is_a_new_leaf_on_the_same_memory():
    def run(m):
        x = LEAF(m)
        y = copy.copy(x)
        y.data[0] = 5.0
        z = copy.copy(x * 2)
        return y is x, y.requires_grad, y.is_leaf, x, z.is_leaf, z.requires_grad

    assert_same(run)


def test_deepcopy():
    def run(m):
        x = LEAF(m)
        (x * 2).sum().backward()
        y = copy.deepcopy(x)
        y.data[0] = 5.0
        return x, y, y.grad, y.is_leaf

    assert_same(run)
    assert_same(lambda m: copy.deepcopy(LEAF(m) * 2))


# -- copies and dtype conversions --------------------------------------------------------------------

COPIES = {
    "clone": lambda m: X(m).clone(),
    "clone_is_new": lambda m: (lambda x: x.clone() is x)(X(m)),
    "clone_of_leaf": lambda m: (lambda c: (c, c.is_leaf, c.grad_fn.name()))(LEAF(m).clone()),
    "clone_keeps_layout": lambda m: X(m).T.clone().stride(),
    "clone_copies": lambda m: (lambda x: (x.clone().add_(1), x)[1])(X(m)),
    "contiguous": lambda m: (lambda x: x.contiguous() is x)(X(m)),
    "contiguous_of_transpose": lambda m: (lambda c: (c, c.is_contiguous(), c.stride()))(X(m).T.contiguous()),
    "contiguous_of_leaf_transpose": lambda m: m.ones(2, 3, requires_grad=True).T.contiguous().grad_fn.name(),
    "contiguous_grad": lambda m: (
        lambda x: ((x.T.contiguous() * m.arange(6.0).view(3, 2)).sum().backward(), x.grad)[1]
    )(m.ones(2, 3, requires_grad=True)),
    "contiguous_copies": lambda m: (lambda x: (x.T.contiguous().add_(1), x)[1])(X(m)),
}


@pytest.mark.parametrize("fn", cases(COPIES))
def test_clone_and_contiguous(fn):
    assert_same(fn)


TO = {
    "dtype": lambda m: X(m).to(m.float64),
    "same_dtype_is_self": lambda m: (lambda x: x.to(m.float32) is x)(X(m)),
    "same_dtype_copy": lambda m: (lambda x: x.to(m.float32, copy=True) is x)(X(m)),
    "positional_copy": lambda m: (lambda x: x.to(m.float32, False, True) is x)(X(m)),
    "cpu_is_self": lambda m: (lambda x: x.to("cpu") is x)(X(m)),
    "device_object_is_self": lambda m: (lambda x: x.to(m.device("cpu")) is x)(X(m)),
    "device_and_dtype": lambda m: X(m).to("cpu", m.int32),
    "device_dtype_flags": lambda m: X(m).to("cpu", m.int32, False, True),
    "keywords": lambda m: X(m).to(device="cpu", dtype=m.int32),
    "keyword_dtype": lambda m: X(m).to(dtype=m.int32),
    "other_tensor": lambda m: X(m).to(m.tensor([1])),
    "other_tensor_copy": lambda m: X(m).to(m.zeros(1, dtype=m.int32), copy=True),
    "none": lambda m: (lambda x: x.to(None) is x)(X(m)),
    "nothing": lambda m: (lambda x: x.to() is x)(X(m)),
    "two_dtypes": lambda m: X(m).to(m.float64, m.int32),
    "two_devices": lambda m: X(m).to("cpu", "cpu"),
    "string_dtype": lambda m: X(m).to("float64"),
    "bad_keyword": lambda m: X(m).to(other=X(m)),
    "non_blocking": lambda m: X(m).to(m.float64, non_blocking=True),
    "keeps_graph": lambda m: (lambda y: (y, y.is_leaf, y.grad_fn.name()))(LEAF(m).to(m.float64)),
    "to_int_leaves_graph": lambda m: (lambda y: (y, y.is_leaf, y.grad_fn))(LEAF(m).to(m.int64)),
    "gradient_through_to": lambda m: (lambda x: ((x.to(m.float64) * 3).sum().backward(), x.grad)[1])(LEAF(m)),
    "float_to_int_truncates": lambda m: m.tensor([1.7, -2.7, 0.5]).to(m.int64),
    "float_to_uint8": lambda m: m.tensor([1.7, 255.0, 3.2]).to(m.uint8),
    "int_to_bool": lambda m: m.tensor([0, 2, -1]).to(m.bool),
    "complex_to_float": lambda m: m.tensor([1 + 2j]).to(m.float32),
}


@pytest.mark.parametrize("fn", cases(TO))
def test_to(fn):
    assert_same(fn)


CASTS = ["float", "double", "half", "long", "int", "short", "char", "byte", "bool", "cfloat", "cdouble"]


@pytest.mark.parametrize("method", CASTS)
@pytest.mark.parametrize("source", [[1.7, -2.7, 0.0], [1, 0, 3], [True, False]], ids=["float", "int", "bool"])
def test_cast_methods(method, source):
    assert_same(lambda m: getattr(m.tensor(source), method)())


def test_cast_method_to_same_dtype_is_self():
    assert_same(lambda m: (lambda x: (x.float() is x, x.double() is x))(X(m)))


TYPE = {
    "name_float": lambda m: X(m).type(),
    "names": lambda m: [
        m.zeros(1, dtype=getattr(m, d)).type()
        for d in (
            "float64",
            "float16",
            "int64",
            "int32",
            "int16",
            "int8",
            "uint8",
            "bool",
            "complex64",
            "complex128",
        )
    ],
    "to_dtype": lambda m: X(m).type(m.int64),
    "keyword": lambda m: X(m).type(dtype=m.int64),
    "by_name": lambda m: X(m).type("torch.IntTensor"),
    "by_name_double": lambda m: X(m).type("torch.DoubleTensor"),
    "by_name_same": lambda m: (lambda x: x.type("torch.FloatTensor") is x)(X(m)),
    "bad_name": lambda m: X(m).type("float"),
    "type_as": lambda m: m.tensor([1.5]).type_as(m.tensor([1])),
    "type_as_same": lambda m: (lambda x: x.type_as(m.zeros(1)) is x)(X(m)),
}


@pytest.mark.parametrize("fn", cases(TYPE))
def test_type(fn):
    assert_same(fn)


def test_requires_grad_on_integer_tensors_raises():
    assert_same(lambda m: m.tensor([1]).requires_grad_())
    assert_same(lambda m: setattr(m.tensor([1]), "requires_grad", True))
    assert_same(lambda m: m.tensor([True]).requires_grad_())
    assert_same(lambda m: m.tensor([1j]).requires_grad_().requires_grad)
