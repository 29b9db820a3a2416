"""The tour (python -m chainrule): its examples print what PyTorch prints, and its training
run, the same code under chainrule and PyTorch, learns the digits under both."""

import contextlib
import io
import sys

import pytest

torch = pytest.importorskip("torch")
import chainrule  # noqa: E402
from chainrule import __main__ as tour  # noqa: E402


@pytest.mark.parametrize("title, code", tour.EXAMPLES, ids=[t for t, _ in tour.EXAMPLES])
def test_tour_example_prints_what_pytorch_prints(title, code):
    outputs = []
    for module in (chainrule, torch):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(code.replace("\n        ", "\n"), {"torch": module, "__name__": "__tour__"})
        outputs.append(out.getvalue())
    assert outputs[0] == outputs[1]


def test_digits_cnn_learns_under_both_libraries():
    ours = tour.train_digits(chainrule, epochs=3, verbose=False)
    theirs = tour.train_digits(torch, epochs=3, verbose=False)
    assert ours > 0.9 and theirs > 0.9, (ours, theirs)
    assert abs(ours - theirs) < 0.06


def _run_tour(argv):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert tour.main(argv) == 0
    return out.getvalue()


def test_tour_writes_training_curves_when_matplotlib_is_installed(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "curves.png"
    out = _run_tour(["--epochs", "2", "--plot", str(path)])
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"Training curves written to {path}" in out


def test_tour_without_tqdm_and_matplotlib_runs_as_before(tmp_path, monkeypatch):
    for name in ("tqdm", "matplotlib", "matplotlib.figure"):
        monkeypatch.setitem(sys.modules, name, None)  # import raises ImportError
    path = tmp_path / "curves.png"
    out = _run_tour(["--epochs", "2", "--plot", str(path)])
    assert "Test accuracy" in out and "Training curves" not in out
    assert not path.exists()
    assert tour._progress_bar(10, enabled=True) is None


def test_tour_no_plot_writes_nothing(tmp_path):
    path = tmp_path / "curves.png"
    out = _run_tour(["--epochs", "1", "--plot", str(path), "--no-plot", "--no-progress"])
    assert not path.exists() and "Training curves" not in out


def test_tour_progress_bar_counts_batches():
    pytest.importorskip("tqdm")
    bar = tour._progress_bar(7, enabled=True)
    assert bar is not None and bar.total == 7
    bar.close()
    assert tour._progress_bar(7, enabled=False) is None
