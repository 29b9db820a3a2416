"""_activation functions of chainrule.nn.functional."""

from __future__ import annotations

__all__: list[str] = []
