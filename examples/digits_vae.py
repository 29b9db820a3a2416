"""A variational autoencoder on the bundled 8x8 digits, written with ``torch.distributions``.

The encoder gives each digit a Normal over an 8-number code; ``rsample`` draws a code whose
randomness does not block the gradient (the reparameterisation trick); the decoder's logits
make a Bernoulli over the 64 pixels (binarised at 0.5). Training maximises the evidence lower
bound, ELBO = E[log p(x | z)] - KL(q(z | x) || N(0, 1)), with ``kl_divergence`` computing the
KL term exactly. At the end the held-out ELBO is reported (nats per digit: higher is better)
and a few digits are decoded from random codes and printed as text.

    python examples/digits_vae.py            # chainrule
    python examples/digits_vae.py --torch    # the same code under PyTorch
    python examples/digits_vae.py --quick    # 15 epochs, for the tests
"""

import argparse
import os
import sys
import time

if "--torch" in sys.argv or os.environ.get("CHAINRULE_EXAMPLES_BACKEND") == "torch":
    import torch
else:
    import chainrule as torch

from chainrule.__main__ import load_digits  # the bundled data, as tensors of the chosen library

nn = torch.nn
D = torch.distributions
CODE = 8


class VAE(nn.Module):
    """64 pixels -> Normal(mu, sigma) over 8 numbers -> Bernoulli logits over 64 pixels."""

    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(64, 128), nn.Tanh(), nn.Linear(128, 2 * CODE))
        self.decoder = nn.Sequential(nn.Linear(CODE, 128), nn.Tanh(), nn.Linear(128, 64))

    def posterior(self, x):
        """q(z | x): a diagonal Normal, one per digit."""
        mu, log_sigma = self.encoder(x).chunk(2, dim=-1)
        return D.Independent(D.Normal(mu, log_sigma.exp()), 1)

    def likelihood(self, z):
        """p(x | z): independent Bernoulli pixels."""
        return D.Independent(D.Bernoulli(logits=self.decoder(z)), 1)

    def elbo(self, x):
        """The evidence lower bound of each digit in ``x``, by one reparameterised sample."""
        q = self.posterior(x)
        z = q.rsample()
        prior = D.Independent(D.Normal(torch.zeros_like(z), torch.ones_like(z)), 1)
        return self.likelihood(z).log_prob(x) - D.kl_divergence(q, prior)


def show(pixels) -> str:
    """8x8 images side by side as text."""
    rows = []
    for r in range(8):
        rows.append("   ".join("".join("#" if p > 0.5 else "." for p in img[r * 8:(r + 1) * 8]) for img in pixels))
    return "\n".join(rows)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch", action="store_true", help="run under PyTorch instead of chainrule")
    parser.add_argument("--quick", action="store_true", help="15 epochs (for tests)")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    epochs = 15 if args.quick else args.epochs

    torch.manual_seed(args.seed)
    images, _ = load_digits(torch)
    x_all = (images.flatten(1) > 0.5).float()  # binarised pixels
    generator = torch.Generator().manual_seed(args.seed)
    order = torch.randperm(len(x_all), generator=generator)
    train_x, test_x = x_all[order[:1437]], x_all[order[1437:]]
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(train_x), batch_size=64, shuffle=True)
    print(f"{torch.__name__}: {len(train_x)} digits to train on, {len(test_x)} held out")

    model = VAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)

    def held_out_elbo() -> float:
        model.eval()
        with torch.no_grad():
            return sum(model.elbo(test_x).mean().item() for _ in range(5)) / 5

    first = held_out_elbo()
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        model.train()
        total, count = 0.0, 0
        for (x,) in loader:
            optimizer.zero_grad()
            loss = -model.elbo(x).mean()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(x)
            count += len(x)
        if epoch % max(1, epochs // 6) == 0 or epoch == epochs:
            print(f"epoch {epoch:3d}   train ELBO {-total / count:8.2f}   held-out ELBO {held_out_elbo():8.2f} nats/digit")
    seconds = time.perf_counter() - start
    final = held_out_elbo()

    with torch.no_grad():
        samples = model.likelihood(torch.randn(6, CODE)).base_dist.probs
    print("\ndigits decoded from random codes:\n" + show(samples.tolist()))
    print(f"\nheld-out ELBO {first:.2f} -> {final:.2f} nats/digit, {seconds:.1f} s of training")
    print(f"RESULT first_elbo={first:.4f} elbo={final:.4f} seconds={seconds:.2f}")
    return {"first_elbo": first, "elbo": final, "seconds": seconds}


if __name__ == "__main__":
    main()
