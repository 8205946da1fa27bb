"""``spendscope serve``: the JSON API and the dashboard, one FastAPI application.

    from spendscope.api import create_app, serve
    serve(Settings.load(), host="127.0.0.1", port=8000)
"""

from spendscope.api.app import create_app, serve

__all__ = ["create_app", "serve"]
