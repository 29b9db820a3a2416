"""Registry entries for nn.functional convolution, pooling, padding, resampling, embedding,
normalisation and attention (see opinfo.py for the conventions).

Samples are tiny: gradcheck takes samples whose leaves hold at most 24 elements and
gradgradcheck at most 12, so each entry has a few such samples next to larger
forward-only ones (strides, padding, groups, ceil_mode, ...).
"""

from __future__ import annotations

import numpy as np
from opinfo import ERRORS, Const, ErrorCase, NC, OpInfo, Sample, register

# -- convolution -----------------------------------------------------------------------------------


def _conv_op(n):
    def op(mod, x, w, b=None, **kw):
        return getattr(mod.nn.functional, f"conv{n}d")(x, w, b, **kw)

    return op


def _conv1d_samples(make):
    return [
        Sample((make((1, 1, 4)), make((1, 1, 2)), make((1,))), desc="tiny with bias"),
        Sample((make((2, 2, 3)), make((1, 2, 2))), desc="batch 2, no bias"),
        Sample(
            (make((1, 2, 5)), make((2, 1, 3))),
            {"stride": 2, "padding": 1, "groups": 2},
            desc="stride, padding, groups",
        ),
        Sample(
            (make((2, 3, 9)), make((4, 3, 3)), make((4,))),
            {"dilation": 2, "padding": "same"},
            desc="dilated same",
        ),
        Sample((make((2, 3, 8)), make((4, 3, 2))), {"padding": "same"}, desc="same, even kernel"),
        Sample((make((3, 6)), make((2, 3, 2))), {"padding": "valid"}, desc="unbatched valid"),
        Sample((NC(make((2, 3, 5))), make((2, 3, 2))), desc="non-contiguous input (a transposed view)"),
        Sample((make((0, 2, 5)), make((3, 2, 2))), desc="empty batch"),
    ]


def _conv2d_samples(make):
    return [
        Sample((make((1, 1, 2, 3)), make((1, 1, 2, 2)), make((1,))), desc="tiny with bias"),
        Sample((make((1, 2, 2, 2)), make((1, 2, 1, 2))), {"padding": (1, 0)}, desc="asymmetric padding"),
        Sample(
            (make((2, 4, 7, 6)), make((6, 2, 3, 2)), make((6,))),
            {"stride": (2, 1), "padding": 1, "dilation": (1, 2), "groups": 2},
            desc="everything",
        ),
        Sample((make((2, 3, 6, 5)), make((4, 3, 2, 3))), {"padding": "same"}, desc="same, even kernel"),
        Sample((make((3, 5, 4)), make((2, 3, 3, 3))), {"padding": 1}, desc="unbatched"),
        Sample(
            (make((2, 4, 5, 5)), make((4, 1, 3, 3))), {"groups": 4, "stride": 2}, desc="depthwise strided"
        ),
        Sample((make((1, 2, 4, 3)), NC(make((2, 2, 2, 2)))), desc="non-contiguous weight"),
    ]


def _conv3d_samples(make):
    return [
        Sample((make((1, 1, 2, 2, 2)), make((1, 1, 2, 1, 2))), desc="tiny"),
        Sample(
            (make((1, 2, 4, 4, 3)), make((3, 2, 2, 2, 2)), make((3,))),
            {"padding": 1, "stride": (1, 2, 1)},
            desc="padded",
        ),
    ]


def _conv_transpose_op(n):
    def op(mod, x, w, b=None, **kw):
        return getattr(mod.nn.functional, f"conv_transpose{n}d")(x, w, b, **kw)

    return op


def _conv_transpose1d_samples(make):
    return [
        Sample((make((1, 1, 3)), make((1, 1, 2)), make((1,))), desc="tiny with bias"),
        Sample(
            (make((1, 2, 2)), make((2, 1, 2))),
            {"stride": 2, "output_padding": 1},
            desc="stride, output_padding",
        ),
        Sample(
            (make((2, 4, 3)), make((4, 3, 3))), {"stride": 3, "dilation": 2, "padding": 1}, desc="dilated"
        ),
        Sample((make((2, 4, 3)), make((4, 1, 2)), make((2,))), {"groups": 2}, desc="groups"),
        Sample((make((4, 3)), make((4, 2, 2))), desc="unbatched"),
        Sample(
            (make((1, 2, 3)), make((2, 1, 2)), make((1,))),
            {"stride": 1, "dilation": 3, "output_padding": 2},
            desc="output_padding past the stride",
        ),
    ]


def _conv_transpose2d_samples(make):
    return [
        Sample((make((1, 1, 2, 2)), make((1, 1, 2, 2))), desc="tiny"),
        Sample(
            (make((1, 1, 2, 1)), make((1, 2, 1, 2)), make((2,))),
            {"stride": (2, 1)},
            desc="tiny strided, bias",
        ),
        Sample(
            (make((2, 4, 3, 4)), make((4, 3, 3, 3)), make((6,))),
            {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2},
            desc="everything",
        ),
    ]


_CONV_PRIMS = ("_convolution", "_conv_input_grad_kernel[ConvolutionBackwardBackward0]", "_conv_weight_grad")

register(
    OpInfo(
        "nn.functional.conv1d",
        _conv_op(1),
        _conv1d_samples,
        prims=_CONV_PRIMS,
        torch_gradgrad=True,
        rtol={"float32": 1e-4, "float64": 1e-9},
        atol={"float32": 1e-5, "float64": 1e-12},
    ),
    OpInfo(
        "nn.functional.conv2d",
        _conv_op(2),
        _conv2d_samples,
        prims=_CONV_PRIMS,
        torch_gradgrad=True,
        int_samples=lambda make: [
            Sample(
                (make.ints((2, 2, 4, 5)), make.ints((3, 2, 2, 2)), make.ints((3,))),
                {"padding": 1},
                desc="int64",
            )
        ],
        rtol={"float32": 1e-4, "float64": 1e-9},
        atol={"float32": 1e-5, "float64": 1e-12},
    ),
    OpInfo(
        "nn.functional.conv3d",
        _conv_op(3),
        _conv3d_samples,
        prims=_CONV_PRIMS,
        rtol={"float32": 1e-4, "float64": 1e-9},
        atol={"float32": 1e-5, "float64": 1e-12},
    ),
    OpInfo(
        "nn.functional.conv_transpose1d",
        _conv_transpose_op(1),
        _conv_transpose1d_samples,
        prims=("_conv_input_grad_kernel[ConvolutionBackward0]", "_convolution", "_conv_weight_grad"),
        torch_gradgrad=True,
        rtol={"float32": 1e-4, "float64": 1e-9},
        atol={"float32": 1e-5, "float64": 1e-12},
    ),
    OpInfo(
        "nn.functional.conv_transpose2d",
        _conv_transpose_op(2),
        _conv_transpose2d_samples,
        prims=("_conv_input_grad_kernel[ConvolutionBackward0]",),
        rtol={"float32": 1e-4, "float64": 1e-9},
        atol={"float32": 1e-5, "float64": 1e-12},
    ),
    OpInfo(
        "nn.functional.conv_transpose3d",
        _conv_transpose_op(3),
        lambda make: [
            Sample((make((1, 1, 2, 1, 2)), make((1, 1, 1, 2, 2))), desc="tiny"),
            Sample((make((1, 2, 2, 3, 2)), make((2, 2, 2, 2, 2))), {"stride": 2}, desc="strided"),
        ],
        prims=("_conv_input_grad_kernel[ConvolutionBackward0]",),
    ),
)


