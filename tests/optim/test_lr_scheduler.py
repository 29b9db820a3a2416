"""Learning-rate schedulers: the lr sequence (and momentum, for OneCycleLR) equals PyTorch's."""


import pytest
import torch

import chainrule


def _optimizer(lib, name="SGD", groups=1):
    params = [{"params": [lib.zeros(1, requires_grad=True)], "lr": 0.1 * (i + 1)} for i in range(groups)]
    kwargs = dict(momentum=0.9) if name == "SGD" else {}
    return getattr(lib.optim, name)(params, lr=0.1, **kwargs)


SCHEDULES = {
    "StepLR": lambda m, o: m.StepLR(o, step_size=3, gamma=0.5),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.9),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=6, eta_min=0.01),
    "LambdaLR": lambda m, o: m.LambdaLR(o, lr_lambda=lambda e: 1 / (1 + e)),
    "LinearLR": lambda m, o: m.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=7),
    "ConstantLR": lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=4),
    "OneCycleLR": lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=25),
    "OneCycleLR-linear-3phase": lambda m, o: m.OneCycleLR(
        o, max_lr=[1.0, 2.0], epochs=5, steps_per_epoch=5, anneal_strategy="linear", three_phase=True),
    "MultiplicativeLR": lambda m, o: m.MultiplicativeLR(o, lr_lambda=lambda e: 0.95),
    "CyclicLR": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=3, step_size_down=5),
    "CyclicLR-triangular2": lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=2, mode="triangular2"),
    "CyclicLR-exp_range": lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=4, mode="exp_range", gamma=0.9,
                                                 base_momentum=0.7, max_momentum=[0.9, 0.95]),
    "CyclicLR-scale_fn": lambda m, o: m.CyclicLR(o, 0.01, 0.1, step_size_up=3, scale_fn=lambda x: 1 / (1 + x),
                                                scale_mode="iterations", cycle_momentum=False),
    "PolynomialLR": lambda m, o: m.PolynomialLR(o, total_iters=9, power=2.0),
    "CosineAnnealingWarmRestarts": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001),
    "ChainedScheduler": lambda m, o: m.ChainedScheduler([m.ExponentialLR(o, gamma=0.9), m.StepLR(o, 4)]),
    "SequentialLR-poly": lambda m, o: m.SequentialLR(
        o, [m.ExponentialLR(o, gamma=0.9), m.PolynomialLR(o, total_iters=6)], milestones=[4]),
    "SequentialLR": lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.1, total_iters=4), m.CosineAnnealingLR(o, T_max=8)], milestones=[5]),
    "SequentialLR-3": lambda m, o: m.SequentialLR(
        o, [m.ConstantLR(o, factor=0.5, total_iters=2), m.ExponentialLR(o, gamma=0.8), m.StepLR(o, 2)],
        milestones=[3, 8]),
}


def _lr_sequence(lib, key, opt_name, steps=24):
    opt = _optimizer(lib, opt_name, groups=2)
    sched = SCHEDULES[key](lib.optim.lr_scheduler, opt)
    seq = [(sched.get_last_lr(), [g.get("momentum", g.get("betas")) for g in opt.param_groups])]
    for _ in range(steps):
        opt.step()
        sched.step()
        seq.append((sched.get_last_lr(), [g.get("momentum", g.get("betas")) for g in opt.param_groups]))
    return seq


@pytest.mark.parametrize("key", list(SCHEDULES))
@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
def test_lr_sequence_matches_pytorch(key, opt_name):
    ours = _lr_sequence(chainrule, key, opt_name)
    theirs = _lr_sequence(torch, key, opt_name)
    for (lr_c, m_c), (lr_t, m_t) in zip(ours, theirs, strict=True):
        assert lr_c == pytest.approx(lr_t, rel=1e-12, abs=1e-15)
        assert m_c == m_t


def test_cosine_annealing_past_t_max_climbs_back_like_pytorch():
    seqs = []
    for lib in (chainrule, torch):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=3)
        seq = []
        for _ in range(15):
            opt.step()
            sched.step()
            seq.append(sched.get_last_lr()[0])
        seqs.append(seq)
    assert seqs[0] == pytest.approx(seqs[1], rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(
    "kwargs",
    [dict(), dict(mode="max", factor=0.5, patience=1, cooldown=2), dict(threshold_mode="abs", threshold=0.1, patience=0, min_lr=0.02)],
)
def test_reduce_lr_on_plateau_matches_pytorch(kwargs):
    metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.89, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9] * 2 + [0.5] * 10
    seqs = []
    for lib in (chainrule, torch):
        opt = _optimizer(lib, groups=2)
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
        seq = []
        for m in metrics:
            opt.step()
            sched.step(lib.tensor(m))
            seq.append([g["lr"] for g in opt.param_groups] + [sched.num_bad_epochs, sched.best])
        seqs.append(seq)
    assert seqs[0] == seqs[1]


def test_one_cycle_stepping_past_total_steps_raises_like_pytorch():
    for lib in (chainrule, torch):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
        for _ in range(3):
            opt.step()
            sched.step()
        with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total steps is 3"):
            sched.step()


def test_scheduler_state_dict_round_trip_resumes_the_sequence():
    opt = _optimizer(chainrule)
    sched = chainrule.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(3):
        opt.step()
        sched.step()
    state = sched.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 3
    opt2 = _optimizer(chainrule)
    opt2.param_groups[0]["lr"] = opt.param_groups[0]["lr"]
    sched2 = chainrule.optim.lr_scheduler.StepLR(opt2, step_size=2, gamma=0.5)
    sched2.load_state_dict(state)
    sched.step()
    sched2.step()
    assert sched.get_last_lr() == sched2.get_last_lr() == [0.1 * 0.25]


