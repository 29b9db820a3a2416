"""Anomaly mode (detect_anomaly, set_detect_anomaly) against PyTorch."""

import warnings

import pytest
from autograd_oracle import same

import chainrule

torch = pytest.importorskip("torch")


def _nan_in_backward(m):
    """x / x at 0: the gradient for the divisor is -0/0 = NaN (the dividend's is inf)."""
    x = m.zeros(2, requires_grad=True)
    y = x / x  # FORWARD-LINE
    y.sum().backward()


def _run(m, fn, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with m.autograd.detect_anomaly(**kw):
                fn(m)
        except RuntimeError as exc:
            return exc, caught
    return None, caught


def _line_of(marker: str) -> int:
    with open(__file__) as f:
        for n, line in enumerate(f, 1):
            if marker in line and "_line_of" not in line:
                return n
    raise AssertionError(marker)


def test_nan_in_backward_raises_runtime_error_naming_the_node():
    got, _ = _run(chainrule, _nan_in_backward)
    want, _ = _run(torch, _nan_in_backward)
    assert type(got) is type(want) is RuntimeError
    assert str(want) == "Function 'DivBackward0' returned nan values in its 1th output."
    assert str(got).startswith(str(want))


def test_nan_error_includes_forward_file_and_line():
    got, _ = _run(chainrule, _nan_in_backward)
    assert f'File "{__file__}", line {_line_of("FORWARD-LINE")}, in _nan_in_backward' in str(got)
    assert "y = x / x" in str(got)


def test_error_in_backward_warns_with_forward_traceback_like_torch():
    for m in (chainrule, torch):
        _, caught = _run(m, _nan_in_backward)
        messages = [str(w.message) for w in caught]
        assert messages[0].startswith("Anomaly Detection has been enabled.")
        detected = [s for s in messages if s.startswith("Error detected in DivBackward0.")]
        assert detected, (m.__name__, messages)
        assert f"line {_line_of('FORWARD-LINE')}" in detected[0]


def test_check_nan_false_lets_nan_through():
    def program(m):
        x = m.zeros(2, requires_grad=True)
        with m.autograd.detect_anomaly(check_nan=False):
            (x / x).sum().backward()
        return x.grad

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(program)


def test_no_error_without_anomaly_mode():
    def program(m):
        x = m.zeros(2, requires_grad=True)
        (x / x).sum().backward()
        return x.grad

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(program)


def test_set_detect_anomaly_as_call_and_context_and_flags():
    def program(m):
        states = [m.is_anomaly_enabled()]
        with m.autograd.set_detect_anomaly(True, check_nan=False):
            states += [m.is_anomaly_enabled(), m.is_anomaly_check_nan_enabled()]
        states += [m.is_anomaly_enabled(), m.is_anomaly_check_nan_enabled()]
        m.autograd.set_detect_anomaly(True)
        states.append(m.is_anomaly_enabled())
        m.autograd.set_detect_anomaly(False)
        states.append(m.is_anomaly_enabled())
        return states

    same(program)


def test_traceback_recorded_in_metadata_only_in_anomaly_mode():
    for m in (chainrule, torch):
        x = m.ones(2, requires_grad=True)
        y = x * 2
        assert "traceback_" not in y.grad_fn.metadata
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with m.autograd.detect_anomaly():
                z = x * 3  # METADATA-LINE
        tb = z.grad_fn.metadata["traceback_"]
        assert isinstance(tb, list) and f"line {_line_of('METADATA-LINE')}" in tb[-1]


def test_anomaly_mode_keeps_gradients_and_node_names():
    def program(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with m.autograd.detect_anomaly():
                y = (x.exp() * x.sin()).sum()
                (g,) = m.autograd.grad(y, x, create_graph=True)
                g.sum().backward()
        return y.grad_fn.name(), type(y.grad_fn).__name__, g, x.grad

    same(program)


def test_detect_anomaly_is_not_a_decorator_like_torch():
    for m in (chainrule, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(TypeError):
                m.autograd.detect_anomaly()(lambda: None)


def test_node_created_outside_anomaly_mode_is_checked_in_backward():
    def program(m):
        x = m.zeros(2, requires_grad=True)
        y = (x / x).sum()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                with m.autograd.detect_anomaly():
                    y.backward()
            except RuntimeError as exc:
                detected = [str(w.message) for w in caught if "Error detected" in str(w.message)]
                return str(exc).splitlines()[0], "No forward pass information" in detected[0]
        return None

    same(program)