# -- pooling ----------------------------------------------------------------------------------------


def _fn(name):
    def op(mod, *args, **kw):
        return getattr(mod.nn.functional, name)(*args, **kw)

    op.__name__ = name
    return op


def _unpool_op(nd):
    """Unpool ``values`` at the argmax positions of a max pooling of ``x`` (``x`` sets the indices)."""

    def op(mod, x, values, kernel_size, stride=None, padding=0, **kw):
        F = mod.nn.functional
        _, indices = getattr(F, f"max_pool{nd}d")(x, kernel_size, stride, padding, return_indices=True)
        return getattr(F, f"max_unpool{nd}d")(values, indices, kernel_size, stride, padding, **kw)

    return op


def _max_pool2d_samples(make):
    return [
        Sample((make((1, 1, 2, 3)), 2), desc="tiny"),
        Sample((make((1, 2, 3, 2)), (2, 1)), {"stride": 1}, desc="overlapping windows"),
        Sample(
            (make((2, 3, 7, 6)), 3, 2, 1),
            {"ceil_mode": True, "return_indices": True},
            desc="padding, ceil_mode, indices",
        ),
        Sample((make((2, 3, 7, 6)), 2, 1, 0, 2), desc="dilation"),
        Sample((make((3, 5, 5)), 2), {"return_indices": True}, desc="unbatched with indices"),
        Sample((NC(make((1, 2, 4, 4))), 2), desc="non-contiguous"),
        Sample((make((0, 2, 4, 4)), 2), desc="empty batch"),
    ]


def _max_pool1d_samples(make):
    return [
        Sample((make((1, 2, 4)), 2), desc="tiny"),
        Sample(
            (make((2, 3, 9)), 3, 2, 1),
            {"ceil_mode": True, "return_indices": True},
            desc="padding, ceil_mode, indices",
        ),
        Sample((make((2, 7)), 2), {"dilation": 2}, desc="unbatched dilated"),
    ]


def _avg_pool2d_samples(make):
    return [
        Sample((make((1, 1, 2, 4)), 2), desc="tiny"),
        Sample((make((1, 2, 3, 2)), 2, 1, 1), desc="padded, stride 1"),
        Sample(
            (make((2, 3, 7, 6)), 3, 2, 1),
            {"ceil_mode": True, "count_include_pad": False},
            desc="ceil, exclude pad",
        ),
        Sample((make((2, 3, 7, 6)), 3, 2, 1), {"ceil_mode": True}, desc="ceil, include pad"),
        Sample((make((2, 3, 6, 6)), 2), {"divisor_override": 3}, desc="divisor_override"),
        Sample((make((3, 4, 5)), (2, 3), (1, 2)), desc="unbatched"),
        Sample(
            (
                make.float(
                    [
                        [
                            [
                                [1.0, np.inf, 2.0, 3.0],
                                [-np.inf, 0.0, 1.0, np.nan],
                                [1.0, 2.0, 3.0, 4.0],
                                [1, 2, 3, 4],
                            ]
                        ]
                    ]
                ),
                2,
            ),
            desc="inf and nan stay in their windows",
            gradcheck=False,
        ),
    ]


def _avg_pool1d_samples(make):
    return [
        Sample((make((1, 2, 4)), 2), desc="tiny"),
        Sample(
            (make((2, 3, 7)), 3, 2, 1),
            {"ceil_mode": True, "count_include_pad": False},
            desc="ceil, exclude pad",
        ),
    ]


def _adaptive_avg2d_samples(make):
    return [
        Sample((make((1, 1, 3, 4)), (2, 3)), desc="tiny, uneven windows"),
        Sample((make((2, 3, 7, 6)), (3, 4)), desc="overlapping windows"),
        Sample((make((2, 3, 5, 5)), 1), desc="global: a mean"),
        Sample((make((3, 5, 4)), (None, 2)), desc="unbatched, None keeps a size"),
        Sample((make((1, 2, 2, 2)), 4), desc="upsampling"),
    ]


def _adaptive_max2d_samples(make):
    return [
        Sample((make((1, 1, 3, 4)), (2, 3)), desc="tiny"),
        Sample((make((2, 3, 7, 6)), (3, 4)), {"return_indices": True}, desc="indices"),
        Sample((make((3, 5, 4)), 2), desc="unbatched"),
    ]


