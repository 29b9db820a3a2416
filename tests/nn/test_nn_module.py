"""Module behaviour against torch: registration, iteration, modes, conversions, state_dict,
load_state_dict errors, hooks and repr. Each test runs one program with `lib` = torch or chainrule."""

import numpy as np
import pytest
import torch
from nn_parity import assert_close, copy_weights

import chainrule

LIBS = [torch, chainrule]


def make_net(lib):
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 4)
            self.act = nn.ReLU()
            self.register_buffer("scale", lib.ones(4))
            self.register_buffer("cache", lib.zeros(2), persistent=False)
            self.gain = nn.Parameter(lib.ones(1))

        def forward(self, x):
            return self.act(self.fc(x)) * self.scale * self.gain

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(2)])
            self.heads = nn.ModuleDict({"out": nn.Linear(4, 2)})
            self.shared = self.layers[0]  # the same module twice: listed once
            self.plain = 3

        def forward(self, x):
            x = self.block(x)
            for layer in self.layers:
                x = layer(x).tanh()
            return self.heads["out"](x)

    return Net()


def both(fn):
    """Run fn(lib) for torch and chainrule; return the two results."""
    return fn(torch), fn(chainrule)


def test_names_of_parameters_buffers_modules_children_match_torch():
    def names(lib):
        net = make_net(lib)
        return (
            [n for n, _ in net.named_parameters()],
            [(n, tuple(p.shape)) for n, p in net.named_parameters()],
            [n for n, _ in net.named_buffers()],
            [n for n, _ in net.named_modules()],
            [n for n, _ in net.named_children()],
            [type(m).__name__ for m in net.modules()],
            len(list(net.parameters())),
            list(net.state_dict()),
            [n for n, _ in net.named_parameters(prefix="model", recurse=True)],
            [n for n, _ in net.block.named_parameters(recurse=False)],
            [n for n, _ in net.named_modules(remove_duplicate=False)],
        )

    ours, theirs = both(names)
    assert theirs == ours


def test_repr_of_nested_custom_module_matches_torch():
    t, c = both(lambda lib: repr(make_net(lib)))
    assert c == t


def test_repr_of_containers_and_parameters_matches_torch():
    def reprs(lib):
        nn = lib.nn
        return [
            repr(nn.Sequential()),
            repr(nn.ModuleList()),
            repr(nn.ModuleList([nn.Linear(2, 2)] * 3 + [nn.ReLU(), nn.ReLU(), nn.Linear(2, 2)])),
            repr(nn.Sequential(nn.Sequential(nn.Linear(1, 2), nn.ReLU()), nn.Dropout())),
            repr(nn.ParameterList([nn.Parameter(lib.zeros(2, 3)), lib.zeros(3), lib.tensor(1.0)])),
            repr(nn.ParameterDict({"a": nn.Parameter(lib.zeros(2, dtype=lib.float64)), "b": lib.zeros(1)})),
            repr(nn.Parameter(lib.tensor([1.0, 2.0]))),
            repr(nn.Parameter(lib.tensor([1.0, 2.0]), requires_grad=False)),
            str(nn.Parameter(lib.zeros(2, 2))),
        ]

    t, c = both(reprs)
    assert c == t


def test_parameter_is_a_tensor_leaf_and_results_of_ops_are_plain_tensors():
    def check(lib):
        p = lib.nn.Parameter(lib.ones(2))
        q = p * 2
        return (isinstance(p, lib.Tensor), p.requires_grad, p.is_leaf, type(q).__name__, type(p.detach()).__name__,
                q.requires_grad, lib.nn.Parameter().shape)

    t, c = both(check)
    assert c == t


def test_state_dict_round_trip_between_libraries_gives_same_outputs():
    tnet, cnet = make_net(torch), make_net(chainrule)
    copy_weights(tnet, cnet)
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    assert_close(cnet(chainrule.tensor(x)), tnet(torch.tensor(x)))
    # state_dict tensors are detached and share memory with the parameters.
    sd = cnet.state_dict()
    assert not sd["block.fc.weight"].requires_grad
    sd["block.fc.weight"].add_(1)
    assert_close(cnet.block.fc.weight, tnet.block.fc.weight + 1)
    kv = cnet.state_dict(keep_vars=True)
    assert kv["block.fc.weight"] is cnet.block.fc.weight


