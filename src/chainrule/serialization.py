"""``save`` and ``load``: tensors and nested containers in a file that cannot run code when read.

# Note [File format]
# The file is a safetensors file: 8 bytes (little-endian unsigned) giving the length N of a JSON
# header, N bytes of JSON, then the tensors' raw little-endian bytes back to back. The header
# maps a name ("t0", "t1", ...) to {"dtype", "shape", "data_offsets"} for each tensor, and its
# "__metadata__" holds, as JSON text, a description of the saved object's nesting ("tree") in
# which each tensor is a reference to its name. Loading parses JSON and copies bytes into NumPy
# arrays: nothing in the file is ever executed (PyTorch's own format is pickle, which can run
# arbitrary code on load; such files are refused). A plain safetensors file loads as a dict of
# tensors.
"""

from __future__ import annotations

import json
import math
import os
from typing import Any

import numpy as np

from ._tensor import Tensor

_FORMAT = "chainrule"
_VERSION = "1"

# safetensors' dtype codes; C128 and the unsigned widths are extensions it also reads.
_CODE_OF = {
    "float64": "F64", "float32": "F32", "float16": "F16", "int64": "I64", "int32": "I32", "int16": "I16",
    "int8": "I8", "uint8": "U8", "uint16": "U16", "uint32": "U32", "uint64": "U64", "bool": "BOOL",
    "complex64": "C64", "complex128": "C128",
}
_NP_OF = {code: np.dtype(name).newbyteorder("<") for name, code in _CODE_OF.items()}

_SUPPORTED = "tensors, NumPy arrays, numbers, strings, bytes, None, bools, dtypes and lists/tuples/dicts of them"


# -- saving ---------------------------------------------------------------------------------------
class _Writer:
    """Walks an object, collecting its arrays and describing its nesting as JSON values."""

    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []
        self.names: dict[int, str] = {}  # id of a tensor/array -> its name, so shared objects stay shared
        self.keep: list = []  # keeps objects alive while their ids are in ``names``

    def add_array(self, obj, array: np.ndarray) -> str:
        name = self.names.get(id(obj))
        if name is None:
            name = f"t{len(self.arrays)}"
            self.names[id(obj)] = name
            self.keep.append(obj)
            self.arrays.append(array)
        return name

    def encode(self, obj) -> Any:
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return obj
        if isinstance(obj, float):
            return obj if math.isfinite(obj) else {"$float": repr(obj)}
        if isinstance(obj, Tensor):
            entry = {"$tensor": self.add_array(obj, obj._data)}
            if obj.requires_grad:
                entry["requires_grad"] = True
            if type(obj).__name__ == "Parameter":
                entry["parameter"] = True
            return entry
        if isinstance(obj, np.ndarray):
            return {"$ndarray": self.add_array(obj, obj)}
        if isinstance(obj, np.generic):
            return {"$npscalar": self.add_array(obj, np.asarray(obj))}
        if isinstance(obj, bytes):
            return {"$bytes": obj.hex()}
        if type(obj).__name__ == "dtype" and type(obj).__module__.startswith("chainrule"):
            return {"$dtype": obj.name}
        if type(obj).__name__ == "Size" and isinstance(obj, tuple):
            return {"$size": list(obj)}
        if isinstance(obj, tuple):
            return {"$tuple": [self.encode(x) for x in obj]}
        if isinstance(obj, list):
            return {"$list": [self.encode(x) for x in obj]}
        if isinstance(obj, dict):
            # Keys may be ints (an optimizer's state) or tuples, so the dict is a list of pairs.
            kind = "$ordereddict" if type(obj).__name__ == "OrderedDict" else "$dict"
            return {kind: [[self.encode(k), self.encode(v)] for k, v in obj.items()]}
        raise TypeError(f"chainrule.save cannot store an object of type {type(obj).__name__}; it stores {_SUPPORTED}")


