"""A multilayer perceptron on the bundled 8x8 handwritten digits.

Shows the everyday training loop: ``utils.data.random_split`` and ``DataLoader``, an
``nn.Sequential`` MLP with dropout, SGD with momentum and Nesterov under a cosine learning
rate, evaluation under ``no_grad``, then ``save``/``load`` of the ``state_dict`` and a check
that the reloaded model gives the same predictions. (chainrule's ``save`` writes the
safetensors layout, so the file cannot run code when loaded.)

    python examples/digits_mlp.py            # chainrule
    python examples/digits_mlp.py --torch    # the same code under PyTorch
    python examples/digits_mlp.py --quick    # 5 epochs, for the tests
"""

import argparse
import os
import sys
import tempfile
import time

if "--torch" in sys.argv or os.environ.get("CHAINRULE_EXAMPLES_BACKEND") == "torch":
    import torch
else:
    import chainrule as torch

from chainrule.__main__ import load_digits  # the bundled data, as tensors of the chosen library

nn = torch.nn


def make_model():
    """64 pixels -> 128 -> 64 -> 10 class scores."""
    return nn.Sequential(
        nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(128, 64), nn.ReLU(),
        nn.Linear(64, 10),
    )


def accuracy(model, x, y) -> float:
    """Fraction of ``x`` that ``model`` labels correctly."""
    model.eval()
    with torch.no_grad():
        return (model(x).argmax(dim=1) == y).float().mean().item()


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch", action="store_true", help="run under PyTorch instead of chainrule")
    parser.add_argument("--quick", action="store_true", help="5 epochs (for tests)")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    epochs = 5 if args.quick else args.epochs

    torch.manual_seed(args.seed)
    images, labels = load_digits(torch)
    dataset = torch.utils.data.TensorDataset(images.flatten(1), labels)  # 64 pixels a digit
    generator = torch.Generator().manual_seed(args.seed)
    train_set, test_set = torch.utils.data.random_split(dataset, [0.8, 0.2], generator=generator)
    loader = torch.utils.data.DataLoader(train_set, batch_size=32, shuffle=True)
    test_x, test_y = dataset[test_set.indices]
    print(f"{torch.__name__}: {len(train_set)} digits to train on, {len(test_set)} to test")

    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    loss_fn = nn.CrossEntropyLoss()

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
        schedule.step()
        train_loss = total / count
        if epoch % max(1, epochs // 6) == 0 or epoch == epochs:
            print(f"epoch {epoch:3d}   train loss {train_loss:.4f}   "
                  f"test accuracy {accuracy(model, test_x, test_y):.2%}")
    seconds = time.perf_counter() - start
    test_accuracy = accuracy(model, test_x, test_y)

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "digits_mlp.pt")
        torch.save(model.state_dict(), path)
        reloaded = make_model()
        reloaded.load_state_dict(torch.load(path))
        same = accuracy(reloaded, test_x, test_y) == test_accuracy
        print(f"saved and reloaded the state_dict ({os.path.getsize(path):,} bytes): "
              f"{'same' if same else 'DIFFERENT'} test accuracy")

    print(f"\ntest accuracy {test_accuracy:.2%}, final train loss {train_loss:.4f}, {seconds:.1f} s of training")
    print(f"RESULT loss={train_loss:.4f} accuracy={test_accuracy:.4f} seconds={seconds:.2f}")
    return {"loss": train_loss, "accuracy": test_accuracy, "seconds": seconds, "reload_same": same}


if __name__ == "__main__":
    main()