def _load_errors(lib, state):
    net = lib.nn.Linear(3, 2)
    try:
        return ("ok", repr(net.load_state_dict({k: lib.tensor(v) for k, v in state.items()})))
    except RuntimeError as e:
        return ("RuntimeError", str(e))


@pytest.mark.parametrize(
    "state",
    [
        {"weight": np.zeros((2, 3), np.float32), "bias": np.zeros(2, np.float32)},
        {"weight": np.zeros((2, 3), np.float32)},
        {"weight": np.zeros((2, 3), np.float32), "bias": np.zeros(2, np.float32), "extra": np.zeros(1)},
        {"weight": np.zeros((3, 3), np.float32), "foo": np.zeros(1), "bar.baz": np.zeros(1)},
        {},
    ],
)
def test_load_state_dict_errors_and_result_match_torch(state):
    t, c = both(lambda lib: _load_errors(lib, state))
    assert c == t


def test_load_state_dict_non_strict_reports_incompatible_keys_like_torch():
    def run(lib):
        net = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.BatchNorm1d(2))
        result = net.load_state_dict({"0.weight": lib.zeros(2, 2), "2.weight": lib.zeros(1)}, strict=False)
        return (repr(result), result.missing_keys, result.unexpected_keys, net[0].weight.sum().item())

    t, c = both(run)
    assert c == t


def test_train_eval_requires_grad_zero_grad_apply_match_torch():
    def run(lib):
        net = make_net(lib)
        out = []
        out.append([m.training for m in net.modules()])
        net.eval()
        out.append([m.training for m in net.modules()])
        net.block.train()
        out.append([m.training for m in net.modules()])
        net(lib.ones(2, 3)).sum().backward()
        out.append([p.grad is not None for p in net.parameters()])
        net.zero_grad(set_to_none=False)
        out.append([float(p.grad.abs().sum()) for p in net.parameters()])
        net.zero_grad()
        out.append([p.grad is None for p in net.parameters()])
        net.requires_grad_(False)
        out.append([p.requires_grad for p in net.parameters()])
        seen = []
        net.apply(lambda m: seen.append(type(m).__name__))
        out.append(seen)
        return out

    t, c = both(run)
    assert c == t


def test_to_double_and_float_convert_parameters_and_float_buffers_only():
    def run(lib):
        net = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.BatchNorm1d(2))
        w = net[0].weight
        net.double()
        dtypes = [str(v.dtype) for v in net.state_dict().values()]
        kinds = [type(p).__name__ for p in net.parameters()]
        net.to(lib.float32)
        dtypes2 = [str(v.dtype) for v in net.state_dict().values()]
        same = net[0].weight is w
        net.float()
        return dtypes, kinds, dtypes2, same, str(net(lib.ones(3, 2)).dtype)

    t, c = both(run)
    assert c == t


def test_to_rejects_integer_dtype_like_torch():
    with pytest.raises(TypeError) as t_err:
        torch.nn.Linear(2, 2).to(torch.int64)
    with pytest.raises(TypeError) as c_err:
        chainrule.nn.Linear(2, 2).to(chainrule.int64)
    assert str(c_err.value) == str(t_err.value)


def test_attribute_registration_rules_match_torch():
    def run(lib):
        nn = lib.nn
        m = nn.Module()
        out = []
        m.w = nn.Parameter(lib.ones(1))
        m.sub = nn.Linear(1, 1)
        m.register_buffer("buf", lib.zeros(1))
        m.t = lib.zeros(1)  # a plain tensor attribute is not registered
        out.append((list(m._parameters), list(m._modules), list(m._buffers), "t" in m.__dict__))
        for bad in [lambda: setattr(m, "w", lib.ones(1)), lambda: setattr(m, "sub", 3),
                    lambda: setattr(m, "buf", 3), lambda: m.register_buffer("a.b", None),
                    lambda: m.register_parameter("p", lib.ones(1)), lambda: m.register_buffer("t", None),
                    lambda: m.missing]:
            try:
                bad()
                out.append("no error")
            except Exception as e:  # noqa: BLE001 - the type and message are compared
                out.append((type(e).__name__, str(e)))
        m.w = None
        out.append((list(m._parameters.items()), m.w))
        del m.sub
        out.append(list(m._modules))
        m.buf = lib.ones(2)
        out.append(list(m.state_dict()))
        return out

    t, c = both(run)
    assert c == t


