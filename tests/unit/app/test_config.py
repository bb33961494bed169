"""Configuration: defaults, then the instance folder's trellis.cfg, then TRELLIS_* variables."""

from __future__ import annotations

from app import create_app


def test_the_config_file_of_the_instance_folder_is_read(tmp_path, monkeypatch):
    """gunicorn 'app:create_app()' with TRELLIS_INSTANCE_PATH read <source>/instance/trellis.cfg
    and ran on an empty database with a new secret key."""
    instance = tmp_path / "somewhere"
    instance.mkdir()
    (instance / "trellis.cfg").write_text(
        f'DATABASE_URL = "sqlite:///{tmp_path / "mine.db"}"\n'
        'SECRET_KEY = "from-the-file"\nLIST_COUNT_CAP = 7\n')
    monkeypatch.setenv("TRELLIS_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("TRELLIS_DATABASE_URL", raising=False)
    monkeypatch.delenv("TRELLIS_SECRET_KEY", raising=False)
    app = create_app()
    try:
        assert app.instance_path == str(instance.resolve())
        assert app.config["SECRET_KEY"] == "from-the-file"
        assert app.config["LIST_COUNT_CAP"] == 7
        assert app.config["DATABASE_URL"].endswith("mine.db")
    finally:
        app.extensions["trellis"].engine.dispose()


def test_variables_override_the_file(tmp_path, monkeypatch):
    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "trellis.cfg").write_text("LIST_COUNT_CAP = 7\n")
    monkeypatch.setenv("TRELLIS_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("TRELLIS_LIST_COUNT_CAP", "9")
    monkeypatch.setenv("TRELLIS_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    app = create_app()
    try:
        assert app.config["LIST_COUNT_CAP"] == 9
    finally:
        app.extensions["trellis"].engine.dispose()
