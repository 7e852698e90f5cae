"""The Starlette app of ``yc ui``: three pages (static HTML + JS) and the JSON API they call."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from yc_cli.errors import YcError
from yc_cli.store import Store
from yc_cli.ui import config_check, dataset_query, runs_scan, yaml_edit
from yc_cli.ui.guard import TokenGuard
from yc_cli.ui.sandbox import OutsideError, Sandbox

if TYPE_CHECKING:
    import uvicorn

STATIC = Path(__file__).parent / "static"
PAGES = ("config", "dataset", "runs")
YAML_SUFFIXES = (".yml", ".yaml")
_SKIP_DIRS = {".git", ".venv", "node_modules", "__pycache__", "audio", "_delta_log"}


class BadRequest(YcError):
    """A request with a missing or malformed parameter."""


def build_app(
    workspace: Path,
    config_dir: Path,
    token: str,
    cookie: str = "yc_ui",
    schema: Callable[[], dict[str, Any]] | None = None,
) -> Starlette:
    """The app over ``workspace`` (Delta tables, runs) and ``config_dir`` (YAML configs, runs).

    Handlers that read tables or files are plain functions: Starlette runs them in its thread pool, so a
    slow query never blocks the other requests of the page.

    ``schema`` gives the config's JSON Schema (default: yc_train's, as ``yc train schema`` prints it).
    """
    sandbox = Sandbox.of(workspace=workspace, configs=config_dir)
    store = Store(sandbox.roots["workspace"])
    get_schema = schema or config_check.schema

    def page(request: Request) -> Response:
        name = request.path_params.get("page", "config")
        if name not in PAGES:
            return HTMLResponse("not found", status_code=404)
        html = (STATIC / f"{name}.html").read_text(encoding="utf-8")
        return HTMLResponse(html.replace("__TOKEN__", token), headers=_NO_STORE)

    def info(request: Request) -> Response:
        return JSONResponse(
            {
                "workspace": str(sandbox.roots["workspace"]),
                "config_dir": str(sandbox.roots["configs"]),
                "train": config_check.available(),
                "install": config_check.INSTALL_HINT,
            }
        )

    # -- config editor -------------------------------------------------------------------------
    def config_files(request: Request) -> Response:
        return JSONResponse({"files": _yaml_files(sandbox)})

    def config_schema(request: Request) -> Response:
        if not config_check.available():
            return JSONResponse({"available": False, "install": config_check.INSTALL_HINT})
        full = get_schema()
        props = full.get("properties", {})
        return JSONResponse({"available": True, "schema": full, "groups": config_check.groups(props)})

    def config_file(request: Request) -> Response:
        path = _yaml_path(sandbox, _param(request, "path"))
        text = path.read_text(encoding="utf-8")
        return JSONResponse(
            {"path": _param(request, "path"), "text": text, "command": f"yc train {_shown(path)}"}
        )

    def config_values(request: Request) -> Response:
        path = _yaml_path(sandbox, _param(request, "path"))
        return JSONResponse({"values": yaml_edit.top_level(path.read_text(encoding="utf-8"))})

    async def config_check_text(request: Request) -> Response:
        body = await _body(request)
        return JSONResponse(await run_in_threadpool(_checked, str(body.get("text", ""))))

    async def config_set(request: Request) -> Response:
        body = await _body(request)
        key = str(body.get("key", "")).strip()
        if not key:
            raise BadRequest("no key given", "send {text, key, value}")
        text = yaml_edit.set_key(str(body.get("text", "")), key, body.get("value"))
        return JSONResponse({"text": text, **(await run_in_threadpool(_checked, text))})

    async def config_diff(request: Request) -> Response:
        body = await _body(request)
        rel = str(body.get("path", ""))
        path = _yaml_path(sandbox, rel, must_exist=False)
        old = path.read_text(encoding="utf-8") if path.is_file() else ""
        return JSONResponse(
            {"exists": path.is_file(), "diff": yaml_edit.unified_diff(old, str(body.get("text", "")), rel)}
        )

    async def config_save(request: Request) -> Response:
        body = await _body(request)
        rel = str(body.get("path", ""))
        path = _yaml_path(sandbox, rel, must_exist=False)
        _write_text(path, str(body.get("text", "")))
        return JSONResponse({"saved": rel, "command": f"yc train {_shown(path)}"})

    # -- dataset browser -----------------------------------------------------------------------
    def examples_overview(request: Request) -> Response:
        return JSONResponse(dataset_query.overview(store))

    def examples_page(request: Request) -> Response:
        size = min(max(_int(request, "size", 50) or 50, 1), 500)
        result = dataset_query.page(store, _filters(request), _int(request, "page", 1) or 1, size)
        return JSONResponse(_jsonable(result))

    def examples_histogram(request: Request) -> Response:
        bins = min(max(_int(request, "bins", 40) or 40, 1), 200)
        return JSONResponse(dataset_query.histogram(store, _filters(request), bins, _int(request, "mark")))

    def example_detail(request: Request) -> Response:
        found = dataset_query.example(store, _param(request, "video_id"), _int(request, "chunk", 0) or 0)
        if found is None:
            return JSONResponse({"error": "no such example"}, status_code=404)
        return JSONResponse(_jsonable(found))

    # -- runs ------------------------------------------------------------------------------------
    def runs(request: Request) -> Response:
        return JSONResponse({"runs": runs_scan.find_runs(sandbox)})

    def run(request: Request) -> Response:
        run_id = _param(request, "id")
        if not runs_scan.run_file(sandbox, run_id).is_dir():
            return JSONResponse({"error": "no such run"}, status_code=404)
        return JSONResponse(runs_scan.load_run(sandbox, run_id))

    def runs_diff(request: Request) -> Response:
        texts = []
        for name in ("a", "b"):
            config = runs_scan.run_file(sandbox, _param(request, name), "yc_config.yml")
            texts.append(config.read_text(encoding="utf-8") if config.is_file() else "")
        diff = yaml_edit.unified_diff(texts[0], texts[1], "yc_config.yml")
        return JSONResponse({"diff": diff})

    routes = [
        Route("/", lambda request: RedirectResponse("/config")),
        Route("/favicon.ico", lambda request: Response(status_code=204)),
        Route("/api/info", info),
        Route("/api/config/files", config_files),
        Route("/api/config/schema", config_schema),
        Route("/api/config/file", config_file),
        Route("/api/config/values", config_values),
        Route("/api/config/check", config_check_text, methods=["POST"]),
        Route("/api/config/set", config_set, methods=["POST"]),
        Route("/api/config/diff", config_diff, methods=["POST"]),
        Route("/api/config/save", config_save, methods=["POST"]),
        Route("/api/examples/overview", examples_overview),
        Route("/api/examples/page", examples_page),
        Route("/api/examples/histogram", examples_histogram),
        Route("/api/example", example_detail),
        Route("/api/runs", runs),
        Route("/api/run", run),
        Route("/api/runs/diff", runs_diff),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        Route("/{page}", page),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(TokenGuard, token=token, cookie=cookie)],
        exception_handlers={YcError: _error, OSError: _os_error},
    )


_NO_STORE = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
    ),
}


def _checked(text: str) -> dict[str, Any]:
    """yc's validation of ``text`` plus its top-level values for the form (None on a YAML syntax error)."""
    try:
        values: dict[str, Any] | None = yaml_edit.top_level(text)
    except yaml_edit.YamlEditError:
        values = None
    return {"values": values, **config_check.validate(text)}