def save(obj: Any, f, pickle_module=None, pickle_protocol: int = 2, _use_new_zipfile_serialization: bool = True) -> None:
    """Save ``obj`` to ``f`` (a path or a binary file object) without pickle (Note [File format]).

    >>> chainrule.save({"weight": w, "step": 3}, "ckpt.pt")
    """
    writer = _Writer()
    tree = writer.encode(obj)
    header: dict[str, Any] = {
        "__metadata__": {"format": _FORMAT, "version": _VERSION, "tree": json.dumps(tree, allow_nan=False)}
    }
    buffers, offset = [], 0
    for i, array in enumerate(writer.arrays):
        name = f"t{i}"
        code = _CODE_OF.get(array.dtype.name)
        if code is None:
            raise TypeError(f"chainrule.save cannot store arrays of dtype {array.dtype}")
        raw = np.ascontiguousarray(array, dtype=_NP_OF[code]).tobytes()
        header[name] = {"dtype": code, "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        buffers.append(raw)
        offset += len(raw)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-len(head) % 8)  # safetensors pads the header to 8 bytes with spaces
    payload = len(head).to_bytes(8, "little") + head + b"".join(buffers)
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as out:
            out.write(payload)
    else:
        f.write(payload)


# -- loading --------------------------------------------------------------------------------------
def _refuse_foreign(data: bytes, where: str) -> None:
    if data[:4] == b"PK\x03\x04":
        raise RuntimeError(
            f"{where} is a zip archive, as written by torch.save: those hold a pickle, which can run arbitrary "
            "code when loaded, so chainrule.load refuses them. Load it with PyTorch and re-save the tensors with "
            "chainrule.save (or with safetensors)."
        )
    if data[:1] == b"\x80" or data[:1] in (b"(", b"}", b"]", b"c"):
        raise RuntimeError(
            f"{where} looks like a pickle file: unpickling can run arbitrary code, so chainrule.load refuses it. "
            "chainrule.load only reads files written by chainrule.save (or safetensors files)."
        )


def _corrupt(where: str, why: str) -> RuntimeError:
    return RuntimeError(f"{where} is truncated or corrupted: {why}")


def _read_arrays(header: dict, body: memoryview, where: str) -> dict[str, np.ndarray]:
    arrays = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(info, dict) or not {"dtype", "shape", "data_offsets"} <= info.keys():
            raise _corrupt(where, f"the header entry for {name!r} is malformed")
        code, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        if code not in _NP_OF:
            raise _corrupt(where, f"tensor {name!r} has unknown dtype {code!r}")
        if not isinstance(shape, list) or not all(isinstance(s, int) and s >= 0 for s in shape):
            raise _corrupt(where, f"tensor {name!r} has an invalid shape {shape!r}")
        if (not isinstance(offsets, list) or len(offsets) != 2 or not all(isinstance(o, int) for o in offsets)
                or not 0 <= offsets[0] <= offsets[1]):
            raise _corrupt(where, f"tensor {name!r} has invalid data offsets {offsets!r}")
        begin, end = offsets
        dt = _NP_OF[code]
        if end > len(body):
            raise _corrupt(where, f"tensor {name!r} needs bytes {begin}..{end} but the data section has only {len(body)}")
        if end - begin != math.prod(shape) * dt.itemsize:
            raise _corrupt(where, f"tensor {name!r} has {end - begin} bytes, not the {math.prod(shape) * dt.itemsize} its shape needs")
        # Copy into native byte order, so the tensor owns writable memory.
        arrays[name] = np.frombuffer(body[begin:end], dtype=dt).reshape(shape).astype(dt.newbyteorder("="))
    return arrays


