import pytest


def pytest_collection_modifyitems(config, items):
    # Every test that touches the database also runs in the PostgreSQL pass (`-m db`).
    for item in items:
        if {"db", "transactional_db", "django_db_setup", "installed"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


@pytest.fixture
def data_dir(tmp_path, settings):
    path = tmp_path / "data"
    settings.DATA_DIR = path
    # Uploads stream to the test's own tmp/ (settings derive it from DATA_DIR once, at start).
    (path / "tmp").mkdir(parents=True, mode=0o700)
    settings.FILE_UPLOAD_TEMP_DIR = str(path / "tmp")
    return path


@pytest.fixture
def installed(db, data_dir):
    """A fresh installation (key in a temporary data directory) on the test database."""
    from boendeinventering.services.installation import init_installation

    init_installation("0180")
    return data_dir
