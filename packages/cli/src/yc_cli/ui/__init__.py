"""``yc ui``: a local web app over a workspace and a config folder.

Three pages (config editor, dataset browser, runs) are static HTML + plain JS under ``static/`` that talk
to a small JSON API (Starlette, served by uvicorn on 127.0.0.1 only). Every request needs the random
access token; requests that change files need it in the ``X-YC-Token`` header; every path a request
names is resolved inside the workspace or the config folder (:mod:`yc_cli.ui.sandbox`).
Needs the ``ui`` extra: ``pip install 'yc-cli[ui]'``.
"""