class _Reader:
    def __init__(self, arrays: dict[str, np.ndarray], where: str) -> None:
        self.arrays, self.where = arrays, where
        self.made: dict[str, Any] = {}

    def array(self, name) -> np.ndarray:
        if name not in self.arrays:
            raise _corrupt(self.where, f"the object refers to a missing tensor {name!r}")
        return self.arrays[name]

    def decode(self, node) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, dict) and len(node) >= 1:
            (kind, value), *rest = node.items()
            if kind == "$tensor":
                if value in self.made:
                    return self.made[value]
                t = _make_tensor(self.array(value), dict(rest))
                self.made[value] = t
                return t
            if kind == "$ndarray":
                return self.array(value)
            if kind == "$npscalar":
                return self.array(value)[()]
            if kind == "$float" and value in ("inf", "-inf", "nan"):
                return float(value)
            if kind == "$bytes" and isinstance(value, str):
                return bytes.fromhex(value)
            if kind == "$dtype":
                from . import _dtype

                return _dtype._by_name(value)
            if kind == "$size":
                from ._tensor import Size

                return Size(value)
            if kind in ("$list", "$tuple") and isinstance(value, list):
                items = [self.decode(x) for x in value]
                return tuple(items) if kind == "$tuple" else items
            if kind in ("$dict", "$ordereddict") and isinstance(value, list):
                pairs = [(self.decode(k), self.decode(v)) for k, v in value]
                if kind == "$ordereddict":
                    from collections import OrderedDict

                    return OrderedDict(pairs)
                return dict(pairs)
        raise _corrupt(self.where, f"unrecognised entry {str(node)[:80]!r} in the object description")


def _make_tensor(array: np.ndarray, flags: dict) -> Tensor:
    if flags.get("parameter"):
        try:
            from .nn.parameter import Parameter
        except ImportError:
            Parameter = None
        if Parameter is not None:
            return Parameter(Tensor._make(array), requires_grad=bool(flags.get("requires_grad", False)))
    t = Tensor._make(array)
    if flags.get("requires_grad"):
        t.requires_grad_(True)
    return t


def load(f, map_location=None, pickle_module=None, *, weights_only: bool | None = None, mmap: bool | None = None,
         **pickle_load_args) -> Any:
    """Load an object saved by ``chainrule.save`` from a path or binary file object.

    Nothing in the file is executed (Note [File format]), so every load is "weights only";
    ``weights_only``, ``map_location`` and ``mmap`` are accepted for PyTorch compatibility.
    PyTorch's pickle checkpoints are refused with a RuntimeError, as are truncated files.
    """
    if isinstance(f, (str, os.PathLike)):
        where = f"file {os.fspath(f)!r}"
        with open(f, "rb") as src:
            data = src.read()
    elif isinstance(f, (bytes, bytearray)):
        raise TypeError("chainrule.load expects a path or a binary file object; wrap bytes in io.BytesIO")
    else:
        where = "the file"
        data = f.read()
        if isinstance(data, str):
            raise TypeError("chainrule.load needs a file opened in binary mode ('rb')")
    if len(data) == 0:
        raise RuntimeError(f"{where} is empty: nothing was saved to it, or it was truncated")
    n = int.from_bytes(data[:8], "little") if len(data) >= 8 else -1
    if not (0 < n <= len(data) - 8 and data[8:9] == b"{"):
        # Not our layout. Say so precisely when it is a pickle (the first byte of a valid header
        # length can look like a pickle opcode, so this is checked only once the layout fails).
        _refuse_foreign(data, where)
        if len(data) < 8:
            raise _corrupt(where, f"it has only {len(data)} bytes, fewer than the 8-byte header length")
        if n > len(data) - 8:
            raise _corrupt(where, f"the header says it is {n} bytes long but the file has only {len(data) - 8} after it")
        raise _corrupt(where, "it does not start with a JSON header (is it a chainrule.save file?)")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise _corrupt(where, f"its header is not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise _corrupt(where, "its header is not a JSON object")
    arrays = _read_arrays(header, memoryview(data)[8 + n:], where)
    meta = header.get("__metadata__") or {}
    if not isinstance(meta, dict):
        raise _corrupt(where, "its __metadata__ is not a JSON object")
    if meta.get("format") != _FORMAT:
        # A plain safetensors file: its tensors, by name.
        return {name: Tensor._make(a) for name, a in arrays.items()}
    try:
        tree = json.loads(meta["tree"])
    except (KeyError, TypeError, ValueError):
        raise _corrupt(where, "its object description is missing or not valid JSON") from None
    return _Reader(arrays, where).decode(tree)


__all__ = ["save", "load"]
