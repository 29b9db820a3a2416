"""A character-level transformer language model, trained on the Book of Ecclesiastes.

The model reads 64 characters and predicts each next one: an embedding of characters and of
positions, two pre-norm ``nn.TransformerEncoderLayer`` blocks under a causal mask, and a linear
read-out, trained with ``F.cross_entropy``, ``optim.AdamW``, a warm-up-then-cosine learning rate
and gradient clipping. It prints the loss as it goes and samples from the model at the end.

Target: the training loss (nats per character, averaged over the last 20 steps) falls below 1.5
in the default 1000 steps (about 1.3; 1.8 is crossed near step 300), which takes about a minute
of CPU time under chainrule on the project's 2-core machine; the held-out loss (the last tenth of
the text) ends near 1.7. Uniform guessing costs ln 68 = 4.22. See examples/README.md for measured figures.

    python examples/char_transformer.py            # chainrule
    python examples/char_transformer.py --torch    # the same code under PyTorch
    python examples/char_transformer.py --quick    # 60 steps, for the tests

The text (examples/data/ecclesiastes.txt) is the King James Version of 1611, in the public
domain; examples/README.md says where the copy came from.
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

nn = torch.nn
F = torch.nn.functional

TEXT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "ecclesiastes.txt")


class CharTransformer(nn.Module):
    """Characters in, next-character logits out; position i sees positions 0..i only."""

    def __init__(self, vocab_size: int, context: int, d_model: int = 64, nhead: int = 4, layers: int = 2):
        super().__init__()
        self.token = nn.Embedding(vocab_size, d_model)
        self.position = nn.Embedding(context, d_model)
        block = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=4 * d_model, dropout=0.0,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(block, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)
        self.register_buffer("causal_mask", nn.Transformer.generate_square_subsequent_mask(context))

    def forward(self, idx):
        length = idx.shape[1]
        x = self.token(idx) + self.position(torch.arange(length))
        x = self.blocks(x, mask=self.causal_mask[:length, :length], is_causal=True)
        return self.head(self.norm(x))


@torch.no_grad()
def sample(model, prompt: str, stoi: dict, itos: list, length: int, context: int, temperature: float = 0.8):
    """Continue ``prompt`` by ``length`` characters drawn from the model."""
    model.eval()
    idx = torch.tensor([[stoi[c] for c in prompt]])
    for _ in range(length):
        logits = model(idx[:, -context:])[0, -1] / temperature
        # Gumbel-max: argmax(logits + Gumbel noise) is a draw from softmax(logits).
        gumbel = -torch.log(-torch.log(torch.rand(logits.shape[0]).clamp(1e-9, 1 - 1e-9)))
        idx = torch.cat([idx, (logits + gumbel).argmax().reshape(1, 1)], dim=1)
    model.train()
    return "".join(itos[i] for i in idx[0].tolist())


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch", action="store_true", help="run under PyTorch instead of chainrule")
    parser.add_argument("--quick", action="store_true", help="60 steps and a short sample (for tests)")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    steps = 60 if args.quick else args.steps
    context, batch_size, lr = 64, 32, 3e-3

    torch.manual_seed(args.seed)
    with open(TEXT_PATH, encoding="utf-8") as f:
        text = f.read()
    itos = sorted(set(text))
    stoi = {c: i for i, c in enumerate(itos)}
    data = torch.tensor([stoi[c] for c in text])
    split = int(0.9 * len(data))
    train, val = data[:split], data[split:]
    print(f"{torch.__name__}: {len(text):,} characters, {len(itos)} distinct; "
          f"uniform guessing costs {math.log(len(itos)):.2f} nats/char")

    def batch(source):
        starts = torch.randint(0, len(source) - context - 1, (batch_size,))
        windows = torch.stack([source[s:s + context + 1] for s in starts.tolist()])
        return windows[:, :-1], windows[:, 1:]

    model = CharTransformer(len(itos), context)
    print(f"model: {sum(p.numel() for p in model.parameters()):,} parameters")
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    warmup = max(1, steps // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps)))

    losses = []
    start = time.perf_counter()
    for step in range(1, steps + 1):
        x, y = batch(train)
        loss = F.cross_entropy(model(x).reshape(-1, len(itos)), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        losses.append(loss.item())
        if step % max(1, steps // 10) == 0 or step == 1:
            print(f"step {step:4d}   loss {loss.item():.3f}   ({time.perf_counter() - start:.1f} s)")
    seconds = time.perf_counter() - start

    model.eval()
    with torch.no_grad():
        windows = val[: (len(val) - 1) // context * context + 1]
        vx = windows[:-1].reshape(-1, context)
        vy = windows[1:].reshape(-1, context)
        val_loss = F.cross_entropy(model(vx).reshape(-1, len(itos)), vy.reshape(-1)).item()
    train_loss = sum(losses[-20:]) / len(losses[-20:])
    print("\nsample:\n" + sample(model, "Vanity of ", stoi, itos, 80 if args.quick else 300, context))
    print(f"\nfirst loss {losses[0]:.3f}, final training loss {train_loss:.3f} (mean of the last 20 steps), "
          f"held-out loss {val_loss:.3f} nats/char, {seconds:.1f} s of training")
    print(f"RESULT loss={train_loss:.4f} val_loss={val_loss:.4f} seconds={seconds:.2f}")
    return {"first_loss": losses[0], "loss": train_loss, "val_loss": val_loss, "seconds": seconds}


if __name__ == "__main__":
    main()
