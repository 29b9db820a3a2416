"""The README's Python examples run, and print what they say they print.

Examples written against the PyTorch API (``import chainrule as torch``) run under both
libraries: chainrule's output must equal PyTorch's, and each ``print(...)  # text`` comment
(or the ``# ...`` lines right after a ``print``) must be what was printed. Examples of
chainrule's own tools run in one shared namespace, as in a notebook; ``>>>`` examples are
doctests.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import re
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
import chainrule  # noqa: E402

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
# Blocks that use only PyTorch's API: they must print the same under PyTorch.
PORTABLE = [b for b in BLOCKS if ">>>" not in b and "chainrule" in b and not re.search(
    r"\b(viz|trace|verify_gradients|explain|capabilities)\b", b)]
OWN = [b for b in BLOCKS if b not in PORTABLE]


def _expected(block: str) -> list[str]:
    """The printed lines a block's comments promise, in order."""
    lines, out, after_print = block.splitlines(), [], False
    for line in lines:
        code, _, comment = line.partition("#")
        if "print(" in code:
            after_print = not comment.strip()
            if comment.strip():
                out.append(comment.strip())
        elif after_print and line.startswith("# "):
            out.append(line[2:])
        else:
            after_print = False
    return out


def _run(block: str, module, namespace: dict | None = None) -> str:
    if namespace is None:  # a block may go on from the one before it: import as that one did
        block = "import chainrule as torch\n" + block
    source = block.replace("import chainrule as torch", f"import {module.__name__} as torch")
    source = source.replace("chainrule.", f"{module.__name__}.").replace("from chainrule ", f"from {module.__name__} ")
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(compile(source, str(README), "exec"), {} if namespace is None else namespace)
    return buffer.getvalue()


def test_readme_has_examples():
    assert len(PORTABLE) >= 4 and len(OWN) >= 4


@pytest.mark.parametrize("block", PORTABLE, ids=[b.splitlines()[-1][:40] for b in PORTABLE])
def test_portable_example_prints_what_torch_prints(block):
    ours = _run(block, chainrule)
    theirs = _run(block, torch)
    assert ours == theirs
    printed = ours.splitlines()
    promised = _expected(block)
    assert promised, "the example promises no output"
    # A comment may go on after the printed value ("tensor(1.): d/dx0 of ...").
    assert len(printed) == len(promised) and all(p.startswith(o) for o, p in zip(printed, promised, strict=True)), (
        f"printed {printed}, the README says {promised}"
    )


class _MyReLU(chainrule.autograd.Function):
    """The seed's custom Function."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (x > 0).to(grad.dtype)


def test_own_examples_run_in_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").mkdir()
    chainrule.manual_seed(0)
    namespace = {"torch": chainrule, "MyReLU": _MyReLU, "model": chainrule.nn.Linear(3, 2)}
    for block in OWN:
        if ">>>" in block:
            parser = doctest.DocTestParser()
            test = parser.get_doctest(block, namespace, "README", str(README), 0)
            runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
            with contextlib.redirect_stdout(io.StringIO()) as report:
                runner.run(test)
            assert runner.failures == 0, report.getvalue()
        else:
            _run(block, chainrule, namespace)
    svg = (tmp_path / "docs" / "myrelu_graph.svg").read_text()
    assert svg.startswith("<svg") or "<svg" in svg[:200]
    assert namespace["t"].records and namespace["bad"] == []  # the trace example saw a clean backward
