"""A small model trained through DataLoader batches ends with PyTorch's weights (nn + optim + data)."""

import numpy as np
import pytest
import torch

import chainrule

RNG = np.random.default_rng(1)
X = RNG.standard_normal((40, 5)).astype(np.float32)
Y = RNG.integers(0, 3, 40)
INIT = [RNG.standard_normal(s).astype(np.float32) * 0.5 for s in [(8, 5), (8,), (3, 8), (3,)]]


def _train(lib, make_opt, epochs=4):
    model = lib.nn.Sequential(lib.nn.Linear(5, 8), lib.nn.Tanh(), lib.nn.Linear(8, 3))
    with lib.no_grad():
        for p, value in zip(model.parameters(), INIT, strict=True):
            p.copy_(lib.tensor(value))
    opt = make_opt(lib, model.parameters())
    sched = lib.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    data = lib.utils.data.TensorDataset(lib.tensor(X), lib.tensor(Y))
    loader = lib.utils.data.DataLoader(data, batch_size=8)  # 5 batches: 20 steps over 4 epochs
    losses = []
    for _ in range(epochs):
        for xb, yb in loader:
            opt.zero_grad()
            loss = lib.nn.functional.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        sched.step()
    return [p.detach().numpy() for p in model.parameters()], losses


@pytest.mark.parametrize(
    "make_opt",
    [
        lambda lib, params: lib.optim.SGD(params, lr=0.2, momentum=0.9, nesterov=True, weight_decay=1e-3),
        lambda lib, params: lib.optim.Adam(params, lr=0.02),
        lambda lib, params: lib.optim.AdamW(params, lr=0.02, amsgrad=True),
        lambda lib, params: lib.optim.RMSprop(params, lr=0.01, centered=True),
    ],
    ids=["SGD-nesterov", "Adam", "AdamW-amsgrad", "RMSprop-centered"],
)
def test_mlp_trained_for_20_steps_matches_pytorch(make_opt):
    params_c, losses_c = _train(chainrule, make_opt)
    params_t, losses_t = _train(torch, make_opt)
    np.testing.assert_allclose(losses_c, losses_t, rtol=1e-5, atol=1e-6)
    for c, t in zip(params_c, params_t, strict=True):
        np.testing.assert_allclose(c, t, rtol=1e-4, atol=1e-5)
