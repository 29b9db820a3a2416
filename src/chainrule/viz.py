"""Pictures of the backward graph, drawn in pure Python (no Graphviz needed).

>>> x = chainrule.tensor([-1.0, 2.0], requires_grad=True)
>>> g = chainrule.viz.draw((x * 2).sin().sum(), params={"x": x})
>>> g.save("graph.svg")          # or display ``g`` in Jupyter; g.to_dot() for Graphviz users

Leaves (``AccumulateGrad``) are at the top, the outputs at the bottom, and each arrow
goes from an input's node to the node that used it, the way the forward pass ran.

# Note [Layered layout]
The layout is the classic one for flow graphs (Sugiyama's): each node goes in the layer
of its longest distance from an output, an edge that spans several layers is routed
through one invisible point per layer it crosses (so it bends around the nodes in
between instead of running through them), then each layer is ordered a few times by
the mean position of its neighbours (which removes most crossings), and nodes are
placed left to right in that order.
"""

from __future__ import annotations

import html
from typing import Any

from .autograd.graph import AccumulateGrad, Node

__all__ = ["draw", "Graph"]

_CHAR_W = 7.0  # width of one character of 12px monospace text
_LINE_H = 15.0
_PAD = 8.0
_GAP_X = 24.0
_GAP_Y = 46.0


class Graph:
    """A drawn backward graph: ``nodes`` (dicts) and ``edges`` (src id, dst id) plus their layout."""

    def __init__(self, nodes: list[dict], edges: list[tuple[int, int]], routes: dict) -> None:
        self.nodes = nodes
        self.edges = edges
        self._routes = routes

    # -- output ---------------------------------------------------------------------------
    def to_svg(self) -> str:
        """The graph as a standalone SVG document."""
        width = max((n["x"] + n["w"] for n in self.nodes), default=0.0) + _PAD * 2
        height = max((n["y"] + n["h"] for n in self.nodes), default=0.0) + _PAD * 2
        out = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="monospace" font-size="12">',
            "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
            'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
            f'<rect width="{width:.0f}" height="{height:.0f}" fill="white"/>',
        ]
        for src, dst in self.edges:
            pts = self._routes[(src, dst)]
            d = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            out.append(
                f'<path class="edge" data-src="{src}" data-dst="{dst}" d="{d}" fill="none" '
                'stroke="#555" stroke-width="1.2" marker-end="url(#arrow)"/>'
            )
        for n in self.nodes:
            fill = {"leaf": "#d9ecff", "output": "#d8f5d0", "op": "#f2f2f2"}[n["kind"]]
            out.append(f'<g class="node" data-id="{n["id"]}" data-name="{html.escape(n["name"])}">')
            out.append(f"<title>{html.escape(n['name'])}</title>")
            out.append(
                f'<rect x="{n["x"]:.1f}" y="{n["y"]:.1f}" width="{n["w"]:.1f}" height="{n["h"]:.1f}" '
                f'rx="4" fill="{fill}" stroke="#333"/>'
            )
            for k, line in enumerate(n["lines"]):
                weight = ' font-weight="bold"' if k == 0 else ""
                out.append(
                    f'<text x="{n["x"] + n["w"] / 2:.1f}" y="{n["y"] + _PAD + 11 + k * _LINE_H:.1f}" '
                    f'text-anchor="middle"{weight}>{html.escape(line)}</text>'
                )
            out.append("</g>")
        out.append("</svg>")
        return "\n".join(out) + "\n"

    def to_dot(self) -> str:
        """The graph in Graphviz's DOT language (for ``dot -Tpng``)."""
        lines = ["digraph backward {", '  node [shape=box, style=filled, fontname="monospace"];']
        colors = {"leaf": "lightblue", "output": "darkolivegreen1", "op": "lightgrey"}
        for n in self.nodes:
            label = "\\n".join(s.replace('"', '\\"') for s in n["lines"])
            lines.append(f'  n{n["id"]} [label="{label}", fillcolor={colors[n["kind"]]}];')
        for src, dst in self.edges:
            lines.append(f"  n{src} -> n{dst};")
        lines.append("}")
        return "\n".join(lines) + "\n"

    def save(self, path: str) -> None:
        """Write the picture: SVG, or DOT when ``path`` ends in ``.dot``/``.gv``."""
        text = self.to_dot() if str(path).endswith((".dot", ".gv")) else self.to_svg()
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)

    def _repr_svg_(self) -> str:
        return self.to_svg()

    def _repr_html_(self) -> str:
        return self.to_svg()

    def __repr__(self) -> str:
        return f"<chainrule.viz.Graph: {len(self.nodes)} nodes, {len(self.edges)} edges>"


