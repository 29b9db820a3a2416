"""chainrule.viz.draw: the SVG's nodes and edges are the graph's, read back from the SVG itself."""

import xml.etree.ElementTree as ET

import numpy as np
import pytest

import chainrule
import chainrule.nn.functional as F

SVG = "{http://www.w3.org/2000/svg}"


class MyReLU(chainrule.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


def _walk(roots):
    """Every node and every (input node, consumer node) edge, by next_functions alone."""
    nodes, edges, stack = set(), set(), [r.grad_fn for r in roots]
    while stack:
        n = stack.pop()
        if n in nodes:
            continue
        nodes.add(n)
        for child, _ in n.next_functions:
            if child is not None:
                edges.add((child, n))
                stack.append(child)
    return nodes, edges


def _parse(graph):
    root = ET.fromstring(graph.to_svg())
    by_id = {n["id"]: n["node"] for n in graph.nodes}
    svg_nodes = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == "node":
            rect = g.find(f"{SVG}rect")
            texts = [t.text for t in g.findall(f"{SVG}text")]
            box = tuple(float(rect.get(k)) for k in ("x", "y", "width", "height"))
            svg_nodes[int(g.get("data-id"))] = (g.get("data-name"), texts, box)
    svg_edges = []
    for p in root.iter(f"{SVG}path"):
        if p.get("class") == "edge":
            pts = [tuple(map(float, s.split(","))) for s in p.get("d")[1:].split(" L")]
            svg_edges.append((int(p.get("data-src")), int(p.get("data-dst")), pts))
    return by_id, svg_nodes, svg_edges


def _check(roots, **kw):
    graph = chainrule.viz.draw(roots if len(roots) > 1 else roots[0], **kw)
    by_id, svg_nodes, svg_edges = _parse(graph)
    want_nodes, want_edges = _walk(roots)
    assert {by_id[k] for k in svg_nodes} == want_nodes
    for k, (name, _, _) in svg_nodes.items():
        assert name == by_id[k].name()
    assert {(by_id[s], by_id[d]) for s, d, _ in svg_edges} == want_edges
    assert len(svg_edges) == len(want_edges)
    # Edges run from the bottom of their input's box to the top of their consumer's, and no
    # segment passes through any other node's box.
    ids = list(svg_nodes)
    boxes = np.array([svg_nodes[k][2] for k in ids])
    x, y, w, h = boxes.T
    t = np.linspace(0, 1, 21)[:, None]
    for s, d, pts in svg_edges:
        sx, sy, sw, sh = svg_nodes[s][2]
        dx, dy, dw, dh = svg_nodes[d][2]
        assert pts[0][1] == pytest.approx(sy + sh) and pts[-1][1] == pytest.approx(dy)
        p = np.array(pts)
        samples = np.concatenate([a + t * (b - a) for a, b in zip(p[:-1], p[1:], strict=True)])  # (k, 2)
        px, py = samples[:, :1], samples[:, 1:]
        inside = (x + 1 < px) & (px < x + w - 1) & (y + 1 < py) & (py < y + h - 1)
        hit = {ids[j] for j in np.nonzero(inside.any(axis=0))[0]} - {s, d}
        assert not hit, (s, d, hit)
    # No two boxes overlap.
    boxes = [b for _, _, b in svg_nodes.values()]
    for i, (x, y, w, h) in enumerate(boxes):
        for x2, y2, w2, h2 in boxes[i + 1:]:
            assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y
    return graph, svg_nodes


def test_seed_myrelu_graph():
    x = chainrule.tensor([-1.0, 2.0, -3.0], requires_grad=True)
    y = MyReLU.apply(x)
    graph, svg_nodes = _check([y], params={"x": x})
    texts = {svg_nodes[k][0]: svg_nodes[k][1] for k in svg_nodes}
    assert texts["MyReLUBackward"] == ["MyReLUBackward", "(3,) float32"]
    assert texts["torch::autograd::AccumulateGrad"] == ["x", "(3,) float32"]


def test_seed_sin_of_square_graph():
    x = chainrule.tensor(2.0, requires_grad=True)
    z = chainrule.sin(x**2)
    graph, svg_nodes = _check([z])
    names = sorted(n for n, _, _ in svg_nodes.values())
    assert names == ["PowBackward0", "SinBackward0", "torch::autograd::AccumulateGrad"]


class _Params:
    """Anything with named_parameters(), as an nn.Module has."""

    def __init__(self, **params):
        self.params = params

    def named_parameters(self):
        return iter(self.params.items())


def test_mlp_graph_names_leaves_from_named_parameters_and_shows_shapes():
    rng = np.random.default_rng(0)
    p = {
        "fc1.weight": chainrule.tensor(rng.standard_normal((8, 4)), requires_grad=True),
        "fc1.bias": chainrule.tensor(rng.standard_normal(8), requires_grad=True),
        "fc2.weight": chainrule.tensor(rng.standard_normal((3, 8)), requires_grad=True),
        "fc2.bias": chainrule.tensor(rng.standard_normal(3), requires_grad=True),
    }
    x = chainrule.tensor(rng.standard_normal((5, 4)))
    h = chainrule.tanh(x @ p["fc1.weight"].T + p["fc1.bias"])
    loss = ((h @ p["fc2.weight"].T + p["fc2.bias"]) ** 2).mean()
    graph, svg_nodes = _check([loss], params=_Params(**p), show_saved=True)
    leaves = {t[0]: t[1] for _, t, _ in svg_nodes.values() if t[0] in p}
    assert leaves == {name: f"{tuple(t.shape)} float64" for name, t in p.items()}
    # Each node's output shape is the shape of the tensor it made: check a few.
    assert svg_nodes[0][1][:2] == ["MeanBackward0", "() float64"]
    tanh = [t for _, t, _ in svg_nodes.values() if t[0] == "TanhBackward0"]
    assert tanh[0][1] == "(5, 8) float64" and tanh[0][2].startswith("saved:")


def test_attention_block_graph_several_roots():
    rng = np.random.default_rng(1)
    d = 6
    wq, wk, wv = (chainrule.tensor(rng.standard_normal((d, d)), requires_grad=True) for _ in range(3))
    g = chainrule.ones(d, requires_grad=True)
    x = chainrule.tensor(rng.standard_normal((2, 4, d)), dtype=chainrule.float32)
    h = F.layer_norm(x, (d,), weight=g)
    q, k, v = F.linear(h, wq.float()), F.linear(h, wk.float()), F.linear(h, wv.float())
    att = F.softmax(q @ k.transpose(-2, -1) / d**0.5, dim=-1)
    out = x + att @ v
    _check([out.sum(), att.mean()], params={"wq": wq, "wk": wk, "wv": wv, "ln.weight": g})


def test_large_graph_layout_keeps_edges_off_nodes():
    x = chainrule.tensor(np.linspace(-1, 1, 4), requires_grad=True)
    y, acc = x, []
    for i in range(70):
        y = chainrule.sin(y) * x if i % 3 else y + 1.0
        acc.append(y)
    graph, _ = _check([chainrule.stack(acc[::7]).sum()])
    assert len(graph.nodes) > 100


def test_outputs_save_to_dot_and_jupyter(tmp_path):
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    graph = chainrule.viz.draw((x * x).sum(), params={"x": x})
    assert graph._repr_svg_() == graph.to_svg() and "<svg" in graph._repr_html_()
    graph.save(str(tmp_path / "g.svg"))
    ET.parse(tmp_path / "g.svg")
    dot = graph.to_dot()
    assert dot.startswith("digraph") and dot.count("->") == 2 and 'label="x\\n(2,) float32"' in dot
    graph.save(str(tmp_path / "g.dot"))
    assert (tmp_path / "g.dot").read_text() == dot


def test_docs_picture_is_current():
    """docs/myrelu_graph.svg is what draw() makes of the seed's MyReLU example."""
    import pathlib

    x = chainrule.tensor([-1.0, 2.0, -3.0], requires_grad=True)
    y = MyReLU.apply(x)
    svg = chainrule.viz.draw(y, params={"x": x}, show_saved=True).to_svg()
    path = pathlib.Path(__file__).parent.parent / "docs" / "myrelu_graph.svg"
    assert path.read_text() == svg
