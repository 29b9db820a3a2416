"""``repr``/``str`` of real tensors, character for character as PyTorch prints them.

tests/test_printing.py checks the formatter on arrays; these tests check how Tensor wires
it up: dtype suffixes, ``requires_grad=True`` on leaves, ``grad_fn=<...>`` on results, the
default dtype and the print options, all through ``chainrule.tensor`` and friends.
"""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")

import chainrule  # noqa: E402


def both(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(chainrule), fn(torch)


def assert_same_text(fn) -> None:
    got, expected = both(fn)
    assert got == expected


@pytest.fixture(autouse=True)
def _defaults():
    yield
    for m in (torch, chainrule):
        m.set_printoptions(profile="default")
        m.set_default_dtype(m.float32)


def leaf(m, data, **kw):
    return m.tensor(data, requires_grad=True, **kw)


TENSORS = {
    "scalar_integer_valued": lambda m: m.tensor(4.0),
    "scalar": lambda m: m.tensor(-2.6146),
    "vector": lambda m: m.tensor([0.0, 1.0, 0.0]),
    "vector_decimals": lambda m: m.tensor([1.5, -0.25, 3.0]),
    "int": lambda m: m.tensor([1, 2, 3]),
    "int_scalar": lambda m: m.tensor(7),
    "int32": lambda m: m.tensor([1, 2], dtype=m.int32),
    "int16": lambda m: m.tensor([1, -2], dtype=m.int16),
    "int8": lambda m: m.tensor([1, -2], dtype=m.int8),
    "uint8": lambda m: m.tensor([1, 255], dtype=m.uint8),
    "bool": lambda m: m.tensor([True, False]),
    "bool_scalar": lambda m: m.tensor(True),
    "float64": lambda m: m.tensor([1.5], dtype=m.float64),
    "float16": lambda m: m.tensor([1.5], dtype=m.float16),
    "complex64": lambda m: m.tensor([1.5 + 1j, -2j]),
    "complex128": lambda m: m.tensor([1.5 + 1j], dtype=m.complex128),
    "nan_inf": lambda m: m.tensor([float("nan"), 1.5, float("inf"), -float("inf")]),
    "negative_zero": lambda m: m.tensor([-0.0, 1.0]),
    "scientific": lambda m: m.tensor([1e-5, 1.0, 1e5]),
    "large_values": lambda m: m.tensor([1e10, 2.0]),
    "empty": lambda m: m.zeros(0),
    "empty_2d": lambda m: m.zeros(0, 3),
    "empty_int": lambda m: m.zeros(0, dtype=m.int64),
    "empty_float64": lambda m: m.zeros(2, 0, dtype=m.float64),
    "matrix": lambda m: m.arange(6.0).reshape(2, 3) / 7,
    "nested_3d": lambda m: m.arange(24.0).reshape(2, 3, 4),
    "nested_4d_int": lambda m: m.arange(16).reshape(2, 2, 2, 2),
    "summarised_1d": lambda m: m.arange(2000.0),
    "summarised_2d_int": lambda m: m.arange(3000).reshape(30, 100),
    "summarised_3d": lambda m: m.arange(4000.0).reshape(10, 20, 20) / 3,
    "wide_row_wraps": lambda m: m.arange(30.0) / 7,
    "transposed_int": lambda m: m.tensor([[1, 2], [3, 4]]).T,
    "strided_view": lambda m: m.arange(10.0)[::3],
    "linspace": lambda m: m.linspace(-1, 1, 9),
    "eye": lambda m: m.eye(3),
    "ones_int32": lambda m: m.ones(2, 2, dtype=m.int32),
    "full_bool": lambda m: m.full((2, 2), True),
    "leaf": lambda m: leaf(m, [1.0, 2.0]),
    "leaf_scalar": lambda m: leaf(m, 1.5),
    "leaf_float64": lambda m: leaf(m, [1.5], dtype=m.float64),
    "leaf_complex": lambda m: leaf(m, [1j]),
    "leaf_matrix": lambda m: m.ones(2, 3, requires_grad=True),
    "leaf_wide": lambda m: m.arange(12.0, requires_grad=True),
    "leaf_wraps_suffix": lambda m: m.arange(18.0, requires_grad=True) / 7,
    "leaf_float64_wide": lambda m: m.arange(18.0, dtype=m.float64, requires_grad=True) / 7,
    "detached": lambda m: leaf(m, [1.0]).detach(),
    "data": lambda m: leaf(m, [1.0]).data,
    "grad": lambda m: (lambda x: ((x * 3).sum().backward(), x.grad)[1])(leaf(m, [1.0, 2.0])),
    "mul": lambda m: leaf(m, 2.0) * m.tensor(-1.3073),
    "add_scalar": lambda m: leaf(m, [2.0]) + 1,
    "sub_scalar": lambda m: leaf(m, [2.0]) - 3,
    "div_scalar": lambda m: leaf(m, [2.0]) / 3,
    "neg": lambda m: -leaf(m, [2.0]),
    "pow": lambda m: leaf(m, [2.0]) ** 2,
    "sum": lambda m: (leaf(m, [2.0]) * 3).sum(),
    "sum_dim": lambda m: m.ones(2, 2, requires_grad=True).sum(0),
    "mean": lambda m: leaf(m, [2.0, 3.0]).mean(),
    "exp": lambda m: leaf(m, [2.0]).exp(),
    "log": lambda m: leaf(m, [2.0]).log(),
    "sqrt": lambda m: leaf(m, [2.0]).sqrt(),
    "sin_cos": lambda m: leaf(m, [2.0]).sin().cos(),
    "tanh": lambda m: leaf(m, [2.0]).tanh(),
    "sigmoid": lambda m: leaf(m, [2.0]).sigmoid(),
    "relu": lambda m: leaf(m, [2.0, -1.0]).relu(),
    "abs": lambda m: leaf(m, [-2.0]).abs(),
    "clamp": lambda m: leaf(m, [2.0, -1.0]).clamp(0, 0.5),
    "where": lambda m: m.where(m.tensor([True, False]), leaf(m, [1.0, 2.0]), 0.0),
    "view": lambda m: leaf(m, [2.0, 3.0]).view(2, 1),
    "reshape": lambda m: m.ones(4, requires_grad=True).reshape(2, 2),
    "index": lambda m: leaf(m, [2.0, 3.0])[0],
    "T": lambda m: m.ones(2, 2, requires_grad=True).T,
    "t": lambda m: m.ones(2, 2, requires_grad=True).t(),
    "transpose": lambda m: m.ones(2, 2, requires_grad=True).transpose(0, 1),
    "permute": lambda m: m.ones(2, 2, requires_grad=True).permute(1, 0),
    "unsqueeze": lambda m: leaf(m, [1.0, 1.0]).unsqueeze(0),
    "expand": lambda m: leaf(m, [1.0]).expand(3),
    "flatten": lambda m: m.ones(2, 2, requires_grad=True).flatten(),
    "matmul": lambda m: m.ones(2, 2, requires_grad=True) @ m.ones(2),
    "mm": lambda m: m.ones(2, 2, requires_grad=True).mm(m.ones(2, 2)),
    "to_double": lambda m: leaf(m, [1.0]).double(),
    "clone": lambda m: leaf(m, [1.0]).clone(),
    "contiguous": lambda m: m.ones(2, 3, requires_grad=True).T.contiguous(),
    "matrix_result": lambda m: m.ones(3, 4, requires_grad=True) * 2.123,
    "wide_result": lambda m: m.arange(20.0, requires_grad=True) * 1.5,
    "float64_result": lambda m: leaf(m, [2.0], dtype=m.float64) * 2,
    "int_result_of_float": lambda m: leaf(m, [2.5]) > 1,
    "normal": lambda m: m.normal(m.zeros(2, requires_grad=True), 0.0),
}


@pytest.mark.parametrize("fn", [pytest.param(f, id=k) for k, f in TENSORS.items()])
def test_repr_matches_torch(fn):
    assert_same_text(lambda m: repr(fn(m)))


@pytest.mark.parametrize("fn", [pytest.param(f, id=k) for k, f in TENSORS.items()])
def test_repr_under_default_float64(fn):
    def run(m):
        m.set_default_dtype(m.float64)
        return repr(fn(m))

    assert_same_text(run)


@pytest.mark.parametrize("name", ["vector_decimals", "int", "bool", "leaf", "mul", "float64", "matrix"])
def test_str_print_and_format_match_torch(name, capsys):
    fn = TENSORS[name]
    assert_same_text(lambda m: str(fn(m)))
    assert_same_text(lambda m: f"{fn(m)}")
    assert_same_text(lambda m: str([fn(m)]))
    print(fn(chainrule))
    out = capsys.readouterr().out
    print(fn(torch))
    assert out == capsys.readouterr().out


OPTIONS = [
    dict(precision=2),
    dict(precision=8),
    dict(threshold=5),
    dict(edgeitems=1, threshold=5),
    dict(edgeitems=0, threshold=5),
    dict(linewidth=40),
    dict(sci_mode=True),
    dict(sci_mode=False),
    dict(profile="short"),
    dict(profile="full"),
]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
@pytest.mark.parametrize(
    "fn",
    [
        pytest.param(lambda m: m.arange(30.0).reshape(5, 6) / 7, id="matrix"),
        pytest.param(lambda m: m.arange(30.0, requires_grad=True) * 1e-3, id="result"),
        pytest.param(
            lambda m: m.tensor([123456.789, 1e-3], dtype=m.float64, requires_grad=True), id="float64_leaf"
        ),
        pytest.param(lambda m: m.arange(40).reshape(2, 4, 5), id="int"),
    ],
)
def test_repr_with_print_options(fn, options):
    def run(m):
        m.set_printoptions(**options)
        return repr(fn(m))

    assert_same_text(run)


def test_printoptions_context_restores():
    # chainrule.printoptions is a convenience PyTorch keeps private (torch._tensor_str.printoptions).
    x = chainrule.tensor([1.23456789])
    with chainrule.printoptions(precision=2):
        inside = repr(x)
    torch.set_printoptions(precision=2)
    assert inside == repr(torch.tensor([1.23456789]))
    torch.set_printoptions(profile="default")
    assert repr(x) == repr(torch.tensor([1.23456789]))


def test_repr_of_grad_fn_name_and_node():
    assert_same_text(lambda m: (m.ones(2, requires_grad=True) * 2).grad_fn.name())
    assert_same_text(lambda m: repr((m.ones(2, requires_grad=True) * 2).grad_fn).split(" object")[0])
