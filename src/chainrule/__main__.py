"""A tour of chainrule: ``python -m chainrule``.

Runs the five examples of the article chainrule began from, printing each program and
what it prints (the same as PyTorch prints), then a higher-order derivative, and ends by
training a small convolutional network on the bundled handwritten digits with ``nn``,
``optim`` and ``utils.data``.

Two optional extras (``pip install chainrule[examples]``) make the training part nicer: with
tqdm installed a progress bar runs during training, and with matplotlib installed the loss and
accuracy curves are written to a PNG (``--plot PATH``, or ``--no-plot``). Without them the tour
prints the same text.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import textwrap
import time

import numpy as np

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


def load_digits(torch_module=torch):
    """The bundled 8x8 handwritten digits (see chainrule/_data/README.md for the source)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_data", "digits.npz")
    with np.load(path, allow_pickle=False) as data:
        images = data["images"].astype(np.float32)[:, None] / 16.0  # (N, 1, 8, 8) in [0, 1]
        labels = data["labels"].astype(np.int64)
    return torch_module.from_numpy(images), torch_module.from_numpy(labels)


def _progress_bar(total: int, enabled: bool):
    """A tqdm bar over ``total`` batches, or None when it is off or tqdm is not installed."""
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="batch", leave=False, dynamic_ncols=True, disable=None)  # off when not a terminal


def train_digits(
    torch_module=torch,
    epochs: int = 12,
    seed: int = 0,
    verbose: bool = True,
    progress: bool = False,
    history: list[tuple[int, float, float]] | None = None,
) -> float:
    """Train a small CNN on the digits with nn, optim and DataLoader; return the test accuracy.

    Written against the torch API: ``train_digits(torch)`` runs the same code under PyTorch.
    ``progress=True`` shows a tqdm bar when tqdm is installed; ``history``, if given, receives
    one ``(epoch, train_loss, test_accuracy)`` tuple per epoch.
    """
    t = torch_module
    nn = t.nn
    t.manual_seed(seed)
    images, labels = load_digits(t)
    order = np.random.default_rng(seed).permutation(len(labels))
    test_idx, train_idx = t.from_numpy(order[:360]), t.from_numpy(order[360:])
    train_set = t.utils.data.TensorDataset(images[train_idx], labels[train_idx])
    loader = t.utils.data.DataLoader(train_set, batch_size=64, shuffle=True)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 16 x 4 x 4
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 32 x 2 x 2
        nn.Flatten(), nn.Linear(128, 10),
    )
    optimizer = t.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    if verbose:
        print(f"== 7. Training a CNN on {len(labels)} handwritten digits ({len(train_idx)} to train, "
              f"{len(test_idx)} to test)")
        print(textwrap.indent(repr(model), "    "))
    bar = _progress_bar(epochs * len(loader), progress)
    say = print if bar is None else bar.write  # tqdm.write keeps the bar below the printed lines
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        model.train()
        total, count = 0.0, 0
        for x, y in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(y)
            count += len(y)
            if bar is not None:
                bar.update()
        model.eval()
        with t.no_grad():
            accuracy = (model(images[test_idx]).argmax(1) == labels[test_idx]).float().mean().item()
        if history is not None:
            history.append((epoch, total / count, accuracy))
        if bar is not None:
            bar.set_postfix(loss=f"{total / count:.4f}", accuracy=f"{accuracy:.2%}")
        if verbose:
            say(f"    epoch {epoch:2d}   train loss {total / count:.4f}   test accuracy {accuracy:.2%}")
    if bar is not None:
        bar.close()
    if verbose:
        print(f"    trained in {time.perf_counter() - start:.1f} s")
    return accuracy


def plot_history(history: list[tuple[int, float, float]], path: str) -> bool:
    """Write the loss and accuracy curves to a PNG at ``path``; False if matplotlib is missing."""
    try:
        from matplotlib.figure import Figure  # no pyplot: needs no display or GUI backend
    except ImportError:
        return False
    epochs, losses, accuracies = zip(*history, strict=True)
    fig = Figure(figsize=(8, 3.2), layout="constrained")
    loss_ax, acc_ax = fig.subplots(1, 2)
    loss_ax.plot(epochs, losses, marker="o")
    loss_ax.set(xlabel="epoch", ylabel="train loss (cross-entropy)", yscale="log", title="Training loss")
    acc_ax.plot(epochs, [100 * a for a in accuracies], marker="o", color="tab:green")
    acc_ax.set(xlabel="epoch", ylabel="test accuracy (%)", title="Test accuracy")
    for ax in (loss_ax, acc_ax):
        ax.grid(alpha=0.3)
    fig.suptitle("chainrule: a small CNN learning the 8x8 digits")
    fig.savefig(path, dpi=100)
    return True


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="A tour of chainrule.")
    parser.add_argument("--epochs", type=int, default=12, help="training epochs (default 12)")
    parser.add_argument(
        "--plot", metavar="PATH", default="chainrule_tour.png",
        help="where to write the training curves when matplotlib is installed (default %(default)s)",
    )
    parser.add_argument("--no-plot", action="store_true", help="do not write the training curves")
    parser.add_argument("--no-progress", action="store_true", help="no tqdm progress bar")
    args = parser.parse_args(argv)
    print(f"chainrule {torch.__version__}: PyTorch's autograd on NumPy. `import chainrule as torch`.\n")
    for title, code in EXAMPLES:
        run_example(title, code)
    history: list[tuple[int, float, float]] = []
    accuracy = train_digits(epochs=args.epochs, progress=not args.no_progress, history=history)
    print(f"\nTest accuracy {accuracy:.2%} on digits the network never saw.")
    if not args.no_plot and plot_history(history, args.plot):
        print(f"Training curves written to {os.path.abspath(args.plot)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
