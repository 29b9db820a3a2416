"""Per-sample gradients with ``func.vmap(func.grad(...))`` and ``func.functional_call``.

Ordinary ``backward`` gives the gradient of a batch's loss, summed over its samples. Some
methods need one gradient per sample (differentially private SGD clips each before summing;
influence functions and gradient-noise estimates use them too). Writing the loss as a function
of the parameters with ``functional_call``, taking its gradient with ``grad`` and mapping that
over the batch with ``vmap`` gives all of them in one call. The script checks the result
against the slow way (one ``backward`` per sample), then uses the per-sample gradients for a
few steps of DP-SGD-style training (clip each sample's gradient, average, add noise).

    python examples/per_sample_grads.py            # chainrule (needs chainrule.func)
    python examples/per_sample_grads.py --torch    # the same code under PyTorch (torch.func)
    python examples/per_sample_grads.py --quick    # a smaller batch and fewer steps, for the tests
"""

import argparse
import os
import sys
import time

if "--torch" in sys.argv or os.environ.get("CHAINRULE_EXAMPLES_BACKEND") == "torch":
    import torch
    from torch.func import functional_call, grad, vmap
else:
    import chainrule as torch
    from chainrule.func import functional_call, grad, vmap

from chainrule.__main__ import load_digits  # the bundled data, as tensors of the chosen library

nn = torch.nn
F = torch.nn.functional


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch", action="store_true", help="run under PyTorch instead of chainrule")
    parser.add_argument("--quick", action="store_true", help="batch of 16 and 20 training steps (for tests)")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=150)
    args = parser.parse_args(argv)
    batch, steps = (16, 20) if args.quick else (args.batch, args.steps)

    torch.manual_seed(0)
    images, labels = load_digits(torch)
    images = images.flatten(1)
    model = nn.Sequential(nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 10))
    params = {name: p.detach() for name, p in model.named_parameters()}

    def sample_loss(params, x, y):
        """The loss of one sample, as a function of the parameters."""
        logits = functional_call(model, params, (x.unsqueeze(0),))
        return F.cross_entropy(logits, y.unsqueeze(0))

    per_sample_grads = vmap(grad(sample_loss), in_dims=(None, 0, 0))

    # 1. vmap(grad) against one backward per sample.
    x, y = images[:batch], labels[:batch]
    per_sample_grads(params, x, y)  # the first call warms up (PyTorch's takes most of a second)
    start = time.perf_counter()
    grads = per_sample_grads(params, x, y)
    vmap_seconds = time.perf_counter() - start

    start = time.perf_counter()
    looped = {name: [] for name in params}
    for i in range(batch):
        model.zero_grad()
        F.cross_entropy(model(x[i:i + 1]), y[i:i + 1]).backward()
        for name, p in model.named_parameters():
            looped[name].append(p.grad.clone())
    loop_seconds = time.perf_counter() - start
    max_difference = max((grads[name] - torch.stack(looped[name])).abs().max().item() for name in params)
    print(f"{torch.__name__}: per-sample gradients of {batch} samples, "
          + ", ".join(f"{name} {tuple(g.shape)}" for name, g in grads.items()))
    print(f"vmap(grad) {1000 * vmap_seconds:.1f} ms, a backward per sample {1000 * loop_seconds:.1f} ms, "
          f"largest difference {max_difference:.1e}")

    # 2. DP-SGD-style training: clip each sample's gradient to norm 1, average, add noise.
    clip, noise, lr = 1.0, 0.5, 0.5
    generator = torch.Generator().manual_seed(1)
    train_x, train_y = images[:1500], labels[:1500]
    test_x, test_y = images[1500:], labels[1500:]

    def test_loss_and_accuracy(params):
        with torch.no_grad():
            logits = functional_call(model, params, (test_x,))
            return F.cross_entropy(logits, test_y).item(), (logits.argmax(1) == test_y).float().mean().item()

    first_loss, _ = test_loss_and_accuracy(params)
    start = time.perf_counter()
    for step in range(1, steps + 1):
        pick = torch.randint(0, len(train_y), (batch,), generator=generator)
        grads = per_sample_grads(params, train_x[pick], train_y[pick])
        norms = torch.sqrt(sum(g.flatten(1).pow(2).sum(1) for g in grads.values()))
        scale = (clip / (norms + 1e-6)).clamp(max=1.0)  # one factor per sample
        for name, g in grads.items():
            clipped = (g * scale.reshape(-1, *[1] * (g.dim() - 1))).sum(0)
            noisy = clipped + noise * clip * torch.randn(g.shape[1:], generator=generator)
            params[name] = params[name] - lr * noisy / batch
        if step % max(1, steps // 5) == 0:
            loss, accuracy = test_loss_and_accuracy(params)
            print(f"step {step:4d}   test loss {loss:.4f}   test accuracy {accuracy:.2%}")
    seconds = time.perf_counter() - start
    loss, accuracy = test_loss_and_accuracy(params)

    print(f"\ntest loss {first_loss:.4f} -> {loss:.4f}, test accuracy {accuracy:.2%}, "
          f"{seconds:.1f} s for {steps} private steps")
    print(f"RESULT loss={loss:.4f} accuracy={accuracy:.4f} max_difference={max_difference:.2e} "
          f"seconds={seconds:.2f}")
    return {"first_loss": first_loss, "loss": loss, "accuracy": accuracy, "max_difference": max_difference,
            "seconds": seconds}


if __name__ == "__main__":
    main()
