"""The graph users can see: grad_fn names and structure, hooks, retain_grad, detach.

Compared with PyTorch's by running each program with both modules.
"""

from __future__ import annotations

import pytest

from autograd_oracle import chainrule, graph_shape, raises_same, same


# -- grad_fn names and structure ----------------------------------------------------------------


def test_seed_graph_has_torch_node_names_and_structure():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = (x**2 * 3).sin().sum()
        return graph_shape(y.grad_fn)

    same(program)


def test_graph_structure_with_constants_and_two_leaves():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([0.5, 0.5], requires_grad=True)
        c = m.tensor([1.0, 2.0])
        z = ((x * c + w) * x).exp().mean()
        return graph_shape(z.grad_fn)

    same(program)


@pytest.mark.parametrize(
    "expr",
    [
        "x ** 2",
        "x * x",
        "x + 1",
        "x - 1",
        "x / 2",
        "-x",
        "x.sin()",
        "x.cos()",
        "x.exp()",
        "x.log()",
        "x.sqrt()",
        "x.tanh()",
        "x.sigmoid()",
        "x.relu()",
        "x.abs()",
        "x.sum()",
        "x.sum(0)",
        "x.mean()",
        "x.clamp(0, 1)",
        "x.clone()",
        "x.t()",
        "x.permute(1, 0)",
        "x.transpose(0, 1)",
        "x.reshape(4)",
        "x.view(4)",
        "x.unsqueeze(0)",
        "x.expand(3, 2, 2)",
        "x[0]",
        "x[x > 1]",
        "x @ x",
        "x.double()",
        "x ** x",
        "2 ** x",
    ],
)
def test_grad_fn_name_matches_torch(expr):
    def program(m):
        x = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = eval(expr, {"x": x})
        return y.grad_fn.name(), type(y.grad_fn).__name__, y.is_leaf

    same(program)


def test_grad_made_with_create_graph_is_a_differentiable_copy():
    """``.grad`` after ``backward(create_graph=True)``: a copy in the graph (PyTorch's node is
    CopyBackwards); a second backward adds to it (AddBackward0); both differentiate."""
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        (x ** 3).sum().backward(create_graph=True)
        first = (type(x.grad.grad_fn).__name__, x.grad.grad_fn.name(), x.grad.detach().clone())
        (g2,) = m.autograd.grad((x.grad * m.tensor([1.0, -2.0])).sum(), x, retain_graph=True)
        (x * x).sum().backward(create_graph=True)
        return first, type(x.grad.grad_fn).__name__, g2, x.grad

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about the reference cycle of create_graph
        same(program)


@pytest.mark.parametrize("expr", ["x.split(2)", "x.split([1, 3, 2])", "x.chunk(3)", "x.unbind()", "x.unbind(1)",
                                  "x[1:].split(2)"])
def test_pieces_share_one_node_as_in_torch(expr):
    """split/chunk/unbind: all pieces come from one node (PyTorch's SplitBackward0,
    SplitWithSizesBackward0, UnbindBackward0), each piece its own output_nr."""
    def program(m):
        x = m.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0], [9.0, 1.0], [2.0, 3.0]], requires_grad=True)
        pieces = eval(expr, {"x": x})
        nodes = {id(p.grad_fn) for p in pieces}
        out = sum((p * (i + 1)).sum() for i, p in enumerate(pieces) if i != 1)  # piece 1 gets no gradient
        out.backward()
        nexts = [(type(f).__name__, nr) for f, nr in pieces[0].grad_fn.next_functions]
        return type(pieces[0].grad_fn).__name__, len(nodes), [p.output_nr for p in pieces], nexts, x.grad

    same(program)


def test_leaf_accumulator_name_and_identity():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        a = (x * 2).grad_fn.next_functions[0][0]
        b = (x * 3).grad_fn.next_functions[0][0]
        return a.name(), type(a).__name__, a is b, a.variable is x, a.next_functions

    same(program)


def test_next_functions_marks_inputs_without_grad_as_none():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        c = m.tensor([3.0, 4.0])
        y = c * x
        return [(type(f).__name__ if f is not None else None, i) for f, i in y.grad_fn.next_functions]

    same(program)


def test_next_functions_records_output_index_of_multi_output_function():
    def program(m):
        class Split(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 1, x * 2

            @staticmethod
            def backward(ctx, a, b):
                return a + 2 * b

        x = m.tensor([1.0, 2.0], requires_grad=True)
        a, b = Split.apply(x)
        z = b * a
        return [(f.name(), i) for f, i in z.grad_fn.next_functions], z.grad_fn.next_functions[0][
            0
        ] is z.grad_fn.next_functions[1][0]

    same(program)


def test_metadata_is_a_dict_that_persists():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.grad_fn.metadata["tag"] = "mine"
        return (
            dict(y.grad_fn.metadata),
            type(y.grad_fn.metadata).__name__,
            y.grad_fn.metadata is y.grad_fn.metadata,
        )

    same(program)


def test_repr_of_tensor_names_its_node_type():
    def program(m):
        x = m.tensor([[1.0, 2.0]], requires_grad=True)
        y = x * 1
        y[0].mul_(2)
        return repr((x * 2).sum()), repr(y)

    same(program)


# -- Tensor.register_hook -----------------------------------------------------------------------


def test_tensor_hooks_run_in_order_and_may_replace_the_gradient():
    def program(m):
        log = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: log.append(("a", g)))
        y.register_hook(lambda g: g * 10)
        y.register_hook(lambda g: log.append(("c", g)))
        x.register_hook(lambda g: log.append(("x", g)))
        x.register_hook(lambda g: g + 1)
        (y * y).sum().backward()
        return log, x.grad

    same(program)


