"""What GPU-aware training scripts call around the model (torch.cuda, torch.backends, compile,
autocast, GradScaler, torch.testing, torch.jit, device methods): chainrule answers as a
CPU-only PyTorch does. PyTorch 2.13 CPU is the oracle."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import chainrule  # noqa: E402

BOTH = (chainrule, torch)


def _outcome(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = fn()
        except Exception as exc:  # noqa: BLE001 - the outcome is the exception's type
            value = type(exc).__name__
    if hasattr(value, "dtype"):
        value = (str(value.dtype), value.detach().numpy().tolist())
    # (chainrule's messages may add advice in parentheses; PyTorch's C++ ones say where they came from)
    return value, [str(w.message).split(" (chainrule")[0].split(" (Triggered internally")[0] for w in caught
                   if "deprecated" not in str(w.message)]


CALLS = {
    "cuda.is_available": lambda m: m.cuda.is_available(),
    "cuda.device_count": lambda m: m.cuda.device_count(),
    "cuda.manual_seed": lambda m: m.cuda.manual_seed(0),
    "cuda.manual_seed_all": lambda m: m.cuda.manual_seed_all(0),
    "cuda.empty_cache": lambda m: m.cuda.empty_cache(),
    "cuda.synchronize": lambda m: m.cuda.synchronize(),
    "cuda.current_device": lambda m: m.cuda.current_device(),
    "cuda.get_device_name": lambda m: m.cuda.get_device_name(),
    "backends.mps.is_available": lambda m: m.backends.mps.is_available(),
    "backends.cudnn flags": lambda m: (m.backends.cudnn.benchmark, m.backends.cudnn.deterministic,
                                       m.backends.cudnn.is_available()),
    "device choice": lambda m: str(m.device("cuda" if m.cuda.is_available() else "cpu")),
    "tensor.cuda()": lambda m: m.ones(2).cuda(),
    "tensor.to('cuda')": lambda m: m.ones(2).to("cuda"),
    "get_device": lambda m: m.ones(2).get_device(),
    "pin_memory": lambda m: m.ones(2).pin_memory(),
    "is_pinned": lambda m: m.ones(2).is_pinned(),
    "share_memory_": lambda m: m.ones(2).share_memory_(),
    "is_shared": lambda m: m.ones(2).is_shared(),
    "matmul precision": lambda m: (m.set_float32_matmul_precision("high"), m.get_float32_matmul_precision()),
    "bad matmul precision": lambda m: m.set_float32_matmul_precision("fast"),
    "deterministic": lambda m: (m.use_deterministic_algorithms(True), m.are_deterministic_algorithms_enabled(),
                                m.use_deterministic_algorithms(False)),
    "autocast cuda": lambda m: _autocast_matmul(m, "cuda"),
    "GradScaler cuda": lambda m: m.amp.GradScaler("cuda").is_enabled(),
    "cuda.amp.GradScaler": lambda m: m.cuda.amp.GradScaler().get_scale(),
}


def _autocast_matmul(m, device):
    with m.autocast(device):
        return m.ones(2, 2) @ m.ones(2, 2)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_same_answer_as_cpu_only_torch(name):
    ours, theirs = (_outcome(lambda m=m: CALLS[name](m)) for m in BOTH)
    assert ours == theirs


def test_compile_and_jit_return_something_that_runs_the_same():
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    outs = []
    for m in BOTH:
        m.manual_seed(0)
        model = m.nn.Linear(4, 2)
        with m.no_grad():
            model.weight.copy_(m.tensor(np.arange(8.0, dtype=np.float32).reshape(2, 4) / 10))
            model.bias.zero_()
        compiled = m.compile(model) if m is chainrule else model  # (torch.compile needs a C++ compiler)
        scripted = m.jit.script(model)
        outs.append([f(m.tensor(x)).detach().numpy() for f in (compiled, scripted)])
    for a, b in zip(*outs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert chainrule.compile()(abs) is abs


def _scaled_training(m, device="cpu", steps=6):
    """A loop with GradScaler: an inf gradient at step 2 is skipped and backs the scale off; a
    growth interval of 2 grows it."""
    w = m.nn.Parameter(m.tensor([1.0, -2.0, 0.5]))
    opt = m.optim.SGD([w], lr=0.1)
    scaler = m.amp.GradScaler(device, init_scale=8.0, growth_interval=2)
    scales = []
    for step in range(steps):
        opt.zero_grad()
        loss = (w ** 2).sum() * (float("inf") if step == 2 else 1.0)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        scales.append(scaler.get_scale())
    return w.detach().numpy().tolist(), scales, scaler.state_dict()


def test_grad_scaler_loop_matches_torch():
    assert _scaled_training(chainrule) == _scaled_training(torch)


def test_grad_scaler_unscale_then_clip_matches_torch():
    results = []
    for m in BOTH:
        w = m.nn.Parameter(m.tensor([3.0, -4.0]))
        opt = m.optim.SGD([w], lr=0.5)
        scaler = m.amp.GradScaler("cpu", init_scale=4.0)
        scaler.scale((w ** 2).sum()).backward()
        scaler.unscale_(opt)
        norm = m.nn.utils.clip_grad_norm_([w], 1.0)
        scaler.step(opt)
        scaler.update()
        with pytest.raises(RuntimeError):
            scaler.unscale_(opt) or scaler.unscale_(opt)
        results.append((float(norm), w.detach().numpy().tolist()))
    assert results[0][1] == pytest.approx(results[1][1]) and results[0][0] == pytest.approx(results[1][0])


ASSERT_CLOSE = {
    "close": lambda m: m.testing.assert_close(m.tensor([1.0, 2.0]), m.tensor([1.0, 2.0 + 1e-7])),
    "not close": lambda m: m.testing.assert_close(m.tensor([1.0, 2.0]), m.tensor([1.0, 2.1])),
    "dtype": lambda m: m.testing.assert_close(m.tensor([1.0, 2.0]), m.tensor([1.0, 2.0], dtype=m.float64)),
    "dtype unchecked": lambda m: m.testing.assert_close(m.tensor([1.0, 2.0]), m.tensor([1.0, 2.0], dtype=m.float64),
                                                        check_dtype=False),
    "shape": lambda m: m.testing.assert_close(m.tensor([1.0, 2.0]), m.tensor([1.0, 2.0, 3.0])),
    "ints": lambda m: m.testing.assert_close(m.tensor([1, 2]), m.tensor([1, 3])),
    "scalars": lambda m: m.testing.assert_close(1.0, 1.1),
    "nan": lambda m: m.testing.assert_close(m.tensor([float("nan")]), m.tensor([float("nan")])),
    "equal_nan": lambda m: m.testing.assert_close(m.tensor([float("nan")]), m.tensor([float("nan")]), equal_nan=True),
    "tolerances": lambda m: m.testing.assert_close(m.tensor([1.0]), m.tensor([1.05]), rtol=0.1, atol=0.0),
    "one tolerance": lambda m: m.testing.assert_close(m.tensor([1.0]), m.tensor([1.05]), rtol=0.1),
    "nested": lambda m: m.testing.assert_close({"a": [m.ones(2)]}, {"a": [m.ones(2)]}),
    "msg": lambda m: m.testing.assert_close(m.ones(1), m.zeros(1), msg="custom"),
}


@pytest.mark.parametrize("name", sorted(ASSERT_CLOSE))
def test_assert_close_matches_torch(name):
    results = []
    for m in BOTH:
        try:
            ASSERT_CLOSE[name](m)
            results.append(None)
        except Exception as exc:  # noqa: BLE001 - compare type and message
            results.append((type(exc).__name__, str(exc)))
    assert results[0] == results[1]
