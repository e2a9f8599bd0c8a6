import pytest

from onecast.content.storage import LocalStorage


@pytest.fixture
def storage_dir(app, tmp_path):
    """Content of this test in its own directory (the app keeps one storage object)."""
    previous = getattr(app.state, "content_storage", None)
    app.state.content_storage = LocalStorage(tmp_path)
    yield tmp_path
    app.state.content_storage = previous


def stored_files(root):
    return sorted(p for p in root.rglob("*") if p.is_file())