def test_removed_hook_no_longer_runs():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        h1 = x.register_hook(lambda g: g * 100)
        h2 = y.register_hook(lambda g: g + 1)
        y.sum().backward(retain_graph=True)
        first = x.grad.clone()
        h1.remove()
        h2.remove()
        h1.remove()  # twice is fine
        x.grad = None
        y.sum().backward()
        return first, x.grad

    same(program)


def test_hook_handle_as_context_manager():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        with x.register_hook(lambda g: g * 2):
            (x * 3).sum().backward()
        (x * 3).sum().backward()
        return x.grad

    same(program)


def test_hook_that_removes_itself():
    def program(m):
        log = []
        x = m.tensor([1.0, 2.0], requires_grad=True)

        def once(g):
            log.append("once")
            handle.remove()
            return g * 2

        handle = x.register_hook(once)
        (x * 3).sum().backward()
        (x * 3).sum().backward()
        return x.grad, log

    same(program)


def test_hook_on_non_leaf_sees_the_summed_gradient_once():
    def program(m):
        log = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: log.append(g))
        (y * y + y).sum().backward()
        return log

    same(program)


def test_hook_changes_what_autograd_grad_returns_for_a_leaf():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        x.register_hook(lambda g: g * 10)
        (g,) = m.autograd.grad((x * x).sum(), x)
        return g, x.grad

    same(program)


def test_hook_on_tensor_that_does_not_require_grad_raises():
    def program(m):
        m.tensor([1.0, 2.0]).register_hook(lambda g: g)

    raises_same(program)


@pytest.mark.parametrize("change", ["shape", "dtype"])
def test_hook_returning_a_different_shape_or_dtype_raises(change):
    def program(m):
        def hook(g):
            return m.ones(3) if change == "shape" else g.double()

        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.register_hook(hook)
        (y * y).sum().backward()

    raises_same(program)


def test_hook_returning_a_non_tensor_raises_type_error():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        x.register_hook(lambda g: 3)
        (x * x).sum().backward()

    raises_same(program)


# -- retain_grad --------------------------------------------------------------------------------


def test_retain_grad_keeps_non_leaf_gradients_and_accumulates():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        z = y * y
        z.retain_grad()
        flags = (y.retains_grad, z.retains_grad, x.retains_grad)
        z.sum().backward(retain_graph=True)
        first = (y.grad.clone(), z.grad.clone())
        z.sum().backward()
        return flags, first, y.grad, z.grad

    same(program)


@pytest.mark.parametrize("hook_first", [True, False])
def test_retain_grad_sees_the_gradient_after_every_tensor_hook(hook_first):
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        if hook_first:
            y.register_hook(lambda g: g * 100)
            y.retain_grad()
        else:
            y.retain_grad()
            y.register_hook(lambda g: g * 100)
        y.sum().backward()
        return y.grad, x.grad

    same(program)


def test_retain_grad_is_before_node_prehooks():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        y.grad_fn.register_prehook(lambda go: (go[0] * 7,))
        y.sum().backward()
        return y.grad, x.grad

    same(program)


def test_retain_grad_on_a_leaf_is_a_no_op_and_on_a_constant_raises():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        x.retain_grad()
        try:
            m.tensor([1.0]).retain_grad()
        except RuntimeError as exc:
            return x.retains_grad, str(exc)

    same(program)


def test_retained_grad_is_a_copy_of_the_incoming_gradient():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 1
        y.retain_grad()
        g = m.tensor([3.0, 4.0])
        y.backward(g)
        g.add_(1)
        return y.grad, y.grad is g

    same(program)


def test_retain_grad_with_create_graph_keeps_a_differentiable_grad():
    def program(m):
        x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
        y = x * x
        y.retain_grad()
        (g,) = m.autograd.grad((y * y).sum(), x, create_graph=True)
        return y.grad, y.grad.requires_grad

    same(program)


# -- register_post_accumulate_grad_hook ---------------------------------------------------------


def test_post_accumulate_grad_hook_runs_after_grad_is_updated():
    def program(m):
        log = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        x.register_post_accumulate_grad_hook(lambda t: log.append(("post", t is x, t.grad.clone())))
        x.register_hook(lambda g: log.append(("hook", g)))
        (x * 3).sum().backward()
        (x * 3).sum().backward()
        m.autograd.grad((x * 3).sum(), x)  # grad() accumulates nothing: no post hook
        return log

    same(program)


