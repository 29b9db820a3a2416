"""chainrule.save / chainrule.load: round trips, and refusal of pickle and damaged files."""

import io
import math
import os

import numpy as np
import pytest
import torch

import chainrule

DTYPES = ["float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8", "bool", "complex64", "complex128"]


def _roundtrip(obj):
    buf = io.BytesIO()
    chainrule.save(obj, buf)
    buf.seek(0)
    return chainrule.load(buf)


@pytest.mark.parametrize("name", DTYPES)
def test_every_dtype_round_trips_bit_for_bit(name):
    rng = np.random.default_rng(0)
    raw = (rng.standard_normal((3, 4)) * 50).astype(name) if name != "bool" else rng.random((3, 4)) > 0.5
    t = chainrule.tensor(raw)
    back = _roundtrip({"t": t, "empty": t[:0], "scalar": t[0, 0], "strided": t.t()})
    for key, ref in [("t", t), ("empty", t[:0]), ("scalar", t[0, 0]), ("strided", t.t())]:
        assert back[key].dtype == ref.dtype and back[key].shape == ref.shape
        np.testing.assert_array_equal(back[key].numpy(), ref.numpy())


def test_nested_containers_numbers_and_flags_round_trip(tmp_path):
    w = chainrule.randn(2, 3, requires_grad=True)
    obj = {
        "model": {"layer.weight": w, "layer.bias": chainrule.zeros(3)},
        "epoch": 7, "loss": 0.25, "best": float("inf"), "nan": float("nan"), "name": "run-1",
        "flags": [True, False, None], "shape": (2, (3, 4)), "big": 2**70, "blob": b"\x00\xff",
        "dtype": chainrule.float16, "size": chainrule.Size([2, 3]), 3: "int key",
    }
    path = tmp_path / "ckpt.pt"
    chainrule.save(obj, path)
    back = chainrule.load(str(path), weights_only=True, map_location="cpu")
    assert list(back) == list(obj)
    assert back["model"]["layer.weight"].requires_grad and not back["model"]["layer.bias"].requires_grad
    np.testing.assert_array_equal(back["model"]["layer.weight"].detach().numpy(), w.detach().numpy())
    assert back["epoch"] == 7 and type(back["epoch"]) is int and back["loss"] == 0.25
    assert back["best"] == math.inf and math.isnan(back["nan"]) and back["name"] == "run-1"
    assert back["flags"] == [True, False, None] and back["shape"] == (2, (3, 4)) and back["big"] == 2**70
    assert back["blob"] == b"\x00\xff" and back["dtype"] is chainrule.float16 and back[3] == "int key"
    assert back["size"] == chainrule.Size([2, 3]) and type(back["size"]) is chainrule.Size


def test_a_tensor_saved_twice_loads_as_one_tensor():
    t = chainrule.ones(2)
    back = _roundtrip([t, {"again": t}])
    assert back[0] is back[1]["again"]


def test_optimizer_state_dict_round_trips_and_resumes_identically():
    def make():
        w = chainrule.tensor([1.0, -2.0, 3.0], requires_grad=True)
        return w, chainrule.optim.Adam([w], lr=0.1, amsgrad=True)

    def step(w, opt):
        opt.zero_grad()
        ((w**2).sum()).backward()
        opt.step()

    w1, opt1 = make()
    for _ in range(3):
        step(w1, opt1)
    saved = _roundtrip({"w": w1.detach(), "opt": opt1.state_dict()})
    w2, opt2 = make()
    with chainrule.no_grad():
        w2.copy_(saved["w"])
    opt2.load_state_dict(saved["opt"])
    step(w1, opt1)
    step(w2, opt2)
    np.testing.assert_array_equal(w1.detach().numpy(), w2.detach().numpy())


