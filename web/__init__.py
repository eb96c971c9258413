"""The browser app and JSON API over the core packages: ``create_app()`` builds it.

Blueprints per role: ``search`` (agents), ``admin`` (knowledge-base admin),
``qa`` (QA staff), ``quiz`` (trainers, and agents taking a quiz), ``api``
(JSON), plus ``auth`` (sign-in). Views parse the request, call one core
function and render; everything else lives in kb/, index/, qa/ and quiz/.
"""

from __future__ import annotations

import secrets
import sys
from datetime import timedelta
from pathlib import Path

from flask import Flask

from common.settings import SETTINGS, load_settings
from service.playbook import Playbook
from web import admin as admin_views
from web import (  # noqa: F401  (they add their routes to api.bp or admin.bp)
    admin_curation,
    api,
    api_curation,
    api_qa,
    api_quiz,
    api_review,
    auth,
    errors,
    golden,
    jobs,
    my_qa,
    qa_agents,
    qa_review,
    quiz_bank,
    quiz_take,
    search,
    security,
    templating,
)
from web import qa as qa_views
from web import quiz as quiz_views
from web.extensions import csrf

SETTING_NAMES = {s.name for s in SETTINGS}


def _secret_key(settings) -> str:
    """The configured secret key, else one generated once and kept (owner-only) in the data home."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.home_path / "secret_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32), encoding="ascii")
    return path.read_text(encoding="ascii").strip()


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app; ``test_config`` may hold settings (lower case) and Flask keys (upper case).

    Precedence, lowest first: the settings table, ``<home>/settings.json``,
    ``KEFU_*`` environment variables, ``<home>/instance/config.py`` (Flask
    keys), then ``test_config``.
    """
    test_config = dict(test_config or {})
    overrides = {k: test_config.pop(k) for k in list(test_config) if k in SETTING_NAMES}
    settings = load_settings(overrides.pop("home", None), **overrides)

    app = Flask(__name__, instance_path=str(settings.home_path / "instance"))
    app.config.from_mapping(
        SECRET_KEY=_secret_key(settings),
        MAX_CONTENT_LENGTH=settings.max_upload_mb * 1024 * 1024,
        # Text fields (a pasted policy or conversation) share the upload limit, so that the 413
        # message naming max_upload_mb is true for them too (Flask's own default is 500 kB).
        MAX_FORM_MEMORY_SIZE=settings.max_upload_mb * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
        WTF_CSRF_TIME_LIMIT=settings.session_hours * 3600,
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(test_config)
    app.extensions["kefu_settings"] = settings
    app.extensions["kefu_playbook"] = Playbook(settings)  # builds its parts on first use
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    templating.init_app(app)
    security.init_app(app)
    csrf.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(admin_views.bp)
    app.register_blueprint(golden.bp)
    app.register_blueprint(qa_views.bp)
    app.register_blueprint(qa_review.bp)
    app.register_blueprint(my_qa.bp)
    app.register_blueprint(qa_agents.bp)
    app.register_blueprint(quiz_views.bp)
    app.register_blueprint(quiz_bank.bp)
    app.register_blueprint(jobs.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(api_review.bp)
    csrf.exempt(api.bp)
    csrf.exempt(api_review.bp)  # the API checks CSRF itself for cookie-authenticated calls (see web/api.py)

    # Search settings changed since the golden set last ran (settings are read at start): run it.
    app.extensions["kefu_playbook"].golden_after_settings_change()
    one_time = auth.bootstrap_admin(settings)
    if one_time:
        print(
            f"Created user 'admin' with one-time password: {one_time}\n"
            "  (sign in and choose a new password; or set KEFU_ADMIN_PASSWORD before first run)",
            file=sys.stderr,
            flush=True,
        )
    return app
