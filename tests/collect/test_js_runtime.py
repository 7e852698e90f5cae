"""YouTube's JavaScript challenges, offline: yt-dlp, configured as yc configures it, finds the runtime and
the solver scripts from PyPI and runs the solver in that runtime, with the virtualenv's bin/ off PATH."""

from __future__ import annotations

import pytest
import yt_dlp
from yt_dlp.cookies import SUPPORTED_BROWSERS
from yt_dlp.extractor.youtube.jsc._builtin.ejs import ScriptSource
from yt_dlp.extractor.youtube.jsc._director import initialize_jsc_director

from yc_collect.js_runtime import cookies_from_browser, js_runtimes, solver_status
from yc_collect.options import CollectOptions
from yc_collect.ytdl_session import base_params


@pytest.fixture
def bare_path(monkeypatch):
    """A user who calls yc by its full path: the venv's bin/ (where deno lies) is not on PATH."""
    monkeypatch.setenv("PATH", "/usr/bin:/bin")


def test_yc_hands_yt_dlp_the_deno_binary_by_path(bare_path):
    runtime = js_runtimes()["deno"]
    assert runtime.get("path"), "the deno package ships the binary; yc passes its path"
    status = solver_status()
    assert status.ready, status
    assert status.runtime and status.runtime.startswith("deno ")


def test_yt_dlp_solver_loads_from_the_package_and_runs_in_deno(bare_path):
    with yt_dlp.YoutubeDL(base_params(CollectOptions())) as ydl:
        ie = ydl.get_info_extractor("Youtube")
        director = initialize_jsc_director(ie)
        deno = next(p for p in director.providers.values() if p.PROVIDER_NAME == "deno")
        assert deno.is_available()
        assert deno._lib_script.source is ScriptSource.PYPACKAGE
        assert deno._core_script.source is ScriptSource.PYPACKAGE
        # The same stdin shape yt-dlp builds for a challenge, asking what the solver entry point is.
        script = (
            f"{deno._lib_script.code}\nObject.assign(globalThis, lib);\n{deno._core_script.code}\n"
            "console.log(typeof jsc);"
        )
        assert deno._run_js_runtime(script).strip() == "function"


def test_cookies_from_browser_spec_is_parsed_as_yt_dlp_does():
    assert cookies_from_browser("firefox") == ("firefox", None, None, None)
    assert cookies_from_browser("chrome+gnomekeyring:Profile 1") == (
        "chrome",
        "Profile 1",
        "GNOMEKEYRING",
        None,
    )
    with pytest.raises(ValueError, match=r"supported: .*firefox"):
        cookies_from_browser("netscape")
    params = base_params(CollectOptions(cookies_from_browser="firefox::work"))
    assert params["cookiesfrombrowser"] == ("firefox", None, None, "work")
    assert CollectOptions(cookies_from_browser="lynx").problems() == [
        "cookies from browser: unknown browser 'lynx'; supported: " + ", ".join(sorted(SUPPORTED_BROWSERS))
    ]
