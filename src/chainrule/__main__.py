"""A tour of chainrule: ``python -m chainrule``.

Runs the five examples of the article chainrule began from, printing each program and
what it prints (the same as PyTorch prints), then a higher-order derivative, and ends by
training a small neural network with nothing but tensors, ``backward()`` and ``no_grad``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import textwrap
import time

import chainrule as torch

EXAMPLES = [
    (
        "1. Computing gradients",
        """
        x = torch.tensor(2.0, requires_grad=True)
        y = x ** 2
        y.backward()
        print(x.grad)
        """,
    ),
    (
        "2. Turning gradient tracking off",
        """
        x = torch.tensor(2.0, requires_grad=True)
        with torch.no_grad():
            y = x ** 2
        print(y.requires_grad)
        """,
    ),
    (
        "3. Detaching a tensor from the graph",
        """
        x = torch.tensor(2.0, requires_grad=True)
        y = x ** 2
        z = y.detach()
        print(z.requires_grad)
        """,
    ),
    (
        "4. Several backward passes (retain_graph)",
        """
        x = torch.tensor(2.0, requires_grad=True)
        y = x ** 2
        z = torch.sin(y)
        y.backward(retain_graph=True)
        x.grad.zero_()
        z.backward()
        print(x.grad)   # cos(4) * 2 * 2 (the article's 0.9333 is a slip)
        """,
    ),
    (
        "5. A custom Function",
        """
        class MyReLU(torch.autograd.Function):
            @staticmethod
            def forward(ctx, input):
                ctx.save_for_backward(input)
                return input.clamp(min=0)

            @staticmethod
            def backward(ctx, grad_output):
                input, = ctx.saved_tensors
                grad_input = grad_output.clone()
                grad_input[input < 0] = 0
                return grad_input

        x = torch.tensor([-1.0, 2.0, -3.0], requires_grad=True)
        relu = MyReLU.apply
        y = relu(x)
        y.backward(torch.ones_like(x))
        print(x.grad)
        """,
    ),
    (
        "6. Higher-order gradients (create_graph=True)",
        """
        x = torch.tensor(2.0, requires_grad=True)
        y = torch.sin(x ** 2)
        dy, = torch.autograd.grad(y, x, create_graph=True)
        d2y, = torch.autograd.grad(dy, x)
        print(dy, d2y)
        """,
    ),
]


def run_example(title: str, code: str) -> None:
    code = textwrap.dedent(code).strip("\n")
    print(f"== {title}")
    print(textwrap.indent(code, "    | "))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(code, {"torch": torch, "__name__": "__tour__"})
    print(textwrap.indent(out.getvalue().rstrip("\n"), "    > "))
    print()


def train(steps: int = 3000, hidden: int = 16, lr: float = 0.03, seed: int = 0) -> float:
    """Fit y = sin(x) on [-pi, pi] with a 1-hidden-layer tanh network and plain SGD."""
    torch.manual_seed(seed)
    x = torch.linspace(-math.pi, math.pi, 128).reshape(128, 1)
    y = torch.sin(x)
    w1 = (torch.randn(1, hidden) * 1.0).requires_grad_()
    b1 = torch.zeros(hidden, requires_grad=True)
    w2 = (torch.randn(hidden, 1) / math.sqrt(hidden)).requires_grad_()
    b2 = torch.zeros(1, requires_grad=True)
    params = [w1, b1, w2, b2]
    print(f"== 7. Training: a 1-{hidden}-1 tanh network learns sin(x), {steps} steps of SGD")
    start = time.perf_counter()
    loss = None
    for step in range(steps + 1):
        pred = torch.tanh(x @ w1 + b1) @ w2 + b2
        loss = ((pred - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
        if step % (steps // 5) == 0:
            print(f"   step {step:5d}   loss {loss.item():.6f}")
    elapsed = time.perf_counter() - start
    print(f"   trained in {elapsed:.2f} s ({elapsed / (steps + 1) * 1e3:.2f} ms per step)")
    return loss.item()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="A tour of chainrule.")
    parser.add_argument("--steps", type=int, default=3000, help="training steps (default 3000)")
    args = parser.parse_args(argv)
    print(f"chainrule {torch.__version__}: PyTorch's autograd on NumPy. `import chainrule as torch`.\n")
    for title, code in EXAMPLES:
        run_example(title, code)
    final = train(steps=args.steps)
    print(f"\nFinal loss {final:.6f}: the network has learned sin(x).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