register(
    OpInfo(
        "nn.functional.max_pool2d",
        _fn("max_pool2d"),
        _max_pool2d_samples,
        int_samples=lambda make: [
            Sample(
                (make.ints((2, 3, 5, 6)), 3, 2, 1),
                {"ceil_mode": True, "return_indices": True},
                desc="int64 padded",
            ),
            Sample((make.ints((2, 3, 5)), 2), desc="int64 unbatched"),
        ],
        prims=(
            "_gather_flat[MaxPool2DWithIndicesBackward0]",
            "_scatter_flat",
        ),
    ),
    OpInfo(
        "nn.functional.max_pool1d",
        _fn("max_pool1d"),
        _max_pool1d_samples,
        prims=("_gather_flat[MaxPool2DWithIndicesBackward0]",),
    ),
    OpInfo(
        "nn.functional.max_pool3d",
        _fn("max_pool3d"),
        lambda make: [
            Sample((make((1, 1, 2, 2, 3)), 2), desc="tiny"),
            Sample((make((1, 2, 4, 5, 3)), 2, 1, 1), {"return_indices": True}, desc="padded with indices"),
        ],
        prims=("_gather_flat[MaxPool3DWithIndicesBackward0]",),
    ),
    OpInfo(
        "nn.functional.max_unpool2d",
        _unpool_op(2),
        lambda make: [
            Sample((Const(make((1, 1, 4, 4))), make((1, 1, 2, 2)), 2), desc="tiny"),
            Sample(
                (Const(make((2, 3, 5, 6))), make((2, 3, 2, 3)), 2),
                {"output_size": (5, 6)},
                desc="output_size",
            ),
            Sample(
                (Const(make((3, 6, 4))), make((3, 2, 2)), (3, 2), (3, 2), (1, 0)),
                {"output_size": (6, 4)},
                desc="unbatched, padding",
            ),
        ],
        prims=("_place_flat[MaxUnpool2DBackward0]", "_gather_flat[MaxPool2DWithIndicesBackward0]"),
    ),
    OpInfo(
        "nn.functional.max_unpool1d",
        _unpool_op(1),
        lambda make: [Sample((Const(make((1, 2, 6))), make((1, 2, 3)), 2), desc="tiny"),
                      # overlapping windows may pick one position twice: it gets the value once
                      Sample((Const(np.array([[[0.0, 5.0, 1.0, 4.0, 2.0]]])), make((1, 1, 3)), 3, 2, 1),
                             desc="overlapping windows, repeated index (the value written once; its "
                                  "gradient, as PyTorch's, goes to every value that picked the position)",
                             gradcheck=False)],
        prims=("_place_flat[MaxUnpool2DBackward0]",),
    ),
    OpInfo(
        "nn.functional.max_unpool3d",
        _unpool_op(3),
        lambda make: [Sample((Const(make((1, 1, 2, 4, 2))), make((1, 1, 1, 2, 1)), 2), desc="tiny")],
        prims=("_place_flat[MaxUnpool3DBackward0]",),
    ),
    OpInfo(
        "nn.functional.max_pool2d_with_indices",
        _fn("max_pool2d_with_indices"),
        lambda make: [Sample((make((1, 1, 2, 3)), 2), desc="tiny")],
        prims=("_gather_flat[MaxPool2DWithIndicesBackward0]",),
    ),
    OpInfo(
        "nn.functional.avg_pool2d",
        _fn("avg_pool2d"),
        _avg_pool2d_samples,
        int_samples=lambda make: [
            Sample((make.ints((2, 3, 5, 6), -9, 9), 3, 2, 1), {"ceil_mode": True}, desc="int64 ceil"),
            Sample(
                (make.ints((2, 3, 5, 6), -9, 9), 3, 2, 1),
                {"count_include_pad": False},
                desc="int64 exclude pad",
            ),
            Sample((make.ints((2, 3, 4, 4), -9, 9), 2), {"divisor_override": 3}, desc="int64 divisor"),
        ],
        prims=("_separable[AvgPool2DBackward0]", "_separable[AvgPool2DBackwardBackward0]"),
        torch_gradgrad=True,
    ),
    OpInfo(
        "nn.functional.avg_pool1d",
        _fn("avg_pool1d"),
        _avg_pool1d_samples,
        prims=("_separable[AvgPool2DBackward0]",),
    ),
    OpInfo(
        "nn.functional.avg_pool3d",
        _fn("avg_pool3d"),
        lambda make: [
            Sample((make((1, 1, 2, 2, 3)), 2), desc="tiny"),
            Sample((make((1, 2, 4, 5, 3)), 2, 1, 1), desc="padded"),
        ],
        prims=("_separable[AvgPool3DBackward0]", "_separable[AvgPool3DBackwardBackward0]"),
    ),
    OpInfo(
        "nn.functional.adaptive_avg_pool2d",
        _fn("adaptive_avg_pool2d"),
        _adaptive_avg2d_samples,
        prims=("_separable[AdaptiveAvgPool2DBackward0]", "_separable[AdaptiveAvgPool2DBackwardBackward0]"),
    ),
    OpInfo(
        "nn.functional.adaptive_avg_pool1d",
        _fn("adaptive_avg_pool1d"),
        lambda make: [Sample((make((1, 2, 5)), 3), desc="tiny"), Sample((make((3, 7)), 4), desc="unbatched")],
        prims=("_separable[AdaptiveAvgPool2DBackward0]",),
    ),
    OpInfo(
        "nn.functional.adaptive_avg_pool3d",
        _fn("adaptive_avg_pool3d"),
        lambda make: [
            Sample((make((1, 1, 2, 3, 2)), (1, 2, 2)), desc="tiny"),
            Sample((make((1, 2, 3, 3, 3)), 1), desc="global: a mean"),
        ],
        prims=("_separable[AdaptiveAvgPool3DBackward0]", "_separable[AdaptiveAvgPool3DBackwardBackward0]"),
    ),
    OpInfo(
        "nn.functional.adaptive_max_pool2d",
        _fn("adaptive_max_pool2d"),
        _adaptive_max2d_samples,
        prims=(
            "_gather_flat[AdaptiveMaxPool2DBackward0]",
            "_scatter_flat",
        ),
    ),
    OpInfo(
        "nn.functional.adaptive_max_pool1d",
        _fn("adaptive_max_pool1d"),
        lambda make: [Sample((make((1, 2, 5)), 3), {"return_indices": True}, desc="tiny with indices")],
        prims=("_gather_flat[AdaptiveMaxPool2DBackward0]",),
    ),
    OpInfo(
        "nn.functional.lp_pool2d",
        _fn("lp_pool2d"),
        lambda make: [
            Sample((make((1, 1, 2, 4), 0.5, 2.0), 2.0, 2), desc="p=2"),
            Sample((make((2, 2, 5, 4), 0.5, 2.0), 3.0, (2, 1), 2), {"ceil_mode": True}, desc="p=3 ceil"),
        ],
        prims=("_separable[AvgPool2DBackward0]",),
    ),
    OpInfo(
        "nn.functional.lp_pool1d",
        _fn("lp_pool1d"),
        lambda make: [Sample((make((1, 2, 4), 0.5, 2.0), 2.0, 2), desc="p=2")],
        prims=(),
    ),
)


# -- padding, resampling, shuffles, im2col -------------------------------------------------------


def _pad_samples(mode):
    def samples(make):
        out = [
            Sample((make((1, 1, 3, 3)), (1, 2, 2, 1)), {"mode": mode}, desc="2-d pad"),
            Sample((make((2, 3, 4)), (2, 1)), {"mode": mode}, desc="1-d pad"),
            Sample((make((1, 1, 2, 3, 3)), (1, 1, 0, 2, 1, 0)), {"mode": mode}, desc="3-d pad"),
            Sample((NC(make((1, 2, 3, 3))), (1, 1, 1, 1)), {"mode": mode}, desc="non-contiguous"),
        ]
        if mode != "circular":
            out.append(
                Sample(
                    (make.float([[[1.0, float("inf"), 2.0, float("nan")]]]), (2, 2)),
                    {"mode": mode},
                    desc="inf and nan are copied, not spread",
                    gradcheck=False,
                )
            )
        if mode == "constant":
            out += [
                Sample((make((2, 3)), (-1, 2)), desc="negative pad crops"),
                Sample((make((2, 3)), (1, 1, 0, 1)), {"value": 2.5}, desc="value"),
                Sample((make(()), ()), desc="0-d, no padding"),
            ]
        return out

    return samples


