"""pyproject.toml declares each dependency once, and no two distributions that install the same
package (phonenumbers and phonenumberslite overwrite each other's files; only the full one has
the carrier data phone validation reports)."""

import re
import tomllib
from collections import Counter
from importlib import metadata
from pathlib import Path

import pytest

PYPROJECT = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
SAME_FILES = [{"phonenumbers", "phonenumberslite"}]


def _name(requirement: str) -> str:
    return re.split(r"[\[=<>!~; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _groups() -> dict[str, list[str]]:
    project = PYPROJECT["project"]
    return {"dependencies": project["dependencies"], **project["optional-dependencies"]}


@pytest.mark.parametrize("group", sorted(_groups()))
def test_each_dependency_is_listed_once(group):
    names = Counter(_name(r) for r in _groups()[group])
    assert [n for n, count in names.items() if count > 1] == []


def test_no_two_distributions_of_one_package():
    declared = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    assert all(len(clash & declared) <= 1 for clash in SAME_FILES), declared
    installed = {d.metadata["Name"].lower() for d in metadata.distributions()}
    assert all(len(clash & installed) <= 1 for clash in SAME_FILES), "run `make install` to remove phonenumberslite"


def test_s3_client_is_an_extra():
    assert [_name(r) for r in PYPROJECT["project"]["optional-dependencies"]["s3"]] == ["boto3"]
