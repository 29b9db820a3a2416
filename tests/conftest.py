"""Make ``src`` importable without installing, and ``tests`` helpers (opinfo) importable."""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
for _path in (os.path.join(os.path.dirname(_HERE), "src"), _HERE):
    if _path not in sys.path:
        sys.path.insert(0, _path)


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _vmap_warns_afresh():
    """vmap warns once per op that falls back; each test starts with none warned, so a test
    that turns the warning into an error sees every fallback, whatever ran before it."""
    from chainrule.func import _vmap

    _vmap._warned.clear()
    yield
