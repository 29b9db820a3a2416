"""Fitting a Chebyshev series with a custom ``autograd.Function``.

``ChebyshevSeries.apply(x, coeffs)`` evaluates ``sum_k coeffs[k] * T_k(x)``, where ``T_k`` are
the Chebyshev polynomials (T_0 = 1, T_1 = x, T_{k+1} = 2x T_k - T_{k-1}). Its ``forward`` and
``backward`` are written by hand as static methods, with ``ctx.save_for_backward``:

- d/d coeffs[k] is T_k(x), so the coefficient gradient is ``T^T @ grad``;
- d/dx is sum_k coeffs[k] T_k'(x), with T_k' = k U_{k-1} (Chebyshev polynomials of the second
  kind: U_0 = 1, U_1 = 2x, U_{k+1} = 2x U_k - U_{k-1}).

The backward is written in tensor operations, so it is itself differentiable. The script checks
the hand-written gradients with ``autograd.gradcheck`` and ``gradgradcheck``, then fits the series
to ``exp(x) * sin(3x)`` on [-1, 1] with Adam and compares the fit with the exact least-squares
solution from ``linalg.lstsq``.

    python examples/polynomial_custom_function.py            # chainrule
    python examples/polynomial_custom_function.py --torch    # the same code under PyTorch
    python examples/polynomial_custom_function.py --quick    # fewer steps, for the tests
"""

import argparse
import math
import os
import sys
import time

if "--torch" in sys.argv or os.environ.get("CHAINRULE_EXAMPLES_BACKEND") == "torch":
    import torch
else:
    import chainrule as torch


def chebyshev_basis(x, degree: int, second_kind: bool = False):
    """The columns T_0(x) .. T_degree(x) (or U_0 .. U_degree), shape (len(x), degree + 1)."""
    columns = [torch.ones_like(x)]
    if degree >= 1:
        columns.append(2 * x if second_kind else x)
    for _ in range(2, degree + 1):
        columns.append(2 * x * columns[-1] - columns[-2])
    return torch.stack(columns, dim=1)


class ChebyshevSeries(torch.autograd.Function):
    """y = sum_k coeffs[k] T_k(x), for a 1-D ``x`` and 1-D ``coeffs``."""

    @staticmethod
    def forward(ctx, x, coeffs):
        ctx.save_for_backward(x, coeffs)
        return chebyshev_basis(x, len(coeffs) - 1) @ coeffs

    @staticmethod
    def backward(ctx, grad_output):
        # Save inputs, not the basis that forward computed: forward runs without a graph, so a
        # saved basis would be a constant to a second backward. Rebuilt here from x, it carries
        # x's graph and gradgradcheck passes.
        x, coeffs = ctx.saved_tensors
        grad_x = grad_coeffs = None
        if ctx.needs_input_grad[0]:
            degree = len(coeffs) - 1
            if degree == 0:
                grad_x = torch.zeros_like(x)
            else:
                # T_k'(x) = k U_{k-1}(x): the derivative of the series is sum_{k>=1} k c_k U_{k-1}(x).
                u = chebyshev_basis(x, degree - 1, second_kind=True)
                k = torch.arange(1, degree + 1, dtype=coeffs.dtype)
                grad_x = grad_output * (u @ (k * coeffs[1:]))
        if ctx.needs_input_grad[1]:
            grad_coeffs = chebyshev_basis(x, len(coeffs) - 1).T @ grad_output
        return grad_x, grad_coeffs


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch", action="store_true", help="run under PyTorch instead of chainrule")
    parser.add_argument("--quick", action="store_true", help="500 steps (for tests)")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--degree", type=int, default=9)
    args = parser.parse_args(argv)
    steps = 500 if args.quick else args.steps
    series = ChebyshevSeries.apply

    # 1. The hand-written backward agrees with finite differences, to first and second order.
    torch.manual_seed(0)
    x64 = (torch.rand(7, dtype=torch.float64) * 2 - 1).requires_grad_()
    c64 = torch.randn(5, dtype=torch.float64, requires_grad=True)
    first = torch.autograd.gradcheck(series, (x64, c64))
    second = torch.autograd.gradgradcheck(series, (x64, c64))
    print(f"{torch.__name__}: gradcheck {first}, gradgradcheck {second}")

    # 2. Fit the series to a curve by gradient descent through the custom Function.
    x = torch.linspace(-1, 1, 200)
    y = torch.exp(x) * torch.sin(3 * x)
    coeffs = torch.zeros(args.degree + 1, requires_grad=True)
    optimizer = torch.optim.Adam([coeffs], lr=0.05)
    schedule = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.01 ** (1 / steps))
    start = time.perf_counter()
    for step in range(1, steps + 1):
        loss = torch.mean((series(x, coeffs) - y) ** 2)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        if step == 1 or step % (steps // 5) == 0:
            print(f"step {step:5d}   mean squared error {loss.item():.3e}")
    seconds = time.perf_counter() - start

    with torch.no_grad():
        fit = series(x, coeffs)
        mse = torch.mean((fit - y) ** 2).item()
        best = torch.linalg.lstsq(chebyshev_basis(x, args.degree), y.unsqueeze(1)).solution.squeeze(1)
        best_mse = torch.mean((chebyshev_basis(x, args.degree) @ best - y) ** 2).item()
        max_error = (fit - y).abs().max().item()
    print("coefficients:", " ".join(f"{c:+.4f}" for c in coeffs.tolist()))
    print("least squares:", " ".join(f"{c:+.4f}" for c in best.tolist()))

    # 3. The gradient in x flows through the custom backward too: the slope of the fit at 0.
    x0 = torch.zeros(1, requires_grad=True)
    slope, = torch.autograd.grad(series(x0, coeffs.detach()), x0)
    print(f"slope of the fit at 0: {slope.item():.4f} (true slope: {math.exp(0) * 3:.4f})")

    print(f"\nmean squared error {mse:.2e} (least-squares optimum {best_mse:.2e}), "
          f"max error {max_error:.2e}, {seconds:.1f} s for {steps} steps")
    print(f"RESULT loss={mse:.3e} best={best_mse:.3e} max_error={max_error:.3e} seconds={seconds:.2f}")
    return {"loss": mse, "best": best_mse, "max_error": max_error, "seconds": seconds,
            "gradcheck": first and second, "slope": slope.item()}


if __name__ == "__main__":
    main()
