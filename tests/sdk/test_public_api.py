"""The public surface: exported names, official method names and signatures, packaging."""

from __future__ import annotations
import __future__

import importlib
import inspect
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import clear_street
from clear_street import AsyncClearStreet, ClearStreet

PUBLIC_MODULES = ["clear_street", "clear_street.types", "clear_street.resources.v1.omni_ai"]
RESOURCES = ["threads", "messages", "responses", "entitlements"]
OURS = {"wait", "stream", "iter_threads", "iter_messages"}


def public_names(module: ModuleType) -> set[str]:
    """Names a user can import: not private, not submodules, not import machinery."""
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not isinstance(value, ModuleType | __future__._Feature)
        and name != "TYPE_CHECKING"
    }


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_all_lists_exactly_the_public_names(name: str) -> None:
    module = importlib.import_module(name)

    assert sorted(module.__all__) == sorted(public_names(module))
    assert len(module.__all__) == len(set(module.__all__))


def test_version() -> None:
    assert clear_street.__version__.count(".") == 2


def test_py_typed_marker() -> None:
    assert (Path(clear_street.__file__).parent / "py.typed").is_file()


def test_imports_with_only_httpx_and_pydantic() -> None:
    allowed = {
        "clear_street",
        "httpx",
        "httpx_sse",
        "httpcore",
        "anyio",
        "sniffio",
        "idna",
        "certifi",
        "h11",
        "h2",
        "hpack",
        "hyperframe",
        "pydantic",
        "pydantic_core",
        "typing_extensions",
        "typing_inspection",
        "annotated_types",
        "_distutils_hack",
        "coverage",
        "$coverage",  # what coverage's subprocess measurement registers in a child process
    }
    # Refuse every other third-party import, as if nothing else were installed (httpx, for
    # one, pulls in its optional CLI dependencies when it finds them).
    code = f"""
import importlib.abc, sys
ALLOWED = {sorted(allowed)!r}
class OnlyAllowed(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        top = name.partition(".")[0]
        if top in sys.stdlib_module_names or top in ALLOWED or top.startswith("_"):
            return None
        raise ModuleNotFoundError(f"blocked: {{name}}")
sys.meta_path.insert(0, OnlyAllowed())
import clear_street, clear_street.types
print("\\n".join(sorted({{m.partition(".")[0] for m in sys.modules}})))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    loaded = set(out.stdout.split())
    third_party = {m for m in loaded - set(sys.stdlib_module_names) if not m.startswith("_")}
    assert third_party <= allowed, third_party - allowed


def official_resource(name: str, prefix: str = "") -> type:
    module = importlib.import_module(f"clearstreet.resources.v1.omni_ai.{name}")
    return getattr(module, f"{prefix}{name.capitalize()}Resource")  # type: ignore[no-any-return]


def our_resource(client_cls: type, name: str) -> object:
    client = client_cls(api_key="k")
    return getattr(client.v1.omni_ai, name)


def official_methods(cls: type) -> set[str]:
    return {
        name
        for name, value in vars(cls).items()
        if callable(value) and not name.startswith("_") and not name.startswith("with_")
    }


@pytest.mark.parametrize("resource", RESOURCES)
def test_method_names_match_the_official_sdk(resource: str) -> None:
    for client_cls, prefix in ((ClearStreet, ""), (AsyncClearStreet, "Async")):
        ours = our_resource(client_cls, resource)
        mine = {n for n in dir(ours) if not n.startswith("_")}
        assert mine - OURS == official_methods(official_resource(resource, prefix))


@pytest.mark.parametrize("resource", RESOURCES)
def test_signatures_match_the_official_sdk(resource: str) -> None:
    """Same parameter names and kinds; only ``account_id`` may be required where ours is."""
    for client_cls, prefix in ((ClearStreet, ""), (AsyncClearStreet, "Async")):
        official = official_resource(resource, prefix)
        ours = our_resource(client_cls, resource)
        for method in official_methods(official):
            theirs = list(inspect.signature(getattr(official, method)).parameters.values())[1:]
            mine = list(inspect.signature(getattr(ours, method)).parameters.values())
            assert [p.name for p in mine] == [p.name for p in theirs], method
            assert [p.kind for p in mine] == [p.kind for p in theirs], method
            for a, b in zip(mine, theirs, strict=True):
                required = a.default is inspect.Parameter.empty
                assert required == (b.default is inspect.Parameter.empty) or a.name == "account_id"
            is_async = inspect.iscoroutinefunction(getattr(ours, method))
            assert is_async == (prefix == "Async"), method
