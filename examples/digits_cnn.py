"""A convolutional network on the bundled 8x8 handwritten digits.

A bigger sibling of the tour's CNN: an ``nn.Module`` subclass with ``Conv2d``, ``BatchNorm2d``,
``MaxPool2d``, ``AdaptiveAvgPool2d`` and ``Dropout``; data augmentation by random one-pixel
shifts (``torch.roll``); ``optim.AdamW`` under a ``OneCycleLR`` schedule, stepped every batch.
It ends with the test accuracy, the confusion matrix and the digits it still gets wrong.

    python examples/digits_cnn.py            # chainrule
    python examples/digits_cnn.py --torch    # the same code under PyTorch
    python examples/digits_cnn.py --quick    # 3 epochs, for the tests
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
F = torch.nn.functional


class DigitsCNN(nn.Module):
    """Two conv blocks (8x8 -> 4x4 -> 2x2), global average pooling and a linear classifier."""

    def __init__(self, width: int = 32, classes: int = 10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
            nn.Conv2d(width, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1, bias=False), nn.BatchNorm2d(2 * width), nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.25),
                                        nn.Linear(2 * width, classes))

    def forward(self, x):
        return self.classifier(self.features(x))


def shift_randomly(x):
    """Move each batch of images by up to one pixel in each direction (the same shift for the batch)."""
    dy, dx = torch.randint(-1, 2, (2,)).tolist()
    return torch.roll(x, shifts=(dy, dx), dims=(2, 3))


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch", action="store_true", help="run under PyTorch instead of chainrule")
    parser.add_argument("--quick", action="store_true", help="3 epochs (for tests)")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    epochs = 3 if args.quick else args.epochs

    torch.manual_seed(args.seed)
    images, labels = load_digits(torch)  # (1797, 1, 8, 8) in [0, 1], labels 0..9
    # A seeded random order (argsort of uniform draws: chainrule has no randperm yet).
    order = torch.rand(len(labels), generator=torch.Generator().manual_seed(args.seed)).argsort()
    test_idx, train_idx = order[:360], order[360:]
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(images[train_idx], labels[train_idx]), batch_size=64, shuffle=True)
    test_x, test_y = images[test_idx], labels[test_idx]
    print(f"{torch.__name__}: {len(train_idx)} digits to train on, {len(test_idx)} to test")

    model = DigitsCNN()
    print(f"model: {sum(p.numel() for p in model.parameters()):,} parameters")
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-3)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=1e-2, epochs=epochs,
                                                   steps_per_epoch=len(loader))
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        model.train()
        total, count = 0.0, 0
        for x, y in loader:
            loss = F.cross_entropy(model(shift_randomly(x)), y, label_smoothing=0.05)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(y)
            count += len(y)
        train_loss = total / count
        model.eval()
        with torch.no_grad():
            predictions = model(test_x).argmax(dim=1)
        test_accuracy = (predictions == test_y).float().mean().item()
        print(f"epoch {epoch:3d}   train loss {train_loss:.4f}   test accuracy {test_accuracy:.2%}")
    seconds = time.perf_counter() - start

    confusion = torch.zeros(10, 10, dtype=torch.int64)
    confusion.index_put_((test_y, predictions), torch.ones_like(test_y), accumulate=True)
    print("\nconfusion matrix (rows: true digit, columns: predicted)")
    print("     " + " ".join(f"{d:3d}" for d in range(10)))
    for digit, row in enumerate(confusion.tolist()):
        print(f"{digit:3d}  " + " ".join(f"{n:3d}" for n in row))
    wrong = (predictions != test_y).nonzero().flatten().tolist()
    print("misread: " + (", ".join(f"{test_y[i].item()} as {predictions[i].item()}" for i in wrong) or "none"))

    print(f"\ntest accuracy {test_accuracy:.2%}, final train loss {train_loss:.4f}, {seconds:.1f} s of training")
    print(f"RESULT loss={train_loss:.4f} accuracy={test_accuracy:.4f} seconds={seconds:.2f}")
    return {"loss": train_loss, "accuracy": test_accuracy, "seconds": seconds}


if __name__ == "__main__":
    main()
