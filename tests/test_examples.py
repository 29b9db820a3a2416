"""The example scripts (examples/*.py) run, in their --quick form, and learn something real.

Each script is loaded as a fresh module with CHAINRULE_EXAMPLES_BACKEND set, so the same file
runs under chainrule and, where PyTorch is installed, under PyTorch.
"""

import importlib.util
import contextlib
import io
import os

import pytest

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")
BACKENDS = ["chainrule", "torch"]


def run_example(name: str, backend: str, monkeypatch, *args: str) -> tuple[dict, str]:
    """Load examples/<name>.py under ``backend``, run its main(["--quick", *args]); return (result, output)."""
    if backend == "torch":
        pytest.importorskip("torch")
    monkeypatch.setenv("CHAINRULE_EXAMPLES_BACKEND", backend)
    spec = importlib.util.spec_from_file_location(f"example_{name}_{backend}", os.path.join(EXAMPLES, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.torch.__name__ == backend
    if backend == "torch":  # PyTorch's thread pool only adds contention on a small, busy machine
        threads = module.torch.get_num_threads()
        module.torch.set_num_threads(1)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            result = module.main(["--quick", *args])
    finally:
        if backend == "torch":
            module.torch.set_num_threads(threads)
    return result, out.getvalue()


@pytest.mark.parametrize("backend", BACKENDS)
def test_digits_mlp_learns_and_reloads(backend, monkeypatch):
    result, out = run_example("digits_mlp", backend, monkeypatch)
    assert result["accuracy"] > 0.93, out
    assert result["loss"] < 0.3, out
    assert result["reload_same"], out


@pytest.mark.parametrize("backend", BACKENDS)
def test_digits_cnn_learns(backend, monkeypatch):
    result, out = run_example("digits_cnn", backend, monkeypatch)
    assert result["accuracy"] > 0.85, out
    assert "confusion matrix" in out


def test_char_transformer_loss_falls_well_below_uniform(monkeypatch):
    result, out = run_example("char_transformer", "chainrule", monkeypatch)
    # ln(68) = 4.22 nats/char for uniform guessing; 60 steps get to about 2.4-2.5.
    assert result["first_loss"] > 4.0, out
    assert result["loss"] < 2.8 and result["val_loss"] < 2.8, out
    assert "sample:\nVanity of " in out


@pytest.mark.parametrize("backend", BACKENDS)
def test_custom_function_fits_polynomial(backend, monkeypatch):
    result, out = run_example("polynomial_custom_function", backend, monkeypatch)
    assert result["gradcheck"], out
    assert result["loss"] < 1e-8 and result["max_error"] < 1e-3, out
    assert result["slope"] == pytest.approx(3.0, abs=1e-2)


@pytest.mark.filterwarnings("ignore:vmap:UserWarning")  # an op without a batching rule runs in a loop
@pytest.mark.parametrize("backend", BACKENDS)
def test_per_sample_grads_match_a_loop_and_train(backend, monkeypatch):
    if backend == "chainrule":
        pytest.importorskip("chainrule.func")  # on by itself where chainrule.func exists
    result, out = run_example("per_sample_grads", backend, monkeypatch)
    assert result["max_difference"] < 1e-4, out  # vmap(grad) agrees with one backward per sample
    assert result["loss"] < result["first_loss"], out


@pytest.mark.parametrize("backend", BACKENDS)
def test_digits_vae_raises_its_elbo(backend, monkeypatch):
    result, out = run_example("digits_vae", backend, monkeypatch)
    # An untrained decoder gives about 64 * ln 2 = 44 nats/digit; 15 epochs get past -24.
    assert result["first_elbo"] < -35, out
    assert result["elbo"] > -24, out
    assert "digits decoded from random codes" in out

