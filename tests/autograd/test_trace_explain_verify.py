"""autograd.trace, autograd.explain, autograd.verify_gradients and ops.capabilities.

PyTorch is the oracle for every gradient these tools report.
"""

import io
import re
import sys

import numpy as np
import pytest
import torch

import chainrule
from chainrule.autograd import engine, function


class MyReLU(chainrule.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


class BadSquare(chainrule.autograd.Function):
    """x * x with a backward that forgets the factor 2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x


class ScaleBy(chainrule.autograd.Function):
    """New-style (setup_context), two inputs, a broadcast gradient for the second."""

    @staticmethod
    def forward(x, s):
        return x * s

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(*inputs)

    @staticmethod
    def backward(ctx, grad):
        x, s = ctx.saved_tensors
        return grad * s, grad * x  # the engine sums the second back to s's shape


def _chain(mod, x):
    """x -> mul -> sin -> div -> sum; returns the loss and the intermediate tensors."""
    a = x * 3.0
    b = mod.sin(a)
    c = b / mod.tensor([2.0, 4.0, 0.5, 1.0])
    return c.sum(), [c, b, a]


# -- trace ------------------------------------------------------------------------------------


def test_trace_records_each_node_with_torch_gradient_norms():
    vals = np.array([0.3, -1.2, 2.0, 0.7])
    x = chainrule.tensor(vals, requires_grad=True)
    loss, _ = _chain(chainrule, x)
    with chainrule.autograd.trace() as t:
        loss.backward()
    tx = torch.tensor(vals, requires_grad=True)
    tloss, inter = _chain(torch, tx)
    for z in inter:
        z.retain_grad()
    tloss.backward()
    assert [r["op"] for r in t.records] == [
        "SumBackward0", "DivBackward0", "SinBackward0", "MulBackward0", "torch::autograd::AccumulateGrad",
    ]
    assert [r["op"] for r in t.records[:4]] == [
        tloss.grad_fn.name(), inter[0].grad_fn.name(), inter[1].grad_fn.name(), inter[2].grad_fn.name(),
    ]
    # The gradient arriving at each node is torch's gradient of the tensor that node made.
    arriving = [tloss.new_ones(())] + [z.grad for z in inter] + [tx.grad]
    for rec, g in zip(t.records, arriving, strict=True):
        assert rec["grad_out_shape"] == [tuple(g.shape)]
        assert rec["grad_out_norm"][0] == pytest.approx(float(g.norm()), rel=1e-12)
        assert rec["grad_out_max_abs"][0] == pytest.approx(float(g.abs().max()), rel=1e-12)
        assert rec["nan"] is False and rec["inf"] is False and rec["time_s"] >= 0
        assert rec["forward"] is None  # not recorded: no record_forward during the forward
    # DivBackward0's outgoing gradients: to b, and None to the constant divisor.
    assert t.records[1]["grad_in_shape"] == [(4,), None]
    assert t.records[1]["grad_in_norm"][0] == pytest.approx(float(inter[1].grad.norm()), rel=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_trace_records_are_plain_data_and_repeatable():
    def run():
        x = chainrule.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        loss, _ = _chain(chainrule, x)
        with chainrule.autograd.trace() as t:
            loss.backward()
        return [{k: v for k, v in r.items() if k != "time_s"} for r in t.records]

    a, b = run(), run()
    assert a == b
    assert repr(eval(repr(a))) == repr(a)  # only literals: dicts, lists, tuples, floats, str, None


def test_trace_flags_nan_and_inf():
    x = chainrule.tensor([1.0, -1.0, 0.0], requires_grad=True)
    with chainrule.autograd.trace() as t:
        chainrule.sqrt(x).sum().backward()
    sqrt = [r for r in t.records if r["op"] == "SqrtBackward0"][0]
    # torch agrees: d sqrt(x)/dx at -1 is NaN, at 0 it is inf.
    tx = torch.tensor([1.0, -1.0, 0.0], requires_grad=True)
    torch.sqrt(tx).sum().backward()
    assert sqrt["nan"] == bool(tx.grad.isnan().any()) and sqrt["inf"] == bool(tx.grad.isinf().any())
    assert t.records[0]["nan"] is False and t.records[0]["inf"] is False


def test_trace_record_forward_gives_file_and_line_of_the_forward_call():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    with chainrule.autograd.trace(record_forward=True) as t:
        y = x * 2.0
        line_mul = sys._getframe().f_lineno - 1
        z = chainrule.sin(y).sum()
        line_sum = sys._getframe().f_lineno - 1
        z.backward()
    sites = {r["op"]: r["forward"] for r in t.records}
    assert sites["MulBackward0"] == f"{__file__}:{line_mul}"
    assert sites["SinBackward0"] == sites["SumBackward0"] == f"{__file__}:{line_sum}"
    assert sys.getprofile() is None


def test_trace_reads_forward_locations_that_anomaly_mode_kept():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    from chainrule.autograd.anomaly_mode import detect_anomaly  # the module: its export may come later

    with pytest.warns(UserWarning), detect_anomaly():
        y = chainrule.exp(x).sum()
        line = sys._getframe().f_lineno - 1
    if not (y.grad_fn._hooks or {}).get("metadata", {}).get("traceback_"):
        pytest.skip("anomaly mode does not keep creation stacks of op nodes in this build")
    with chainrule.autograd.trace() as t:
        y.backward()
    assert [r["forward"] for r in t.records[:2]] == [f"{__file__}:{line}"] * 2


def test_trace_table_prints_one_line_per_record():
    x = chainrule.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    loss, _ = _chain(chainrule, x)
    with chainrule.autograd.trace() as t:
        loss.backward()
    buf = io.StringIO()
    t.table(file=buf)
    lines = buf.getvalue().splitlines()
    assert len(lines) == 2 + len(t.records)
    assert lines[2].split()[:2] == ["0", "SumBackward0"] and "AccumulateGrad" in lines[-1]


def test_hooks_are_off_outside_the_blocks_even_after_an_error():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ZeroDivisionError):
        with chainrule.autograd.trace():
            with chainrule.autograd.verify_gradients():
                raise ZeroDivisionError
    assert engine.node_hook is None and function.apply_hook is None
    (x * x).sum().backward()  # runs without any hook
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])


# -- explain ----------------------------------------------------------------------------------


def test_explain_seed_example_reads_as_the_chain_rule():
    x = chainrule.tensor(2.0, requires_grad=True)
    buf = io.StringIO()
    (g,) = chainrule.autograd.explain(chainrule.sin(x**2), x, file=buf)
    tx = torch.tensor(2.0, requires_grad=True)
    (tg,) = torch.autograd.grad(torch.sin(tx**2), tx)
    want = str(tg).removeprefix("tensor(").removesuffix(")")  # -2.6146, as torch prints it
    text = buf.getvalue()
    assert f"chain rule: d sin(x^2)/dx = cos(4) * 2 * 2 = {want} at x = 2" in text
    assert "SinBackward0" in text and "PowBackward0" in text and "cos(u)" in text
    assert float(g) == pytest.approx(float(tg), rel=1e-6)
    assert x.grad is None  # explain accumulates nothing


def test_explain_says_where_a_broadcast_gradient_was_summed():
    a_np, b_np = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([10.0, 20.0])
    a = chainrule.tensor(a_np, requires_grad=True)
    b = chainrule.tensor(b_np, requires_grad=True)
    buf = io.StringIO()
    ga, gb = chainrule.autograd.explain((a * b).sum(), (a, b), names={"a": a, "b": b}, file=buf)
    ta, tb = torch.tensor(a_np, requires_grad=True), torch.tensor(b_np, requires_grad=True)
    tga, tgb = torch.autograd.grad((ta * tb).sum(), (ta, tb))
    np.testing.assert_allclose(ga.numpy(), tga.numpy())
    np.testing.assert_allclose(gb.numpy(), tgb.numpy())
    line = [s for s in buf.getvalue().splitlines() if "broadcast" in s]
    assert len(line) == 1 and "(2,)" in line[0] and "(2, 2)" in line[0]
    summed = re.search(r"-> \[(.*)\]", line[0]).group(1)
    np.testing.assert_allclose([float(v) for v in summed.split(",")], tgb.numpy())


def test_explain_custom_function_and_two_paths():
    x = chainrule.tensor([-1.0, 2.0], requires_grad=True)
    buf = io.StringIO()
    (g,) = chainrule.autograd.explain((MyReLU.apply(x) * x).sum(), x, file=buf)
    tx = torch.tensor([-1.0, 2.0], requires_grad=True)
    (tg,) = torch.autograd.grad((torch.relu(tx) * tx).sum(), tx)
    np.testing.assert_allclose(g.numpy(), tg.numpy())
    text = buf.getvalue()
    assert "MyReLUBackward" in text and "MyReLU.backward (your code)" in text
    assert "chain rule:" not in text  # two paths from y to x: no single product


# -- verify_gradients -------------------------------------------------------------------------


def test_verify_passes_a_correct_custom_function():
    x = chainrule.tensor([-1.0, 2.0, -3.0, 0.5], requires_grad=True)
    with chainrule.autograd.verify_gradients() as v:
        y = MyReLU.apply(x)
        y.backward(chainrule.ones_like(x))
    assert v.checked == 1
    assert x.grad.tolist() == [0.0, 1.0, 0.0, 1.0]


def test_verify_raises_naming_the_function_the_input_and_both_gradients():
    x = chainrule.tensor([1.0, -2.0, 3.0], requires_grad=True)
    with pytest.raises(chainrule.autograd.GradcheckError) as err:
        with chainrule.autograd.verify_gradients():
            BadSquare.apply(x).sum().backward()
    msg = str(err.value)
    assert "BadSquare" in msg and "input 0" in msg
    tx = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    (tx * tx).sum().backward()  # the right gradient, which the message must show
    assert "[ 1. -2.  3.]" in msg and np.array2string(tx.grad.numpy(), precision=6) in msg


def test_verify_new_style_function_with_a_broadcast_gradient():
    x = chainrule.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    s = chainrule.tensor([1.0, -2.0, 0.5], requires_grad=True)
    with chainrule.autograd.verify_gradients() as v:
        (ScaleBy.apply(x, s) ** 2).sum().backward()
    assert v.checked == 2
    tx, ts = torch.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True), torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
    ((tx * ts) ** 2).sum().backward()
    np.testing.assert_allclose(s.grad.numpy(), ts.grad.numpy())


def test_verify_builtin_ops_and_sampling():
    x = chainrule.tensor([0.3, -0.7, 1.1], requires_grad=True)
    w = chainrule.tensor([2.0, 0.5, -1.0], requires_grad=True)
    with chainrule.autograd.verify_gradients(builtin_ops=True) as v:
        (chainrule.tanh(x * w) / (1.0 + w * w)).sum().backward()
    assert v.checked >= 4
    with chainrule.autograd.verify_gradients(sample=0.0) as v:
        BadSquare.apply(x).sum().backward()  # wrong, but never sampled
    assert v.checked == 0
    with pytest.raises(ValueError):
        chainrule.autograd.verify_gradients(sample=2.0)


# -- ops.capabilities ---------------------------------------------------------------------------


def _registry_facts():
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent.parent))
    from opinfo import OPS, prim_key

    proven_bw, proven_gg, raises = set(), set(), set()
    for op in OPS:
        for k in op.prims:
            k = k.removeprefix("_")
            if op.backward_raises:
                raises.add(k)
            elif op.differentiable and not {"grad", "gradcheck"} & set(op.skips):
                proven_bw.add(k)
                if op.gradgrad and "gradgradcheck" not in op.skips:
                    proven_gg.add(k)
    return proven_bw, proven_gg, raises, prim_key


def test_capabilities_agree_with_what_the_op_tests_prove():
    from chainrule.ops._registry import PRIMITIVES

    rows = chainrule.ops.capabilities()
    proven_bw, proven_gg, raises, prim_key = _registry_facts()
    assert [r["op"] for r in rows] == [prim_key(p).removeprefix("_") for p in PRIMITIVES]
    by_op = {r["op"]: r for r in rows}
    # An entry names every primitive it runs; one whose node PyTorch calls "NotImplemented" or
    # "Error" (the tests compare node names with torch's) only runs forward in that entry.
    refusing = {r["op"] for r in rows if r["node"] in ("NotImplemented", "Error")}
    assert refusing and not any(by_op[k]["backward"] for k in refusing)
    proven_bw -= refusing
    assert sorted(k for k in proven_bw if not by_op[k]["backward"]) == []
    assert sorted(k for k in proven_gg - refusing if not by_op[k]["double_backward"]) == []
    assert sorted(k for k in raises - proven_bw if by_op[k]["backward"]) == []
    # (forward_mode, vmap and float16 are checked against tests/test_ops_jvp.py, tests/test_vmap_ops.py
    # and tests/test_float16.py)
    for r in rows:
        assert r["float16"] in (True, False, None)
        assert r["vmap"] == (r["batching"] is not None)
        assert r["forward_mode"] == (r["jvp"] is not None)
        assert not r["double_backward"] or r["backward"]


def test_capabilities_of_one_op():
    row = chainrule.ops.capabilities("cumprod")
    assert row == {
        "op": "cumprod", "node": "CumprodBackward0", "backward": True, "double_backward": True,
        "forward_mode": True, "jvp": "transpose", "vmap": True, "batching": "rule", "float16": True,
    }
    assert chainrule.ops.capabilities("CumprodBackward0") == row
    # torch agrees: cumprod computes in float16, its Cholesky factorizations do not.
    assert torch.cumprod(torch.tensor([1.5, 2.0], dtype=torch.float16), 0).dtype == torch.float16
    assert chainrule.ops.capabilities("cholesky")["float16"] is False  # all four cholesky* primitives
    with pytest.raises(NotImplementedError, match="Half"):
        torch.linalg.cholesky(torch.eye(2, dtype=torch.float16))
    with pytest.raises(NotImplementedError, match="float32"):
        chainrule.linalg.cholesky(chainrule.eye(2, dtype=chainrule.float16))
    assert chainrule.ops.capabilities("floor_divide")["backward"] is False
    # torch agrees that floor_divide has no derivative.
    with pytest.raises(RuntimeError, match="not implemented"):
        torch.floor_divide(torch.tensor([3.0], requires_grad=True), 2.0).sum().backward()
    with pytest.raises(ValueError):
        chainrule.ops.capabilities("no_such_op")
    assert "capabilities" not in chainrule.ops.__all__
