"""The tour (python -m chainrule): its examples print what PyTorch prints, and its training
run, the same code under chainrule and PyTorch, learns the digits under both."""

import contextlib
import io

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
