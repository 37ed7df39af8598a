import pytest

pytestmark = pytest.mark.django_db


def test_home_is_english_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()
    assert "Join a health research program for everyone" in response.content.decode()


def test_home_in_spanish_under_es_prefix(client):
    response = client.get("/es/")
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="es">' in body
    assert "Únase a un programa de investigación de salud para todos" in body


def test_language_switcher_sets_spanish(client):
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/es/"
    assert "Únase" in client.get(response["Location"]).content.decode()


def test_security_headers_and_csp_nonce(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