def _pad_op(mod, x, pad, **kw):
    return mod.nn.functional.pad(x, pad, **kw)


_SEP = "_separable[{}Backward0]".format


def _seps(*names):
    """A separable op's forward primitives and their adjoints (its gradient's nodes)."""
    return tuple(_SEP(n) for n in names) + tuple(_SEP(n + "Backward") for n in names)


register(
    OpInfo(
        "nn.functional.pad", _pad_op, _pad_samples("constant"), prims=("_constant_pad",), torch_gradgrad=True
    ),
    OpInfo(
        "nn.functional.pad reflect",
        _pad_op,
        _pad_samples("reflect"),
        prims=_seps("ReflectionPad1D", "ReflectionPad2D", "ReflectionPad3D"),
    ),
    OpInfo(
        "nn.functional.pad replicate",
        _pad_op,
        _pad_samples("replicate"),
        prims=_seps("ReplicationPad1D", "ReplicationPad2D", "ReplicationPad3D"),
    ),
    OpInfo(
        "nn.functional.pad circular",
        _pad_op,
        _pad_samples("circular"),
        prims=("_separable[CopySlices]", "_separable[CopySlicesBackward0]"),
    ),
)


def _interp_samples(make):
    return [
        Sample((make((1, 1, 2, 3)),), {"scale_factor": 2}, desc="nearest x2"),
        Sample((make((2, 3, 4, 5)),), {"size": (5, 9)}, desc="nearest to size"),
        Sample((make((2, 3, 5)),), {"scale_factor": 1.5}, desc="nearest 1-d"),
        Sample((make((1, 1, 2, 2, 3)),), {"scale_factor": (1, 2, 1)}, desc="nearest 3-d"),
        Sample((make((2, 2, 5)),), {"size": 3, "mode": "nearest-exact"}, desc="nearest-exact downsampling"),
        Sample(
            (make((1, 1, 2, 3)),), {"scale_factor": 1.5, "mode": "nearest-exact"}, desc="nearest-exact 2-d"
        ),
        Sample(
            (make((1, 1, 2, 2, 3)),), {"size": (3, 2, 4), "mode": "nearest-exact"}, desc="nearest-exact 3-d"
        ),
        Sample((make((1, 1, 2, 3)),), {"size": (3, 4), "mode": "bilinear"}, desc="bilinear tiny"),
        Sample((make((2, 3, 4, 5)),), {"scale_factor": 1.7, "mode": "bilinear"}, desc="bilinear scale"),
        Sample(
            (make((2, 3, 4, 5)),),
            {"scale_factor": 1.7, "mode": "bilinear", "recompute_scale_factor": True},
            desc="bilinear recomputed scale",
        ),
        Sample(
            (make((2, 3, 4, 5)),),
            {"size": (7, 3), "mode": "bilinear", "align_corners": True},
            desc="bilinear align_corners",
        ),
        Sample((make((1, 2, 4)),), {"scale_factor": 2.5, "mode": "linear"}, desc="linear 1-d"),
        Sample(
            (make((1, 1, 2, 2, 2)),),
            {"scale_factor": 2, "mode": "trilinear", "align_corners": False},
            desc="trilinear",
        ),
        Sample((make((1, 2, 6, 6)),), {"size": (3, 2), "mode": "area"}, desc="area"),
        Sample(
            (make((1, 2, 3, 4)),),
            {"scale_factor": 1.3},
            desc="nearest 2-d: a dim that keeps its size is copied",
        ),
        Sample(
            (make((1, 2, 5, 3)),), {"scale_factor": 2.1}, desc="nearest 2-d: twice the size halves indices"
        ),
        Sample(
            (make((1, 2, 3, 4)),),
            {"scale_factor": 1.3, "mode": "bilinear"},
            desc="bilinear: same-size dim copied",
        ),
        Sample((make((1, 1, 2, 3)),), {"size": (3, 4), "mode": "bicubic"}, desc="bicubic tiny"),
        Sample((make((2, 2, 4, 5)),), {"scale_factor": 1.7, "mode": "bicubic"}, desc="bicubic scale"),
        Sample(
            (make((2, 2, 4, 5)),),
            {"size": (3, 7), "mode": "bicubic", "align_corners": True},
            desc="bicubic corners",
        ),
        # (Not every dim the same size: PyTorch's backward then copies, though its forward does not.)
        Sample(
            (make((1, 2, 2, 4)),),
            {"scale_factor": 1.3, "mode": "bicubic"},
            desc="bicubic: same-size dim scaled",
        ),
        Sample(
            (make.float([[[1.0, float("-inf"), 2.0]]]),),
            {"scale_factor": 2},
            desc="nearest copies -inf",
            gradcheck=False,
        ),
    ]


register(
    OpInfo(
        "nn.functional.interpolate",
        _fn("interpolate"),
        _interp_samples,
        prims=_seps(
            "UpsampleNearest1D",
            "UpsampleNearest2D",
            "UpsampleNearest3D",
            "UpsampleNearestExact1D",
            "UpsampleNearestExact2D",
            "UpsampleNearestExact3D",
            "UpsampleLinear1D",
            "UpsampleBicubic2D",
            "UpsampleBilinear2D",
            "UpsampleTrilinear3D",
        ),
    ),
    OpInfo(
        "nn.functional.pixel_shuffle",
        _fn("pixel_shuffle"),
        lambda make: [
            Sample((make((1, 4, 1, 2)), 2), desc="tiny"),
            Sample((make((2, 3, 9, 2, 3)), 3), desc="extra batch dim"),
        ],
        prims=("_pixel_shuffle", "_pixel_unshuffle"),
    ),
    OpInfo(
        "nn.functional.pixel_unshuffle",
        _fn("pixel_unshuffle"),
        lambda make: [
            Sample((make((1, 1, 2, 4)), 2), desc="tiny"),
            Sample((make((3, 6, 3)), 3), desc="unbatched"),
        ],
        prims=("_pixel_unshuffle", "_pixel_shuffle"),
    ),
    OpInfo(
        "nn.functional.unfold",
        _fn("unfold"),
        lambda make: [
            Sample((make((1, 1, 3, 3)), 2), desc="tiny"),
            Sample(
                (make((2, 4, 7, 6)), (2, 3)),
                {"dilation": (1, 2), "padding": 1, "stride": 2},
                desc="everything",
            ),
            Sample((make((2, 4, 5)), 2), desc="unbatched"),
        ],
        prims=("_im2col", "_col2im"),
    ),
    OpInfo(
        "nn.functional.fold",
        _fn("fold"),
        lambda make: [
            Sample((make((1, 4, 1)), (2, 2), 2), desc="tiny"),
            Sample((make((1, 4, 4)), (3, 3), 2), desc="overlapping"),
            Sample((make((2, 12, 30)), (4, 5), 2), {"padding": 1}, desc="padded"),
            Sample((make((8, 4)), (4, 4), 2), {"stride": 2}, desc="unbatched strided"),
        ],
        prims=("_col2im", "_im2col"),
    ),
)