async def _error(request: Request, exc: Exception) -> Response:
    hint = getattr(exc, "hint", None)
    status = 403 if isinstance(exc, OutsideError) else 400
    return JSONResponse({"error": str(exc), "hint": hint}, status_code=status)


async def _os_error(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": f"{type(exc).__name__}: {exc}", "hint": "check the file"}, status_code=400)


def _param(request: Request, name: str) -> str:
    value = request.query_params.get(name)
    if value is None:
        raise BadRequest(f"missing parameter '{name}'", f"add ?{name}=...")
    return value


def _int(request: Request, name: str, default: int | None = None) -> int | None:
    value = request.query_params.get(name, "")
    if not value.strip():
        return default
    try:
        return int(value)
    except ValueError as err:
        raise BadRequest(f"'{name}' must be a whole number, got {value!r}", "fix the filter") from err


def _filters(request: Request) -> dataset_query.Filters:
    q = request.query_params
    return dataset_query.Filters(
        split=q.get("split") or None,
        template=q.get("template") or None,
        min_tokens=_int(request, "min_tokens"),
        max_tokens=_int(request, "max_tokens"),
        query=q.get("q") or None,
    )


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as err:
        raise BadRequest("the request body is not JSON", "send a JSON object") from err
    if not isinstance(body, dict):
        raise BadRequest("the request body is not a JSON object", "send a JSON object")
    return body


def _yaml_path(sandbox: Sandbox, rel: str, must_exist: bool = True) -> Path:
    path = sandbox.resolve("configs", rel)
    if path.suffix not in YAML_SUFFIXES:
        raise BadRequest(f"'{rel}' is not a YAML file", "configs end in .yml or .yaml")
    if must_exist and not path.is_file():
        raise BadRequest(f"no file '{rel}' in the config folder", "pick one from the list")
    return path


def _yaml_files(sandbox: Sandbox, max_depth: int = 3) -> list[str]:
    base = sandbox.roots["configs"]
    found = []
    for folder, dirs, files in os.walk(base):
        depth = len(Path(folder).relative_to(base).parts)
        dirs[:] = sorted(
            d for d in dirs if d not in _SKIP_DIRS and not d.startswith(".") and depth < max_depth
        )
        for name in sorted(files):
            if name.endswith(YAML_SUFFIXES):
                path = Path(folder) / name
                try:
                    found.append(
                        sandbox.relative("configs", sandbox.resolve("configs", str(path.relative_to(base))))
                    )
                except OutsideError:
                    continue  # a symlink to somewhere else
    return found


def _write_text(path: Path, text: str) -> None:
    """Write through a temporary sibling and a rename, keeping the file's permissions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.yc-ui-{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    if path.exists():
        os.chmod(tmp, path.stat().st_mode & 0o777)
    tmp.replace(path)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and value != value:
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def bind(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1 (port 0: any free port); never on another interface."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def new_token() -> str:
    """A random access token (192 bits, URL-safe)."""
    return secrets.token_urlsafe(24)


def make_server(app: Starlette) -> uvicorn.Server:
    """A uvicorn server for ``app``; run it with the socket from :func:`bind` (``server.run(sockets=[sock])``)."""
    import uvicorn

    return uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False))
