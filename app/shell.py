"""The shell UI around the apps: home page with the list of apps."""

from __future__ import annotations

from flask import Blueprint, Flask, render_template
from flask_login import login_required


def init_app(app: Flask) -> None:
    bp = Blueprint("shell", __name__)

    @bp.get("/")
    @login_required
    def home():
        return render_template("app/home.html")

    app.register_blueprint(bp)