def _embedding_op(mod, idx, w, **kw):
    return mod.nn.functional.embedding(idx, w, **kw)


register(
    OpInfo(
        "nn.functional.embedding",
        _embedding_op,
        lambda make: [
            Sample((make.ints((3,), 0, 4), make((4, 2))), desc="vector of indices"),
            Sample(
                (make.ints((2, 3), 0, 5), make((5, 2))),
                {"padding_idx": 2},
                desc="padding_idx",
                gradcheck=False,
            ),
            Sample(
                (make.ints((2, 2), 0, 3), make((3, 2))),
                {"padding_idx": -1},
                desc="negative padding_idx",
                gradcheck=False,
            ),
            Sample((make.ints((), 0, 3), make((3, 4))), desc="0-d index"),
            Sample((make.ints((4,), 0, 2, dtype="int32"), make((2, 3))), desc="int32 indices, repeats"),
        ],
        prims=("_embedding", "_embedding_backward"),
    ),
    OpInfo(
        "nn.functional.embedding max_norm",
        _embedding_op,
        lambda make: [
            Sample((make.ints((2, 3), 0, 5), Const(make((5, 3)))), {"max_norm": 1.0}, desc="max_norm")
        ],
        differentiable=False,
    ),
)


# -- normalisation ----------------------------------------------------------------------------------


def _layer_norm_samples(make):
    return [
        Sample((make((2, 3)), (3,), make((3,)), make((3,))), desc="affine"),
        Sample((make((3, 4)), (4,)), desc="no affine"),
        Sample(
            (make((2, 4, 3, 5)), (3, 5), make((3, 5))), {"eps": 1e-3}, desc="2 normalized dims, weight only"
        ),
        Sample((NC(make((3, 4))), (4,), make((4,)), make((4,))), desc="non-contiguous"),
        Sample((make((0, 4)), (4,), make((4,)), make((4,))), desc="empty batch"),
    ]


def _batch_norm_op(mod, x, rm, rv, *args, **kw):
    return mod.nn.functional.batch_norm(x, rm, rv, *args, **kw)


def _batch_norm_train_op(mod, x, *args, momentum=0.1, **kw):
    """Training batch norm with running statistics."""
    c = x.shape[1]
    rm, rv = mod.zeros(c, dtype=x.dtype) + 0.5, mod.ones(c, dtype=x.dtype) * 2
    return mod.nn.functional.batch_norm(x, rm, rv, *args, training=True, momentum=momentum, **kw)


def _batch_norm_running_op(mod, x, *args, momentum=0.1, **kw):
    """The running statistics after a training step (updated in place)."""
    c = x.shape[1]
    rm, rv = mod.zeros(c, dtype=x.dtype) + 0.5, mod.ones(c, dtype=x.dtype) * 2
    with mod.no_grad():
        mod.nn.functional.batch_norm(x, rm, rv, *args, training=True, momentum=momentum, **kw)
    return rm, rv


def _batch_norm_train_samples(make):
    return [
        Sample((make((3, 2)), make((2,)), make((2,))), desc="2-d affine"),
        Sample((make((2, 2, 3)),), desc="3-d no affine"),
        Sample(
            (make((4, 3, 3, 2)), make((3,)), make((3,))), {"momentum": 0.3, "eps": 1e-3}, desc="4-d momentum"
        ),
        Sample(
            (make((0, 3, 2)), make((3,)), make((3,))),
            desc="empty batch: running statistics untouched (torch's node is its internal AddBackward0)",
            grad_fn=False,
        ),
    ]


def _batch_norm_eval_samples(make):
    return [
        Sample(
            (make((3, 2)), Const(make((2,))), Const(make((2,), 0.5, 2)), make((2,)), make((2,))),
            desc="2-d affine",
        ),
        Sample((make((2, 3, 4, 2)), Const(make((3,))), Const(make((3,), 0.5, 2))), desc="4-d no affine"),
    ]


def _group_norm_samples(make):
    return [
        Sample((make((2, 4)), 2, make((4,)), make((4,))), desc="2-d affine"),
        Sample((make((1, 4, 3)), 2), desc="3-d"),
        Sample((make((2, 6, 3, 2)), 3, make((6,)), make((6,))), {"eps": 1e-3}, desc="4-d"),
        Sample((make((2, 4, 5)), 4, make((4,))), desc="instance-like, weight only"),
        Sample((make((0, 4, 3)), 2, make((4,)), make((4,))), desc="empty batch"),
    ]


def _instance_norm_samples(make):
    return [
        Sample((make((1, 2, 4)),), desc="3-d"),
        Sample((make((2, 3, 3, 2)),), {"weight": make((3,)), "bias": make((3,))}, desc="4-d affine"),
    ]


def _instance_norm_running_op(mod, x):
    rm, rv = mod.zeros(x.shape[1], dtype=x.dtype), mod.ones(x.shape[1], dtype=x.dtype)
    out = mod.nn.functional.instance_norm(x, rm, rv)
    return out, rm, rv, mod.nn.functional.instance_norm(x, rm, rv, use_input_stats=False)