def test_forward_pre_hook_and_forward_hook_can_replace_args_and_output():
    def run(lib):
        lin = lib.nn.Linear(2, 2)
        with lib.no_grad():
            lin.weight.copy_(lib.tensor([[1.0, 2.0], [3.0, 4.0]]))
            lin.bias.zero_()
        calls = []
        h1 = lin.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
        h2 = lin.register_forward_hook(lambda m, args, out: calls.append(args[0].tolist()) or out + 1)
        h3 = lin.register_forward_pre_hook(lambda m, args: calls.append("first"), prepend=True)
        y1 = lin(lib.tensor([[1.0, 1.0]])).tolist()
        h1.remove()
        h2.remove()
        h3.remove()
        y2 = lin(lib.tensor([[1.0, 1.0]])).tolist()
        h4 = lin.register_forward_pre_hook(lambda m, args, kwargs: ((args[0] + 1,), kwargs), with_kwargs=True)
        y3 = lin(lib.tensor([[1.0, 1.0]])).tolist()
        h4.remove()
        return y1, y2, y3, calls

    t, c = both(run)
    assert c == t


def test_full_backward_hook_sees_grad_input_and_grad_output():
    def run(lib):
        lin = lib.nn.Linear(2, 3)
        with lib.no_grad():
            lin.weight.copy_(lib.arange(6.0).reshape(3, 2))
        seen = []

        def hook(module, grad_input, grad_output):
            seen.append(([g.tolist() for g in grad_input], [g.tolist() for g in grad_output]))
            return (grad_input[0] * 10,)

        lin.register_full_backward_hook(hook)
        x = lib.tensor([[1.0, -1.0]], requires_grad=True)
        lin(x).mul(lib.tensor([[1.0, 2.0, 3.0]])).sum().backward()
        return seen, x.grad.tolist(), lin.weight.grad.tolist()

    t, c = both(run)
    assert c == t


def test_full_backward_hook_when_input_needs_no_grad():
    def run(lib):
        lin = lib.nn.Linear(2, 1)
        seen = []
        lin.register_full_backward_hook(lambda m, gi, go: seen.append((gi, [tuple(g.shape) for g in go])))
        lin(lib.ones(1, 2)).sum().backward()
        return seen

    t, c = both(run)
    assert c == t


def test_sequential_indexing_slicing_and_editing_match_torch():
    def run(lib):
        nn = lib.nn
        s = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 3), nn.Tanh())
        out = [repr(s[1:3]), repr(s[-1]), len(s), type(s[1:]).__name__]
        del s[1]
        out.append(repr(s))
        s.append(nn.Sigmoid())
        s.insert(0, nn.Identity())
        out.append(repr(s))
        out.append(repr(s + nn.Sequential(nn.ReLU())))
        s.pop(0)
        out.append(list(s.state_dict()))
        from collections import OrderedDict

        out.append(repr(nn.Sequential(OrderedDict([("conv", nn.Linear(1, 1)), ("act", nn.ReLU())]))))
        ml = nn.ModuleList([nn.ReLU()])
        ml.extend([nn.Tanh()])
        ml += [nn.Sigmoid()]
        ml.insert(1, nn.Identity())
        out.append(repr(ml))
        out.append(repr(ml[1:]))
        md = nn.ModuleDict({"a": nn.ReLU(), "b": nn.Tanh()})
        md["c"] = nn.Identity()
        out.append((list(md.keys()), "a" in md, len(md), repr(md.pop("a"))))
        pl = nn.ParameterList([lib.ones(1)])
        pl.append(nn.Parameter(lib.zeros(2)))
        out.append((len(pl), [type(p).__name__ for p in pl], list(pl.state_dict())))
        pd = nn.ParameterDict({"x": lib.ones(1)})
        pd["y"] = lib.zeros(2)
        out.append((list(pd.keys()), [type(p).__name__ for p in pd.values()], list(pd.state_dict())))
        return out

    t, c = both(run)
    assert c == t


def test_dropout_train_and_eval():
    m = chainrule.nn.Dropout(0.5)
    x = chainrule.ones(1000)
    y = m(x)
    zeros = float((y == 0).float().mean())
    assert 0.4 < zeros < 0.6
    assert set(np.unique(y.numpy()).tolist()) <= {0.0, 2.0}
    m.eval()
    assert m(x) is x or bool((m(x) == x).all())


def test_get_submodule_and_get_parameter():
    net = make_net(chainrule)
    assert net.get_submodule("block.fc") is net.block.fc
    assert net.get_parameter("block.fc.bias") is net.block.fc.bias
    with pytest.raises(AttributeError):
        net.get_submodule("block.nope")


