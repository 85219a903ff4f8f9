"""The package's public surface: the type stub, the lazy loader and ``__all__`` agree."""

import ast
from pathlib import Path

import classicseg

PACKAGE = Path(classicseg.__file__).resolve().parent


def _stub():
    """(name -> module imported from, __all__) of ``classicseg/__init__.pyi``."""
    tree = ast.parse((PACKAGE / "__init__.pyi").read_text())
    imported, names_all = {}, None
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            for alias in node.names:
                imported[alias.asname or alias.name] = module
        elif isinstance(node, ast.FunctionDef):
            imported[node.name] = "."
        elif isinstance(node, ast.Assign) and node.targets[0].id == "__all__":
            names_all = [ast.literal_eval(e) for e in node.value.elts]
    return imported, names_all


def test_stub_imports_every_export_from_its_module():
    imported, _ = _stub()
    expected = dict(classicseg._EXPORTS)
    expected.update({name: "." for name in classicseg._SUBMODULES})
    expected["warmup"] = "."
    assert imported == expected


def test_stub_all_equals_package_all():
    _, names_all = _stub()
    assert names_all == classicseg.__all__
    assert sorted(dir(classicseg)) == sorted(classicseg.__all__)


def test_every_public_name_resolves():
    for name in classicseg.__all__:
        assert getattr(classicseg, name) is not None, name


def test_package_ships_its_type_information():
    assert (PACKAGE / "py.typed").is_file()
    pyproject = (PACKAGE.parent / "pyproject.toml").read_text()
    assert '"py.typed"' in pyproject and '"*.pyi"' in pyproject