register(
    OpInfo(
        "nn.functional.layer_norm",
        _fn("layer_norm"),
        _layer_norm_samples,
        prims=(
            "_native_norm_kernel[NativeLayerNormBackward0]",
            "_norm_input_grad_kernel[NativeLayerNormBackwardBackward0]",
            "_norm_weight_grad_kernel[NativeLayerNormBackwardBackward0]",
        ),
        torch_gradgrad=True,
        rtol={"float32": 1e-4, "float64": 1e-9},
        atol={"float32": 1e-5, "float64": 1e-10},
    ),
    # torch's own second derivative fails without a weight, so this one is not compared with torch's.
    OpInfo(
        "nn.functional.layer_norm bias only",
        _fn("layer_norm"),
        lambda make: [Sample((make((5,)), (5,), None, make((5,))), desc="1-d")],
        prims=("_native_norm_kernel[NativeLayerNormBackward0]",),
    ),
    OpInfo(
        "nn.functional.batch_norm",
        _batch_norm_train_op,
        _batch_norm_train_samples,
        prims=(
            "_native_norm_kernel[NativeBatchNormBackward0]",
            "_norm_input_grad_kernel[NativeBatchNormBackwardBackward0]",
            "_norm_weight_grad_kernel[NativeBatchNormBackwardBackward0]",
        ),
        torch_gradgrad=True,
        rtol={"float32": 1e-4, "float64": 1e-9},
        atol={"float32": 1e-5, "float64": 1e-10},
    ),
    OpInfo(
        "nn.functional.batch_norm running stats",
        _batch_norm_running_op,
        _batch_norm_train_samples,
        differentiable=False,
        rtol={"float32": 1e-5, "float64": 1e-9},
    ),
    OpInfo(
        "nn.functional.batch_norm eval",
        _batch_norm_op,
        _batch_norm_eval_samples,
        prims=("_batch_norm_eval",),
        torch_gradgrad=True,
    ),
    OpInfo(
        "nn.functional.group_norm",
        _fn("group_norm"),
        _group_norm_samples,
        prims=(
            "_native_norm_kernel[NativeGroupNormBackward0]",
            "_norm_input_grad_kernel[NativeGroupNormBackwardBackward0]",
            "_norm_weight_grad_kernel[NativeGroupNormBackwardBackward0]",
        ),
        torch_gradgrad=True,
        rtol={"float32": 1e-4, "float64": 1e-9},
        atol={"float32": 1e-5, "float64": 1e-10},
    ),
    OpInfo(
        "nn.functional.instance_norm",
        _fn("instance_norm"),
        _instance_norm_samples,
        prims=("_native_norm_kernel[NativeBatchNormBackward0]",),
        rtol={"float32": 1e-4, "float64": 1e-9},
        atol={"float32": 1e-5, "float64": 1e-10},
    ),
    OpInfo(
        "nn.functional.instance_norm running stats",
        _instance_norm_running_op,
        lambda make: [Sample((make((2, 2, 3)),), desc="3-d")],
        differentiable=False,
        rtol={"float32": 1e-4, "float64": 1e-9},
        atol={"float32": 1e-5, "float64": 1e-10},
    ),
    OpInfo(
        "nn.functional.rms_norm",
        _fn("rms_norm"),
        lambda make: [
            Sample((make((2, 3)), (3,), make((3,))), desc="weight"),
            Sample((make((2, 3, 4)), (3, 4)), {"eps": 1e-3}, desc="2 dims, eps"),
        ],
        rtol={"float32": 1e-4, "float64": 1e-9},
        atol={"float32": 1e-5, "float64": 1e-10},
    ),
    OpInfo(
        "nn.functional.local_response_norm",
        _fn("local_response_norm"),
        lambda make: [
            Sample((make((1, 3, 2)), 2), desc="3-d"),
            Sample((make((2, 5, 3, 2)), 3), {"alpha": 0.1, "beta": 0.5, "k": 2.0}, desc="4-d"),
        ],
        prims=("_separable[AvgPool2DBackward0]", "_separable[AvgPool3DBackward0]", "_constant_pad"),
        rtol={"float32": 1e-4, "float64": 1e-9},
        atol={"float32": 1e-5, "float64": 1e-10},
    ),
)


# -- attention --------------------------------------------------------------------------------------


def _sdpa_math_samples(make):
    """3-D inputs, or a value head size of its own: PyTorch's math composite (UnsafeViewBackward0)."""
    return [
        Sample((make((1, 2, 2)), make((1, 2, 2)), make((1, 2, 1))), desc="tiny"),
        Sample((make((1, 2, 2)), make((1, 3, 2)), make((1, 3, 1))), {"is_causal": True}, desc="tiny causal"),
        Sample(
            (make((2, 3, 4, 5)), make((2, 3, 6, 5)), make((2, 3, 6, 2))),
            {"scale": 0.3},
            desc="4-d, value head size 2",
        ),
        Sample(
            (make((2, 4, 5)), make((2, 6, 5)), make((2, 6, 3)), Const(make.bools((4, 6)))), desc="bool mask"
        ),
        Sample((make((2, 4, 5)), make((2, 6, 5)), make((2, 6, 3)), Const(make((4, 6)))), desc="float mask"),
        Sample(
            (make((1, 2, 3)), make((1, 2, 3)), make((1, 2, 2)), Const(make.bools((2, 2)) & False)),
            desc="fully masked rows give zeros",
            gradcheck=False,
        ),
    ]


def _sdpa_fused_samples(make):
    """4-D inputs with one head size: PyTorch's fused CPU kernel, one node."""
    return [
        Sample((make((1, 1, 2, 2)), make((1, 1, 2, 2)), make((1, 1, 2, 2))), desc="tiny"),
        Sample(
            (make((1, 1, 2, 1)), make((1, 1, 3, 1)), make((1, 1, 3, 1))),
            {"is_causal": True},
            desc="tiny causal",
        ),
        Sample(
            (make((2, 3, 4, 5)), make((2, 3, 6, 5)), make((2, 3, 6, 5))), {"scale": 0.3}, desc="4-d, scale"
        ),
        Sample(
            (make((2, 2, 4, 3)), make((2, 2, 6, 3)), make((2, 2, 6, 3)), Const(make.bools((4, 6)))),
            desc="bool mask",
        ),
        Sample(
            (make((2, 2, 4, 3)), make((2, 2, 6, 3)), make((2, 2, 6, 3)), Const(make((2, 1, 4, 6)))),
            desc="broadcast float mask",
        ),
        Sample(
            (make((1, 4, 3, 2)), make((1, 2, 3, 2)), make((1, 2, 3, 2))),
            {"enable_gqa": True},
            desc="grouped-query heads",
        ),
        Sample(
            (make((1, 1, 2, 3)), make((1, 1, 2, 3)), make((1, 1, 2, 3)), Const(make.bools((2, 2)) & False)),
            desc="fully masked rows give zeros",
            gradcheck=False,
        ),
        Sample(
            (NC(make((1, 2, 3, 2))), make((1, 2, 3, 2)), make((1, 2, 3, 2))),
            desc="query with a strided last dim: the math composite, as PyTorch",
        ),
    ]


register(
    OpInfo(
        "nn.functional.scaled_dot_product_attention",
        _fn("scaled_dot_product_attention"),
        _sdpa_math_samples,
        prims=("_attention_softmax",),
        torch_gradgrad=True,
        rtol={"float32": 1e-4, "float64": 1e-9},
        atol={"float32": 1e-5, "float64": 1e-10},
    ),
    # torch has no second derivative for its fused kernel: gradgradcheck only.
    OpInfo(
        "nn.functional.scaled_dot_product_attention fused",
        _fn("scaled_dot_product_attention"),
        _sdpa_fused_samples,
        prims=("_sdpa_fused", "_sdpa_grad", "_attention_softmax"),
        rtol={"float32": 1e-4, "float64": 1e-9},
        atol={"float32": 1e-5, "float64": 1e-10},
    ),
)