def test_files_are_safetensors_readable_by_layout():
    buf = io.BytesIO()
    chainrule.save({"a": chainrule.arange(4, dtype=chainrule.float32)}, buf)
    data = buf.getvalue()
    n = int.from_bytes(data[:8], "little")
    import json

    header = json.loads(data[8 : 8 + n])
    assert header["t0"] == {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}
    assert np.frombuffer(data[8 + n :], "<f4").tolist() == [0, 1, 2, 3]


def test_plain_safetensors_file_loads_as_dict_of_tensors():
    import json

    header = json.dumps({"x": {"dtype": "I32", "shape": [2], "data_offsets": [0, 8]}}).encode()
    data = len(header).to_bytes(8, "little") + header + np.array([5, 6], "<i4").tobytes()
    back = chainrule.load(io.BytesIO(data))
    assert back["x"].tolist() == [5, 6] and back["x"].dtype == chainrule.int32


class _RunsCode:
    """Unpickling this object calls os.system: the classic malicious checkpoint."""

    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def test_a_pickle_crafted_to_run_code_is_refused(tmp_path, monkeypatch):
    import pickle  # only to build the malicious file; chainrule never imports pickle

    paths = []
    for protocol in (0, 2, 4):
        paths.append(tmp_path / f"evil{protocol}.pt")
        paths[-1].write_bytes(pickle.dumps(_RunsCode(), protocol=protocol))
    calls = []
    monkeypatch.setattr(os, "system", lambda cmd: calls.append(cmd))
    for path in paths:
        with pytest.raises(RuntimeError, match="pickle"):
            chainrule.load(path)
    assert calls == []


def test_a_torch_save_zip_checkpoint_is_refused(tmp_path):
    path = tmp_path / "torch.pt"
    torch.save({"w": torch.ones(2)}, path)
    with pytest.raises(RuntimeError, match="torch.save"):
        chainrule.load(path)


def _saved_bytes():
    buf = io.BytesIO()
    chainrule.save({"w": chainrule.randn(4, 4), "b": [chainrule.zeros(3), 1]}, buf)
    return buf.getvalue()


@pytest.mark.parametrize("cut", [0, 3, 8, 20, -1, -17])
def test_truncated_files_raise_a_clear_error(cut):
    data = _saved_bytes()
    with pytest.raises(RuntimeError, match="truncated or corrupted|empty"):
        chainrule.load(io.BytesIO(data[:cut]))


def test_corrupted_headers_raise_a_clear_error():
    data = bytearray(_saved_bytes())
    n = int.from_bytes(data[:8], "little")
    cases = []
    wrong_length = bytearray(data)
    wrong_length[:8] = (n + 10**6).to_bytes(8, "little")
    cases.append(wrong_length)
    not_json = bytearray(data)
    not_json[9:14] = b"@@@@@"
    cases.append(not_json)
    bad_shape = bytes(data).replace(b'"shape":[4,4]', b'"shape":[4,5]')
    cases.append(bad_shape)
    bad_dtype = bytes(data).replace(b'"F32"', b'"X32"', 1)
    cases.append(bad_dtype)
    bad_tree = bytes(data).replace(b"$tensor", b"$tensoX", 1)
    cases.append(bad_tree)
    for case in cases:
        with pytest.raises(RuntimeError, match="truncated or corrupted"):
            chainrule.load(io.BytesIO(bytes(case)))


def test_unsupported_objects_are_refused_when_saving():
    with pytest.raises(TypeError, match="cannot store an object of type object"):
        chainrule.save({"x": object()}, io.BytesIO())


def test_parameters_load_as_parameters_and_module_state_dicts_round_trip():
    layer = chainrule.nn.Linear(3, 2)
    back = _roundtrip({"param": layer.weight, "state": layer.state_dict()})
    assert type(back["param"]) is type(layer.weight) and back["param"].requires_grad
    assert list(back["state"]) == ["weight", "bias"] and type(back["state"]).__name__ == "OrderedDict"
    fresh = chainrule.nn.Linear(3, 2)
    fresh.load_state_dict(back["state"])
    np.testing.assert_array_equal(fresh.weight.detach().numpy(), layer.weight.detach().numpy())
