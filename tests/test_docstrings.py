"""Every public function, class, method and property of chainrule has a docstring.

The public API is what a user reaches from ``chainrule``: each chainrule module's ``__all__`` where it
defines one, else its names without a leading underscore; the classes defined in chainrule among
them; and the public methods and properties those classes (and their chainrule base classes) define.
Objects chainrule merely re-exports (NumPy's, Python's) are not ours to document and are skipped.
"""

import inspect
import types

import chainrule

# Names left out of the check, each with the reason (none now; test_exclusions_are_still_needed
# says when an entry must go).
EXCLUDED_OWNED_ELSEWHERE: dict[str, str] = {}
EXCLUDED_MODULES: set[str] = set()


def _ours(obj) -> bool:
    """Whether ``obj`` was defined in chainrule (not NumPy's or Python's, re-exported)."""
    module = getattr(obj, "__module__", None)
    # chainrule's result named tuples call their module torch.return_types, to print as PyTorch's.
    return isinstance(module, str) and (
        module == "chainrule" or module.startswith("chainrule.") or module == "torch.return_types"
    )


def _public_names(module: types.ModuleType) -> list[str]:
    """A module's ``__all__``, else its names without a leading underscore."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [name for name in vars(module) if not name.startswith("_")]
    return sorted(names)


def _members(cls: type):
    """``(name, obj)`` for each public method and property ``cls`` or its chainrule bases define."""
    seen = set()
    for owner in cls.__mro__:
        if not _ours(owner):
            continue
        for name, attr in vars(owner).items():
            if name.startswith("_") or name in seen:
                continue
            seen.add(name)
            if isinstance(attr, (staticmethod, classmethod)):
                attr = attr.__func__
            if isinstance(attr, property) or inspect.isfunction(attr):
                yield name, attr


def _defined_in(obj) -> str | None:
    """The module that defined ``obj`` (for a property, its getter's module)."""
    if isinstance(obj, property):
        obj = obj.fget
    return getattr(obj, "__module__", None)


def public_api() -> dict[str, object]:
    """Every public callable and property of chainrule, by the first dotted name that reaches it."""
    found: dict[str, object] = {}
    seen_ids: set[int] = set()
    seen_modules: set[str] = set()

    def visit(path: str, obj) -> None:
        if id(obj) in seen_ids:
            return
        seen_ids.add(id(obj))
        found[path] = obj
        if inspect.isclass(obj):
            for name, member in _members(obj):
                if id(member) not in seen_ids:
                    seen_ids.add(id(member))
                    found[f"{path}.{name}"] = member

    reached: list[tuple[str, object]] = []

    def walk(module: types.ModuleType) -> None:
        if module.__name__ in seen_modules:
            return
        seen_modules.add(module.__name__)
        submodules = []
        for name in _public_names(module):
            obj = getattr(module, name)
            if inspect.ismodule(obj):
                if _ours(obj) or obj.__name__.startswith("chainrule."):
                    submodules.append(obj)
            elif callable(obj) and _ours(obj):
                reached.append((f"{module.__name__}.{name}", obj))
        for submodule in submodules:
            walk(submodule)

    walk(chainrule)
    # Functions first, then classes, base classes before their subclasses: a function that a class
    # also holds (``Tensor.add = add``) is named as a function, and an inherited method
    # (``Module.eval``) by the class that defines it.
    for path, obj in sorted(reached, key=lambda item: len(getattr(item[1], "__mro__", ()))):
        visit(path, obj)
    return found


def missing_docstrings() -> list[str]:
    """The dotted names of public API objects without a non-empty docstring, minus the exclusions."""
    missing = []
    for path, obj in public_api().items():
        if _defined_in(obj) in EXCLUDED_MODULES or path in EXCLUDED_OWNED_ELSEWHERE:
            continue
        doc = obj.__doc__ if not inspect.isclass(obj) else vars(obj).get("__doc__")
        if not (isinstance(doc, str) and doc.strip()):
            missing.append(path)
    return missing


def test_public_api_is_found():
    # The walk must reach the corners of the API, or an empty walk would pass the check below.
    api = public_api()
    for path in ("chainrule.add", "chainrule.nn.Linear", "chainrule.nn.Module.parameters",
                 "chainrule.optim.SGD.step", "chainrule.utils.data.DataLoader",
                 "chainrule.autograd.grad", "chainrule.nn.functional.relu"):
        assert path in api, path
    assert len(api) > 800


def test_every_public_function_has_a_docstring():
    missing = missing_docstrings()
    assert not missing, f"{len(missing)} public names without a docstring:\n" + "\n".join(missing)


def test_exclusions_are_still_needed():
    # An exclusion whose name has since got a docstring (or is gone) must be removed from the list.
    api = public_api()
    stale = [
        path for path in EXCLUDED_OWNED_ELSEWHERE
        if path not in api or (api[path].__doc__ or "").strip()
    ]
    assert not stale, "remove from EXCLUDED_OWNED_ELSEWHERE: " + ", ".join(stale)


def test_check_catches_an_undocumented_function_and_method(monkeypatch):
    # The check itself must see a new public function or method that has no docstring.
    def undocumented(tensor):
        return tensor

    undocumented.__module__ = "chainrule.nn.init"
    monkeypatch.setattr(chainrule.nn.init, "undocumented_", undocumented, raising=False)
    if hasattr(chainrule.nn.init, "__all__"):
        monkeypatch.setattr(chainrule.nn.init, "__all__", [*chainrule.nn.init.__all__, "undocumented_"])

    def method(self):
        return self

    method.__module__ = chainrule.nn.Linear.__module__
    monkeypatch.setattr(chainrule.nn.Linear, "undocumented_method", method, raising=False)
    missing = missing_docstrings()
    assert "chainrule.nn.init.undocumented_" in missing
    assert "chainrule.nn.Linear.undocumented_method" in missing
