import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "portal.settings.production",
    "SECRET_KEY": "kP3v9-Qz_x7Lr2Wm8Tn4Yb6Hd1Jc5Fg0Se-Ua9Ro3Ei7Oy2Np6Mq4Lt8Kw1Zx5Vb",
    "ALLOWED_HOSTS": "portal.example.org",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/3",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/3",
    "EMAIL_URL": "smtp+tls://mailer:pw@smtp.example.org:587",
    "DUPLICATE_INDEX_KEY": "Hq8-Zt3Lw9Xc2Vb7Nm4Kp1Jd6Fs0Ga5Er8Ty3Ui7Op2As",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; production never has it.
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION_ENV and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_a_duplicate_index_key():
    for key in ("", PRODUCTION_ENV["SECRET_KEY"]):
        result = _manage("check", env={**PRODUCTION_ENV, "DUPLICATE_INDEX_KEY": key})
        assert result.returncode != 0
        assert "DUPLICATE_INDEX_KEY must be set" in result.stderr
