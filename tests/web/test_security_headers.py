"""Every response carries headers that stop sniffing, framing, foreign scripts and URL leaks."""

from __future__ import annotations

import pytest

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


@pytest.mark.parametrize(
    "path", ["/login", "/static/app.js", "/static/app.css", "/no-such-page", "/api/documents", "/"]
)
def test_security_headers_on_every_kind_of_response(own_app, path):
    with own_app().test_client().get(path) as response:
        headers = response.headers
    for name, value in EXPECTED.items():
        assert headers.get(name) == value, (path, name)
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_templates_need_no_inline_script_or_style():
    """The policy forbids inline code, so no template may rely on it."""
    import re
    from pathlib import Path

    pattern = re.compile(r"<script(?![^>]*\bsrc=)|\son[a-z]+\s*=|\sstyle\s*=|<style", re.I)
    offenders = [
        f"{p.name}: {m.group(0)}"
        for p in Path("web/templates").rglob("*.html")
        for m in pattern.finditer(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
