"""The benchmark suite runs, agrees with PyTorch and writes its table and JSON (timings are not checked)."""

import json

import pytest

bench = pytest.importorskip("bench.__main__")


def test_quick_run_prints_table_and_writes_json(tmp_path, capsys):
    out = tmp_path / "results.json"
    code = bench.main(["--quick", "--rounds", "1", "--no-scaling", "--json", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "| workload | shape | PyTorch | NumPy limit | chainrule |" in text
    result = json.loads(out.read_text())
    assert result["machine"]["OPENBLAS_NUM_THREADS"] >= 1
    rows = {r["key"]: r for r in result["rows"]}
    assert set(rows) == set(bench.ROWS)
    for key, r in rows.items():
        assert r["seconds"]["chainrule"] > 0
        assert r["agreement"]["ok"], (key, r["agreement"])
        assert isinstance(r["goal_met"], bool)
        if bench.ROWS[key]["limit"] is not None:
            assert r["seconds"]["numpy"] > 0 and r["agreement"]["numpy"]["ok"]
        if bench.torch is not None:
            assert r["seconds"]["torch"] > 0 and r["agreement"]["chainrule"]["ok"]
    assert rows["per-op"]["unit"] == "op"


def test_only_one_row_and_scaling_points(tmp_path):
    out = tmp_path / "r.json"
    assert bench.main(["--quick", "--rounds", "1", "--only", "per-op", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert [r["key"] for r in result["rows"]] == ["per-op"]
    sc = bench.scaling([1, 8], [10, 100], rounds=1, target=0.001)
    pts = sc["depth"]["chainrule"]["points"]
    assert [n for n, _ in pts] == [9, 101] and all(t > 0 for _, t in pts)


def test_agreement_check_flags_a_wrong_gradient():
    import numpy as np

    good = (1.0, [np.ones(3)])
    bad = (1.0, [np.ones(3) * 1.1])
    assert bench.check({"torch": good, "chainrule": good})["ok"]
    assert not bench.check({"torch": good, "chainrule": bad})["ok"]


def test_linear_growth_check():
    assert bench._linear([(1, 1.0), (10, 5.0), (100, 40.0)])
    assert bench._linear([(1, 1.0), (10, 20.0), (100, 200.0)])  # superlinear mid-range only
    assert not bench._linear([(1, 1.0), (10, 30.0)])
    assert bench._exponents([(1, 1.0), (10, 10.0)]) == [1.0]
