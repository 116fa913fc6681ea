"""Issue 11 at the store: ids and names never ambiguous (D5), file names refused when written
by the rule export uses (D13), and a damaged or foreign database file (also seen)."""

from __future__ import annotations

import pytest

from vibing2_lab.errors import ProjectError, UnknownProjectError
from vibing2_lab.store import Store


# -- D5: a digit-only name would take over another project's id ---------------------------
@pytest.mark.parametrize("name", ["29", "0", "007", "٢٩", "²"])
def test_digit_only_names_are_refused(store: Store, name: str) -> None:
    with pytest.raises(ProjectError, match="only of digits"):
        store.create_project(name)
    with pytest.raises(ProjectError, match="only of digits"):
        store.ensure_project(name)
    keep = store.create_project("keep")
    with pytest.raises(ProjectError, match="only of digits"):
        store.rename_project(keep.id, name)
    with pytest.raises(ProjectError, match="only of digits"):
        store.fork_project(keep.id, name)
    assert [p.name for p in store.list_projects()] == ["keep"]


def test_a_digit_string_is_always_an_id(store: Store) -> None:
    important = store.create_project("important-work")
    other = store.create_project("other")
    # A name of digits stored by an older version must not shadow the id it spells.
    with store._db.write() as conn:
        conn.execute("UPDATE projects SET name = ? WHERE id = ?", (str(important.id), other.id))
    assert store.get_project(str(important.id)).name == "important-work"
    assert store.get_project(important.id).name == "important-work"
    store.delete_project(str(important.id))
    assert [p.id for p in store.list_projects()] == [other.id]


def test_superscript_digits_are_no_id(store: Store) -> None:
    with pytest.raises(UnknownProjectError):
        store.get_project("²")  # str.isdigit() says yes, int() says no
