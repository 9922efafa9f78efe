"""No YAML file of the project repeats a key in one mapping: YAML keeps the last one, so a
second `data_tests:` under a column silently drops the tests of the first."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
FOLDERS = ("models", "seeds", "tests", "macros", "analyses")
FILES = [
    *sorted(path for folder in FOLDERS for path in (PROJECT_DIR / folder).rglob("*.yml")),
    PROJECT_DIR / "dbt_project.yml",
    PROJECT_DIR / "profiles.yml",
]


class KeyCheckingLoader(yaml.SafeLoader):
    """A loader that fails on a mapping holding a key twice."""


def mapping_without_repeats(loader: KeyCheckingLoader, node: yaml.MappingNode) -> dict:
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} repeated", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


KeyCheckingLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping_without_repeats
)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PROJECT_DIR)))
def test_no_key_is_repeated(path: Path) -> None:
    yaml.load(path.read_text(encoding="utf-8"), Loader=KeyCheckingLoader)


def test_a_repeated_key_is_found() -> None:
    with pytest.raises(yaml.constructor.ConstructorError, match="data_tests"):
        yaml.load("a:\n  data_tests: [x]\n  data_tests: [y]\n", Loader=KeyCheckingLoader)