# -- spatial transformers ---------------------------------------------------------------------------


def _grid_sample_samples(make):
    out = []
    for mode in ("bilinear", "nearest"):
        for padding_mode in ("zeros", "border"):
            kw = {"mode": mode, "padding_mode": padding_mode}
            out += [
                Sample(
                    (make((1, 1, 2, 2)), make((1, 1, 2, 2), -1.3, 1.3)),
                    kw,
                    desc=f"{mode} {padding_mode} tiny",
                ),
                Sample(
                    (make((2, 3, 4, 5)), make((2, 3, 2, 2), -1.3, 1.3)),
                    dict(kw, align_corners=True),
                    desc=f"{mode} {padding_mode} align_corners",
                ),
            ]
    return out


register(
    OpInfo(
        "nn.functional.grid_sample",
        _fn("grid_sample"),
        _grid_sample_samples,
        prims=("_grid_sampler_2d",),
        rtol={"float32": 1e-4, "float64": 1e-9},
        atol={"float32": 1e-5, "float64": 1e-10},
    ),
    OpInfo(
        "nn.functional.affine_grid",
        _fn("affine_grid"),
        lambda make: [
            Sample((make((1, 2, 3)), (1, 1, 2, 2)), desc="tiny"),
            Sample((make((2, 2, 3)), (2, 3, 4, 5)), {"align_corners": True}, desc="align_corners"),
            Sample((make((1, 2, 3)), (1, 1, 1, 3)), {"align_corners": True}, desc="one row"),
        ],
        prims=("_affine_grid",),
    ),
)


# -- errors -----------------------------------------------------------------------------------------


def _F(mod):
    return mod.nn.functional


ERRORS += [
    ErrorCase(
        "conv2d channel mismatch", lambda mod: _F(mod).conv2d(mod.ones(1, 2, 4, 4), mod.ones(3, 3, 2, 2))
    ),
    ErrorCase(
        "conv2d kernel larger than input",
        lambda mod: _F(mod).conv2d(mod.ones(1, 1, 2, 2), mod.ones(1, 1, 3, 3)),
    ),
    ErrorCase(
        "conv2d dtype mismatch",
        lambda mod: _F(mod).conv2d(mod.ones(1, 1, 3, 3), mod.ones(1, 1, 2, 2, dtype=mod.float64)),
    ),
    ErrorCase(
        "conv2d same with stride",
        lambda mod: _F(mod).conv2d(mod.ones(1, 1, 3, 3), mod.ones(1, 1, 2, 2), stride=2, padding="same"),
    ),
    ErrorCase(
        "conv2d groups not dividing",
        lambda mod: _F(mod).conv2d(mod.ones(1, 4, 3, 3), mod.ones(3, 2, 2, 2), groups=2),
    ),
    ErrorCase(
        "conv1d of 4-d input",
        lambda mod: _F(mod).conv1d(mod.ones(1, 1, 3, 3), mod.ones(1, 1, 2)),
        same_message=False,
    ),
    ErrorCase("max_pool2d pad too large", lambda mod: _F(mod).max_pool2d(mod.ones(1, 1, 4, 4), 2, padding=2)),
    ErrorCase("max_pool2d output too small", lambda mod: _F(mod).max_pool2d(mod.ones(1, 1, 1, 1), 2)),
    ErrorCase("avg_pool2d pad too large", lambda mod: _F(mod).avg_pool2d(mod.ones(1, 1, 4, 4), 2, padding=2)),
    ErrorCase("pad odd length", lambda mod: _F(mod).pad(mod.ones(2, 3), (1,))),
    ErrorCase("reflect pad too large", lambda mod: _F(mod).pad(mod.ones(1, 2, 3), (3, 0), mode="reflect")),
    ErrorCase("pixel_shuffle channels", lambda mod: _F(mod).pixel_shuffle(mod.ones(1, 3, 2, 2), 2)),
    ErrorCase("layer_norm int normalized_shape", lambda mod: _F(mod).layer_norm(mod.ones(2, 3), 3)),
    ErrorCase("layer_norm shape mismatch", lambda mod: _F(mod).layer_norm(mod.ones(2, 3), (4,))),
    ErrorCase("group_norm one value per group", lambda mod: _F(mod).group_norm(mod.ones(1, 4), 4)),
    ErrorCase("group_norm groups", lambda mod: _F(mod).group_norm(mod.ones(2, 3, 4), 2)),
    ErrorCase(
        "batch_norm one value per channel",
        lambda mod: _F(mod).batch_norm(mod.ones(1, 3), None, None, training=True),
    ),
    ErrorCase("embedding float indices", lambda mod: _F(mod).embedding(mod.ones(2), mod.ones(3, 2))),
    ErrorCase("embedding index out of range", lambda mod: _F(mod).embedding(mod.tensor([3]), mod.ones(3, 2))),
    ErrorCase(
        "sdpa mask and causal",
        lambda mod: _F(mod).scaled_dot_product_attention(
            mod.ones(1, 2, 2), mod.ones(1, 2, 2), mod.ones(1, 2, 2), attn_mask=mod.ones(2, 2), is_causal=True
        ),
    ),
    ErrorCase("unfold too large kernel", lambda mod: _F(mod).unfold(mod.ones(1, 1, 2, 2), 3)),
    ErrorCase("max_pool2d of a matrix", lambda mod: _F(mod).max_pool2d(mod.ones(4, 4), 2)),
    ErrorCase("max_pool2d zero kernel", lambda mod: _F(mod).max_pool2d(mod.ones(1, 1, 4, 4), 0)),
    ErrorCase("max_pool2d zero kernel, stride 1", lambda mod: _F(mod).max_pool2d(mod.ones(1, 1, 4, 4), 0, 1)),
    ErrorCase("max_pool2d negative stride", lambda mod: _F(mod).max_pool2d(mod.ones(1, 1, 4, 4), 2, -1)),
    ErrorCase("max_pool2d zero dilation", lambda mod: _F(mod).max_pool2d(mod.ones(1, 1, 4, 4), 2, 1, 0, 0)),
    ErrorCase("avg_pool2d kernel larger than input", lambda mod: _F(mod).avg_pool2d(mod.ones(1, 1, 2, 2), 3)),
    ErrorCase(
        "interpolate size and scale",
        lambda mod: _F(mod).interpolate(mod.ones(1, 1, 2, 2), size=3, scale_factor=2),
    ),
    ErrorCase("interpolate neither size nor scale", lambda mod: _F(mod).interpolate(mod.ones(1, 1, 2, 2))),
    ErrorCase(
        "interpolate bilinear of 3-d",
        lambda mod: _F(mod).interpolate(mod.ones(1, 1, 2), scale_factor=2, mode="bilinear"),
        same_message=False,
    ),
    ErrorCase(
        "interpolate nearest with align_corners",
        lambda mod: _F(mod).interpolate(mod.ones(1, 1, 2), scale_factor=2, align_corners=True),
    ),
    ErrorCase(
        "conv_transpose2d channel mismatch",
        lambda mod: _F(mod).conv_transpose2d(mod.ones(1, 2, 3, 3), mod.ones(3, 2, 2, 2)),
    ),
    ErrorCase(
        "conv2d bias dtype",
        lambda mod: _F(mod).conv2d(
            mod.ones(1, 1, 3, 3), mod.ones(1, 1, 2, 2), mod.ones(1, dtype=mod.float64)
        ),
    ),
    ErrorCase(
        "embedding padding_idx out of range",
        lambda mod: _F(mod).embedding(mod.tensor([0]), mod.ones(3, 2), padding_idx=5),
    ),
    ErrorCase("instance_norm of a matrix", lambda mod: _F(mod).instance_norm(mod.ones(2, 3))),
    ErrorCase(
        "batch_norm eval without stats",
        lambda mod: _F(mod).batch_norm(mod.ones(2, 3), None, None),
        same_message=False,
    ),
    ErrorCase("pixel_unshuffle height", lambda mod: _F(mod).pixel_unshuffle(mod.ones(1, 1, 3, 4), 2)),
    ErrorCase(
        "adaptive_avg_pool2d of a matrix",
        lambda mod: _F(mod).adaptive_avg_pool2d(mod.ones(3, 3), 2),
        same_message=False,
    ),
    ErrorCase(
        "max_unpool2d bad output_size",
        lambda mod: _F(mod).max_unpool2d(
            mod.ones(1, 1, 2, 2), mod.zeros(1, 1, 2, 2, dtype=mod.int64), 2, output_size=(7, 7)
        ),
    ),
    ErrorCase(
        "max_unpool2d index out of range",
        lambda mod: _F(mod).max_unpool2d(
            mod.ones(1, 1, 2, 2), mod.full((1, 1, 2, 2), 30, dtype=mod.int64), 2
        ),
    ),
    ErrorCase("affine_grid theta shape", lambda mod: _F(mod).affine_grid(mod.ones(1, 3, 3), (1, 1, 2, 2))),
    ErrorCase(
        "grid_sample bad mode",
        lambda mod: _F(mod).grid_sample(mod.ones(1, 1, 2, 2), mod.zeros(1, 1, 1, 2), mode="cubic"),
    ),
    ErrorCase("conv2d of a vector", lambda mod: _F(mod).conv2d(mod.ones(3), mod.ones(1, 1, 2, 2))),
    ErrorCase(
        "conv2d zero groups", lambda mod: _F(mod).conv2d(mod.ones(1, 1, 3, 3), mod.ones(1, 1, 2, 2), groups=0)
    ),
    ErrorCase(
        "conv2d zero stride", lambda mod: _F(mod).conv2d(mod.ones(1, 1, 3, 3), mod.ones(1, 1, 2, 2), stride=0)
    ),
    ErrorCase(
        "conv2d negative padding",
        lambda mod: _F(mod).conv2d(mod.ones(1, 1, 3, 3), mod.ones(1, 1, 2, 2), padding=-1),
    ),
    ErrorCase(
        "conv2d bad padding string",
        lambda mod: _F(mod).conv2d(mod.ones(1, 1, 3, 3), mod.ones(1, 1, 2, 2), padding="foo"),
    ),
    ErrorCase(
        "conv2d bias size",
        lambda mod: _F(mod).conv2d(mod.ones(1, 1, 3, 3), mod.ones(1, 1, 2, 2), mod.ones(2)),
    ),
    # torch words a weight of the wrong rank as a stride-length mismatch; chainrule names the weight.
    ErrorCase(
        "conv2d 3-d weight",
        lambda mod: _F(mod).conv2d(mod.ones(1, 1, 3, 3), mod.ones(1, 1, 2)),
        same_message=False,
    ),
    ErrorCase("fold wrong block count", lambda mod: _F(mod).fold(mod.ones(1, 4, 5), (3, 3), 2)),
]