def test_scheduler_rejects_non_optimizers_like_pytorch():
    for lib in (chainrule, torch):
        with pytest.raises(TypeError, match="list is not an Optimizer"):
            lib.optim.lr_scheduler.StepLR([], step_size=1)


def test_cosine_warm_restarts_with_fractional_epochs_matches_pytorch():
    seqs = []
    for lib in (chainrule, torch):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=3)
        seq = []
        for epoch in [0.0, 0.5, 1.25, 2.0, 4.5, 7.9, 8.0, 30.0]:
            opt.step()
            sched.step(epoch)
            seq.append(sched.get_last_lr()[0])
        seqs.append(seq)
    assert seqs[0] == pytest.approx(seqs[1], rel=1e-12, abs=1e-15)


def test_lambda_lr_state_dict_keeps_callable_objects_state_like_pytorch():
    class Warmup:
        def __init__(self):
            self.scale = 2.0

        def __call__(self, epoch):
            return self.scale * epoch

    states = []
    for lib in (chainrule, torch):
        opt = _optimizer(lib, groups=2)
        sched = lib.optim.lr_scheduler.LambdaLR(opt, [lambda e: 1.0, Warmup()])
        states.append(sched.state_dict()["lr_lambdas"])
    assert states[0] == states[1] == [None, {"scale": 2.0}]


@pytest.mark.parametrize("optimizer_first", [True, False])
def test_stepping_the_scheduler_first_warns_like_pytorch(optimizer_first, recwarn):
    import warnings

    messages = []
    for lib in (chainrule, torch):
        opt = _optimizer(lib)
        sched = lib.optim.lr_scheduler.StepLR(opt, 2)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if optimizer_first:
                opt.step()
            sched.step()
        messages.append([str(w.message) for w in caught if "lr_scheduler.step()" in str(w.message)])
    assert messages[0] == messages[1]
    assert bool(messages[0]) is not optimizer_first


def test_schedulers_of_schedulers_check_their_schedulers_like_pytorch():
    messages = []
    for lib in (chainrule, torch):
        m = lib.optim.lr_scheduler
        opt, other = _optimizer(lib), _optimizer(lib)
        out = []
        for sequential in (False, True):
            for bad in (m.ReduceLROnPlateau(opt), m.StepLR(other, 2)):
                schedulers = [m.ExponentialLR(opt, 0.9), bad]
                with pytest.raises(ValueError) as exc:
                    if sequential:
                        m.SequentialLR(opt, schedulers, milestones=[2])
                    else:
                        m.ChainedScheduler(schedulers, opt)
                out.append(str(exc.value))
        messages.append(out)
    assert messages[0] == messages[1]


@pytest.mark.parametrize("key", ["ChainedScheduler", "SequentialLR-3"])
def test_schedulers_of_schedulers_resume_from_their_state_dict_like_pytorch(key):
    seqs = []
    for lib in (chainrule, torch):
        m = lib.optim.lr_scheduler
        opt = _optimizer(lib, groups=2)
        sched = SCHEDULES[key](m, opt)
        for _ in range(5):
            opt.step()
            sched.step()
        state = sched.state_dict()
        opt2 = _optimizer(lib, groups=2)
        sched2 = SCHEDULES[key](m, opt2)
        sched2.load_state_dict(state)
        for g2, g in zip(opt2.param_groups, opt.param_groups, strict=True):
            g2["lr"] = g["lr"]
        seq = [len(state["_schedulers"]), state["last_epoch"] if key != "ChainedScheduler" else None]
        for _ in range(6):
            opt2.step()
            sched2.step()
            seq.extend(sched2.get_last_lr())
        seqs.append(seq)
    assert seqs[0] == pytest.approx(seqs[1], rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("name", ["LambdaLR", "MultiplicativeLR"])
def test_one_lr_lambda_per_group_and_its_errors_match_pytorch(name):
    outcomes = []
    for lib in (chainrule, torch):
        cls = getattr(lib.optim.lr_scheduler, name)
        opt = _optimizer(lib, groups=2)
        sched = cls(opt, lr_lambda=[lambda e: 0.9, lambda e: 1 / (1 + e)])
        lrs = []
        for _ in range(4):
            opt.step()
            sched.step()
            lrs.extend(sched.get_last_lr())
        out = [lrs]
        for bad in ([lambda e: 1.0], 0.5):  # a list of the wrong length; not a function
            try:
                cls(_optimizer(lib, groups=2), lr_lambda=bad)
                out.append("ok")
            except (TypeError, ValueError) as e:
                out.append((type(e).__name__, str(e)))
        outcomes.append(out)
    assert outcomes[0][0] == pytest.approx(outcomes[1][0], rel=1e-12, abs=1e-15)
    assert outcomes[0][1:] == outcomes[1][1:]


def test_cyclic_lr_errors_match_pytorch():
    for lib in (chainrule, torch):
        opt = lib.optim.Adagrad([lib.zeros(1, requires_grad=True)])
        with pytest.raises(ValueError, match="momentum or beta1"):
            lib.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1)
        with pytest.raises(ValueError, match="mode is invalid"):
            lib.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, mode="sawtooth", cycle_momentum=False)