def test_extra_repr_of_a_user_module_is_used():
    def run(lib):
        class Scale(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = lib.nn.Linear(1, 1)

            def extra_repr(self):
                return "factor=2\nmode=fast"

        class One(lib.nn.Module):
            def extra_repr(self):
                return "k=1"

        return repr(Scale()), repr(One())

    t, c = both(run)
    assert c == t


def test_deepcopy_gives_independent_parameters_and_buffers():
    def run(lib):
        import copy

        m = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.BatchNorm1d(2))
        m2 = copy.deepcopy(m)
        with lib.no_grad():
            m2[0].weight.add_(1)
        m2(lib.ones(3, 2))
        return (m2[0].weight is m[0].weight, type(m2[0].weight).__name__, m2[0].weight.requires_grad,
                bool(((m2[0].weight - m[0].weight) - 1).abs().max() < 1e-6), m[1].num_batches_tracked.item(),
                m2[1].num_batches_tracked.item(), repr(m2) == repr(m))

    t, c = both(run)
    assert c == t


def test_train_with_non_bool_raises_like_torch():
    def run(lib):
        try:
            lib.nn.Linear(1, 1).train(1)
        except ValueError as e:
            return str(e)

    t, c = both(run)
    assert c == t


def test_manual_sgd_training_loop_tracks_torch_for_several_steps():
    """A whole training step (forward, loss, backward, update, zero_grad) agrees with torch."""
    expr = "nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Dropout(0.0), nn.Linear(8, 3))"
    tm, cm = eval(expr, {"nn": torch.nn}), eval(expr, {"nn": chainrule.nn})
    copy_weights(tm, cm)
    rng = np.random.default_rng(3)
    t_loss_fn, c_loss_fn = torch.nn.CrossEntropyLoss(), chainrule.nn.CrossEntropyLoss()
    for _ in range(5):
        x = rng.standard_normal((6, 4)).astype(np.float32)
        y = rng.integers(0, 3, 6)
        for lib, model, loss_fn in ((torch, tm, t_loss_fn), (chainrule, cm, c_loss_fn)):
            loss = loss_fn(model(lib.tensor(x)), lib.tensor(y))
            model.zero_grad()
            loss.backward()
            with lib.no_grad():
                for p in model.parameters():
                    p -= 0.1 * p.grad
        assert_close(c_loss_fn(cm(chainrule.tensor(x)), chainrule.tensor(y)),
                     t_loss_fn(tm(torch.tensor(x)), torch.tensor(y)))
    for (k, t), c in zip(tm.state_dict().items(), cm.state_dict().values(), strict=True):
        assert_close(c, t, what=k)


def test_buffer_marker_registers_on_assignment_like_torch():
    def run(lib):
        m = lib.nn.Module()
        m.a = lib.nn.Buffer(lib.ones(2))
        m.b = lib.nn.Buffer(lib.zeros(1), persistent=False)
        return (list(m._buffers), list(m.state_dict()), isinstance(m.a, lib.nn.Buffer),
                isinstance(lib.ones(1), lib.nn.Buffer), type(m.a).__name__)

    t, c = both(run)
    assert c == t


def test_load_state_dict_assign_takes_the_checkpoint_tensors():
    def run(lib):
        m = lib.nn.Linear(2, 2)
        w = lib.ones(2, 2)
        m.load_state_dict({"weight": w, "bias": lib.zeros(2)}, assign=True)
        return (type(m.weight).__name__, m.weight.requires_grad, m.weight.data_ptr() == w.data_ptr(),
                m.weight.sum().item())

    t, c = both(run)
    assert c == t


@pytest.mark.parametrize("expr,shape", [("Dropout1d(0.5)", (20, 30, 7)), ("Dropout2d(0.5)", (20, 30, 3, 3)),
                                        ("Dropout2d(0.5)", (20, 30, 7)), ("Dropout1d(0.5)", (40, 7))])
def test_channel_dropout_zeroes_whole_channels_like_torch(expr, shape):
    import warnings

    def run(lib):
        m = eval(f"lib.nn.{expr}", {"lib": lib})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = m(lib.ones(*shape)).numpy()
        keep = 2 if len(shape) > 2 else 1
        per_channel = y.reshape(*shape[:keep], -1)
        whole = bool(np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1)))
        return whole, per_channel.shape, repr(m), bool(np.all(m.eval()(lib.ones(*shape)).numpy() == 1))

    t, c = both(run)
    assert c == t