def test_post_accumulate_grad_hook_can_step_and_clear():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)

        def sgd(t):
            with m.no_grad():
                t.sub_(t.grad * 0.1)
            t.grad = None

        handle = x.register_post_accumulate_grad_hook(sgd)
        (x * x).sum().backward()
        handle.remove()
        (x * x).sum().backward()
        return x, x.grad

    same(program)


def test_post_accumulate_grad_hook_on_non_leaf_raises():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).register_post_accumulate_grad_hook(lambda t: None)

    raises_same(program)


# -- Node hooks ---------------------------------------------------------------------------------


def test_node_pre_and_post_hooks_see_grad_outputs_and_grad_inputs():
    def program(m):
        log = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([3.0, 4.0])
        y = x * w
        y.grad_fn.register_prehook(lambda go: log.append(("pre", go)))
        y.grad_fn.register_hook(lambda gi, go: log.append(("post", gi, go)))
        y.sum().backward()
        return log, x.grad

    same(program)


def test_node_hooks_may_replace_gradients():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.grad_fn.register_prehook(lambda go: (go[0] * 3,))
        y.grad_fn.register_hook(lambda gi, go: (gi[0] + 1, gi[1]))
        y.sum().backward()
        return x.grad

    same(program)


def test_tensor_hooks_run_before_node_prehooks():
    def program(m):
        log = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.grad_fn.register_prehook(lambda go: log.append("node pre"))
        y.register_hook(lambda g: log.append("tensor"))
        acc = y.grad_fn.next_functions[0][0]
        acc.register_prehook(lambda go: log.append("leaf node pre"))
        x.register_hook(lambda g: log.append("leaf tensor"))
        y.sum().backward()
        return log

    same(program)


def test_accumulator_node_hooks():
    def program(m):
        log = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        acc = y.grad_fn.next_functions[0][0]
        acc.register_prehook(lambda go: log.append(("pre", go)))
        acc.register_hook(lambda gi, go: log.append(("post", gi, go)))
        y.sum().backward()
        return log, x.grad

    same(program)


def test_removed_node_hook_no_longer_runs():
    def program(m):
        log = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        h = y.grad_fn.register_prehook(lambda go: log.append("pre"))
        h2 = y.grad_fn.register_hook(lambda gi, go: log.append("post"))
        y.sum().backward(retain_graph=True)
        h.remove()
        h2.remove()
        y.sum().backward()
        return log

    same(program)


def test_calling_a_node_runs_its_backward():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x.sin()
        z = x * m.tensor([3.0, 4.0], requires_grad=True)
        return y.grad_fn(m.tensor([1.0, 0.5])), z.grad_fn(m.tensor([1.0, 0.5]))

    same(program)


# -- detach, requires_grad_, is_leaf ------------------------------------------------------------


def test_detach_shares_data_and_version_but_not_the_graph():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        d = y.detach()
        flags = (d.requires_grad, d.is_leaf, d.grad_fn is None)
        d[0] = 5.0
        return flags, y, d

    same(program)


def test_detach_in_place_turns_a_non_leaf_into_a_leaf():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        out = y.detach_()
        z = y * 3
        return out is y, y.requires_grad, y.is_leaf, y.grad_fn is None, z.requires_grad

    same(program)


def test_detach_in_place_of_a_view_raises():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        (x * 2)[0:1].detach_()

    raises_same(program)


def test_requires_grad_and_is_leaf():
    def program(m):
        x = m.tensor([1.0, 2.0])
        log = [x.requires_grad, x.is_leaf]
        out = x.requires_grad_()
        log += [out is x, x.requires_grad, x.is_leaf]
        y = x * 2
        log += [y.requires_grad, y.is_leaf, y.requires_grad_(True) is y]
        x.requires_grad = False
        log += [x.requires_grad, (x * 2).requires_grad]
        with m.no_grad():
            z = y * 2
        log += [z.requires_grad, z.is_leaf]
        return log

    same(program)


def test_detached_tensor_stops_gradient_flow():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * x
        z = (y.detach() * x).sum()
        z.backward()
        return x.grad

    same(program)


def test_dot_data_is_a_detached_alias():
    def program(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        d = x.data
        d.mul_(3)  # allowed: .data is outside the graph
        return x, d.requires_grad, (x * 1).requires_grad

    same(program)


def test_seed_program_prints_like_torch():
    def program(m):
        x = m.tensor(2.0, requires_grad=True)
        y = x**2
        y.backward()
        out = [str(x.grad)]
        with m.no_grad():
            out.append(str((x**2).requires_grad))
        out.append(str((x**2).detach().requires_grad))
        x.grad = None
        y = x**2
        z = m.sin(y)
        y.backward(retain_graph=True)
        x.grad.zero_()
        z.backward()
        out.append(str(x.grad))
        return out

    same(program)


def test_graph_shape_helper_sees_a_diamond_once_per_edge():
    x = chainrule.tensor([1.0], requires_grad=True)
    y = x * 2
    z = y + y
    name, edges = graph_shape(z.grad_fn)
    assert name == "AddBackward0" and edges[0] == edges[1]