def draw(tensors: Any, params: Any = None, show_saved: bool = False) -> Graph:
    """Draw the backward graph that ends at ``tensors`` (a Tensor or several).

    ``params`` names the leaves: a dict name -> Tensor, or a module (its
    ``named_parameters()``). ``show_saved`` adds the shapes of each node's saved tensors.
    """
    from ._tensor import Tensor

    roots = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    names = _leaf_names(params)
    root_edges = []
    shapes: dict = {}  # (node, output_nr) -> (shape, dtype name)
    for t in roots:
        node, nr = t._edge() if t._requires_grad else (None, 0)
        if node is None:
            continue
        root_edges.append(node)
        shapes[(node, nr)] = (tuple(t.shape), _dtype_name(t._data.dtype))

    order = _reachable(root_edges)  # latest-created first: consumers before their inputs
    for node in order:  # shapes flow from an output to its inputs (see _input_shapes)
        for (child, nr), shape in zip(node._edges, _input_shapes(node, shapes), strict=False):
            if child is not None and shape is not None:
                shapes.setdefault((child, nr), shape)

    ids = {node: k for k, node in enumerate(order)}
    root_set = set(root_edges)
    nodes = []
    for node in order:
        nodes.append(_describe(node, ids[node], shapes, names, node in root_set, show_saved))
    edges = []
    for node in order:
        for child, _ in node._edges:
            if child is not None and (ids[child], ids[node]) not in edges:
                edges.append((ids[child], ids[node]))
    routes = _layout(nodes, edges)
    return Graph(nodes, edges, routes)


# -- what each node shows ---------------------------------------------------------------------


def _leaf_names(params: Any) -> dict:
    if params is None:
        return {}
    items = params.named_parameters() if hasattr(params, "named_parameters") else params.items()
    return {id(t): name for name, t in items}


def _dtype_name(dt) -> str:
    """``float32`` for a NumPy dtype or a chainrule dtype."""
    from ._dtype import from_numpy_dtype

    if hasattr(dt, "kind"):  # a NumPy dtype
        dt = from_numpy_dtype(dt)
    return str(dt).replace("chainrule.", "").replace("torch.", "")


def _reachable(roots: list) -> list:
    """Every node reachable from ``roots``, latest-created first (a topological order)."""
    seen, stack = set(), list(roots)
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(c for c, _ in node._edges if c is not None and c not in seen)
    return sorted(seen, key=lambda n: -n._seq)


def _input_shapes(node: Node, shapes: dict) -> list:
    """Each input's (shape, dtype): recorded in ``_meta``, or else equal to the output's."""
    meta = getattr(node, "_meta", None)
    if meta is not None:
        return [(tuple(m[0]), _dtype_name(m[1])) if m is not None else None for m in meta]
    out = shapes.get((node, 0))
    return [out] * len(node._edges)


def _describe(node: Node, k: int, shapes: dict, names: dict, is_root: bool, show_saved: bool) -> dict:
    if isinstance(node, AccumulateGrad):
        v = node.variable
        name = names.get(id(v), "")
        lines = [name or "AccumulateGrad", f"{tuple(v.shape)} {_dtype_name(v._data.dtype)}"]
        return {"id": k, "name": node.name(), "node": node, "kind": "leaf", "lines": lines}
    lines = [type(node).__name__]
    outs = sorted((nr, s) for (n, nr), s in shapes.items() if n is node)
    for nr, (shape, dt) in outs:
        lines.append(f"{'#' + str(nr) + ' ' if len(outs) > 1 else ''}{shape} {dt}")
    if not outs:
        lines.append("?")
    if show_saved:
        saved = _saved_shapes(node)
        if saved:
            lines.append("saved: " + ", ".join(str(s) for s in saved))
    kind = "output" if is_root else "op"
    return {"id": k, "name": node.name(), "node": node, "kind": kind, "lines": lines}


