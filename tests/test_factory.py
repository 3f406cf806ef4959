"""The app factory: configuration precedence and refusing unsafe settings."""

import pytest

from fieldapp import ConfigError, create_app
from fieldapp.config import DEV_SECRET_KEY


def test_defaults_then_test_config(tmp_path):
    app = create_app({"TESTING": True, "COUNCIL_NAME": "Testshire"}, instance_path=tmp_path)
    assert app.config["COUNCIL_NAME"] == "Testshire"
    assert app.config["LOGIN_MAX_FAILURES"] == 5  # untouched default
    assert app.config["DATABASE"] == str(tmp_path / "fieldapp.db")


def test_first_run_writes_instance_config_with_random_key(tmp_path, monkeypatch):
    monkeypatch.delenv("FIELDAPP_SECRET_KEY", raising=False)
    first = create_app(instance_path=tmp_path / "a")
    second = create_app(instance_path=tmp_path / "b")
    assert (tmp_path / "a" / "config.py").exists()
    assert first.config["SECRET_KEY"] != DEV_SECRET_KEY
    assert first.config["SECRET_KEY"] != second.config["SECRET_KEY"]
    # A second start reads the same key rather than minting a new one (sessions survive).
    assert (
        create_app(instance_path=tmp_path / "a").config["SECRET_KEY"] == first.config["SECRET_KEY"]
    )


def test_instance_config_overrides_defaults_and_environment_overrides_both(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text(
        "SECRET_KEY = 'from-file'\nCOUNCIL_NAME = 'File Council'\nLOGIN_MAX_FAILURES = 9\n"
    )
    monkeypatch.setenv("FIELDAPP_COUNCIL_NAME", "Env Council")
    monkeypatch.delenv("FIELDAPP_SECRET_KEY", raising=False)
    app = create_app(instance_path=tmp_path)
    assert app.config["SECRET_KEY"] == "from-file"
    assert app.config["LOGIN_MAX_FAILURES"] == 9
    assert app.config["COUNCIL_NAME"] == "Env Council"


def test_environment_values_are_typed(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDAPP_LOGIN_MAX_FAILURES", "3")
    app = create_app({"TESTING": True}, instance_path=tmp_path)
    assert app.config["LOGIN_MAX_FAILURES"] == 3


def test_refuses_production_start_with_the_development_key(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text(f"SECRET_KEY = {DEV_SECRET_KEY!r}\n")
    monkeypatch.delenv("FIELDAPP_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(instance_path=tmp_path)


def test_debug_allows_the_development_key(tmp_path):
    app = create_app({"DEBUG": True, "SECRET_KEY": DEV_SECRET_KEY}, instance_path=tmp_path)
    assert app.debug


def test_session_cookie_is_httponly_lax_and_secure_over_https(app, auth, client):
    response = auth.login("inspector")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP on localhost still works
    secure = app.test_client()
    page = secure.get("/sign-in", base_url="https://fieldapp.example")
    from tests.conftest import PASSWORD, csrf_token

    response = secure.post(
        "/sign-in",
        base_url="https://fieldapp.example",
        data={
            "username": "ivy.inspector",
            "password": PASSWORD,
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
        headers={"Referer": "https://fieldapp.example/sign-in"},
    )
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]


def test_refuses_to_start_with_a_broken_checklist(tmp_path):
    import shutil

    from fieldapp.checklists import ChecklistError
    from fieldapp.config import ROOT

    shutil.copytree(ROOT / "checklists", tmp_path / "checklists")
    nail_bar = tmp_path / "checklists" / "nail_bar.toml"
    nail_bar.write_text(nail_bar.read_text().replace("weight = 3", "weight = 9", 1))
    with pytest.raises(ChecklistError, match=r"nail_bar.toml: sections\.\w+\.indicators\.\w+"):
        create_app(
            {"TESTING": True, "CHECKLIST_DIR": str(tmp_path / "checklists")},
            instance_path=tmp_path,
        )


def test_every_response_carries_the_security_headers(client):
    for url in ("/sign-in", "/static/app.css", "/no/such/page"):
        headers = client.get(url).headers
        assert headers["X-Content-Type-Options"] == "nosniff", url
        assert headers["X-Frame-Options"] == "SAMEORIGIN", url
        assert headers["Referrer-Policy"] == "same-origin", url
        assert "geolocation=(self)" in headers["Permissions-Policy"], url