# -- the same functions at top level (torch.conv2d, torch.layer_norm, ...) ---------------------------


def _top(name):
    def op(mod, *args, **kw):
        return getattr(mod, name)(*args, **kw)

    return op


register(
    OpInfo(
        "conv2d (top level)",
        _top("conv2d"),
        lambda make: [Sample((make((1, 1, 2, 3)), make((1, 1, 2, 2)), make((1,))))],
        prims=("_convolution",),
    ),
    OpInfo(
        "conv_transpose1d (top level)",
        _top("conv_transpose1d"),
        lambda make: [Sample((make((1, 1, 3)), make((1, 1, 2))))],
        prims=("_conv_input_grad_kernel[ConvolutionBackward0]",),
    ),
    OpInfo(
        "max_pool2d (top level)",
        _top("max_pool2d"),
        lambda make: [Sample((make((1, 1, 2, 4)), 2))],
        prims=("_gather_flat[MaxPool2DWithIndicesBackward0]",),
    ),
    OpInfo(
        "avg_pool1d (top level)",
        _top("avg_pool1d"),
        lambda make: [Sample((make((1, 2, 4)), 2))],
        prims=("_separable[AvgPool2DBackward0]",),
    ),
    OpInfo(
        "layer_norm (top level)",
        _top("layer_norm"),
        lambda make: [Sample((make((2, 3)), (3,), make((3,)), make((3,))))],
        prims=("_native_norm_kernel[NativeLayerNormBackward0]",),
    ),
    OpInfo(
        "group_norm (top level)",
        _top("group_norm"),
        lambda make: [Sample((make((1, 4)), 2, make((4,)), make((4,))))],
        prims=("_native_norm_kernel[NativeGroupNormBackward0]",),
    ),
    OpInfo(
        "pixel_shuffle (top level)",
        _top("pixel_shuffle"),
        lambda make: [Sample((make((1, 4, 1, 2)), 2))],
        prims=("_pixel_shuffle",),
    ),
    OpInfo("rms_norm (top level)", _top("rms_norm"), lambda make: [Sample((make((2, 3)), (3,), make((3,))))]),
)