def _saved_shapes(node: Node) -> list:
    from ._tensor import Tensor

    out = []
    args = getattr(node, "_args", None)
    if args:
        out += [tuple(a.shape) for a in args if isinstance(a, Tensor)]
    result = getattr(node, "_result", None)
    if result:
        out.append(tuple(result[0].shape))
    for item in getattr(node, "_saved", None) or ():
        if item is not None:
            kind, t, _ = item
            out.append(tuple(t[0].shape) if kind == "output" else tuple(t.shape))
    return out


# -- layout (Note [Layered layout]) -----------------------------------------------------------


def _layout(nodes: list[dict], edges: list[tuple[int, int]]) -> dict:
    n = len(nodes)
    for nd in nodes:
        nd["w"] = max(len(s) for s in nd["lines"]) * _CHAR_W + 2 * _PAD
        nd["h"] = len(nd["lines"]) * _LINE_H + 2 * _PAD - 4
    # Depth from the outputs: a consumer is always listed before its inputs.
    depth = [0] * n
    parents: list[list[int]] = [[] for _ in range(n)]
    for src, dst in edges:
        parents[src].append(dst)
    for k in range(n):
        if parents[k]:
            depth[k] = max(depth[p] for p in parents[k]) + 1
    top = max(depth, default=0)
    layer_of = [top - d for d in depth]  # leaves at the top

    # Chains of points: an edge across several layers gets one invisible point per layer.
    layers: list[list] = [[] for _ in range(top + 1)]
    for k in range(n):
        layers[layer_of[k]].append(("n", k))
    chains = {}
    for src, dst in edges:
        chain = [("n", src)]
        for lay in range(layer_of[src] + 1, layer_of[dst]):
            p = ("d", src, dst, lay)
            layers[lay].append(p)
            chain.append(p)
        chain.append(("n", dst))
        chains[(src, dst)] = chain
    up: dict = {}
    down: dict = {}
    for chain in chains.values():
        for a, b in zip(chain, chain[1:], strict=False):
            down.setdefault(a, []).append(b)
            up.setdefault(b, []).append(a)

    def width(p) -> float:
        return nodes[p[1]]["w"] if p[0] == "n" else 2.0

    pos: dict = {}

    def place(layer) -> None:
        x = _PAD
        for p in layer:
            pos[p] = x + width(p) / 2
            x += width(p) + _GAP_X

    for layer in layers:
        place(layer)
    for sweep in range(4):  # barycentre ordering, alternating down and up
        seq = layers[1:] if sweep % 2 == 0 else layers[-2::-1]
        nbrs = up if sweep % 2 == 0 else down
        for layer in seq:
            layer.sort(key=lambda p: sum(pos[q] for q in nbrs.get(p, ())) / len(nbrs[p]) if nbrs.get(p) else pos[p])
            place(layer)
    # Centre each layer under the widest one.
    total = max((pos[lay[-1]] + width(lay[-1]) / 2 for lay in layers if lay), default=0.0)
    for layer in layers:
        if layer:
            shift = (total - (pos[layer[-1]] + width(layer[-1]) / 2) + _PAD) / 2
            for p in layer:
                pos[p] += shift
    heights = [max((nodes[p[1]]["h"] for p in lay if p[0] == "n"), default=0.0) for lay in layers]
    ys, y = [], _PAD
    for h in heights:
        ys.append(y)
        y += h + _GAP_Y
    for k, nd in enumerate(nodes):
        nd["x"] = pos[("n", k)] - nd["w"] / 2
        nd["y"] = ys[layer_of[k]] + (heights[layer_of[k]] - nd["h"]) / 2
    routes = {}
    for (src, dst), chain in chains.items():
        a, b = nodes[src], nodes[dst]
        pts = [(pos[chain[0]], a["y"] + a["h"])]
        for p in chain[1:-1]:
            lay = p[3]
            pts += [(pos[p], ys[lay]), (pos[p], ys[lay] + heights[lay])]
        pts.append((pos[chain[-1]], b["y"]))
        routes[(src, dst)] = pts
    return routes

