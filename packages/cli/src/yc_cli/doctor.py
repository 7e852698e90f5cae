"""``yc doctor``'s checks: what this machine has for each stage, and the command that installs what is missing.

Each check is a :class:`Check` row. ``needed_by`` names the stages that cannot run without it; a check that
only makes things faster (flash attention, liger, deepspeed) is ``optional`` and never fails the doctor.
Probes import nothing heavy unless that is the point (torch, to read its build and the GPUs); the optional
accelerators are found by their installed distributions, not imported. No secret is ever read into a row:
the Hub token check says only whether one is set, and where from.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

STAGES = ("collect", "curate", "publish", "train")
LOW_SPACE_BYTES = 10 * 1024**3


@dataclass(frozen=True)
class Check:
    """One line of the report. ``status``: ok | missing | warn | info."""

    name: str
    status: str
    detail: str
    fix: str = ""
    needed_by: tuple[str, ...] = field(default=())

    def fails(self, stages: Iterable[str]) -> bool:
        return self.status == "missing" and bool(set(self.needed_by) & set(stages))

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "needed_by": list(self.needed_by)}


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def system_install(package: str) -> str:
    """The command that installs a system package here (Homebrew on macOS, apt on Debian/Ubuntu)."""
    if sys.platform == "darwin":
        return f"brew install {package}"
    sudo = "" if os.geteuid() == 0 else "sudo "
    if shutil.which("apt-get"):
        return f"{sudo}apt-get install {package}"
    if shutil.which("dnf"):
        return f"{sudo}dnf install {package}"
    return f"install {package} with your system's package manager"


def python_check() -> Check:
    ok = sys.version_info >= (3, 11)
    return Check(
        "python",
        "ok" if ok else "missing",
        f"{platform.python_version()} on {platform.system()} {platform.machine()}",
        "" if ok else "yc needs Python 3.11 or newer",
        STAGES,
    )


def ffmpeg_checks() -> list[Check]:
    rows = []
    for tool in ("ffmpeg", "ffprobe"):
        path = shutil.which(tool)
        if path is None:
            rows.append(
                Check(tool, "missing", "not on PATH", system_install("ffmpeg"), ("collect", "curate"))
            )
            continue
        try:
            first = subprocess.run([path, "-version"], capture_output=True, text=True, timeout=10).stdout
            version = first.split()[2] if first.startswith(f"{tool} version ") else path
        except (OSError, subprocess.SubprocessError):
            version = path
        rows.append(Check(tool, "ok", version, needed_by=("collect", "curate")))
    return rows


def ytdlp_checks(solver: Callable[[], object] | None = None) -> list[Check]:
    version = _version("yt-dlp")
    if version is None:
        return [Check("yt-dlp", "missing", "not installed", "pip install yc-collect", ("collect",))]
    rows = [Check("yt-dlp", "ok", version, needed_by=("collect",))]
    from yc_collect.js_runtime import solver_status

    status = (solver or solver_status)()
    fix = "pip install 'yt-dlp[default]' deno (both are dependencies of yc-collect: reinstall it)"
    rows.append(
        Check(
            "YouTube challenge solver",
            "ok" if status.ready else "missing",
            f"{status.runtime or 'no JavaScript runtime'}"
            f"{' (too old)' if status.runtime and not status.runtime_supported else ''}, "
            f"yt-dlp-ejs {status.solver_version or 'missing'}",
            "" if status.ready else fix,
            ("collect",),
        )
    )
    return rows


def torch_checks() -> list[Check]:
    """torch's build (CUDA / ROCm / MPS / CPU) and each GPU with its memory and bf16 support."""
    if not _has_module("torch"):
        return [
            Check("torch", "missing", "not installed", "pip install 'yc-cli[train]'", ("train",)),
        ]
    import torch

    if torch.version.cuda and torch.cuda.is_available():
        build = f"CUDA {torch.version.cuda}"
    elif getattr(torch.version, "hip", None) and torch.cuda.is_available():
        build = f"ROCm {torch.version.hip}"
    elif torch.backends.mps.is_available():
        build = "MPS (Apple GPU)"
    else:
        build = "CPU" + (f" (CUDA {torch.version.cuda} build, no GPU visible)" if torch.version.cuda else "")
    rows = [Check("torch", "ok", f"{torch.__version__}, {build}", needed_by=("train",))]
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(i)
            bf16 = torch.cuda.is_bf16_supported() if i == torch.cuda.current_device() else props.major >= 8
            rows.append(
                Check(
                    f"gpu {i}",
                    "ok",
                    f"{props.name}, {props.total_memory / 1024**3:.0f} GiB, "
                    f"compute {props.major}.{props.minor}, bf16 {'yes' if bf16 else 'no'}",
                )
            )
    else:
        rows.append(Check("gpu", "info", "none: training runs on the CPU (small models only)"))
    return rows


# distribution, what it gives, the command that installs it
ACCELERATORS = (
    ("flash-attn", "flash attention 2 (locally built)", "pip install flash-attn --no-build-isolation"),
    (
        "kernels",
        "flash attention from the Hugging Face kernel hub (no compiler)",
        "pip install 'yc-train[flash]'",
    ),
    ("liger-kernel", "Liger kernels (liger_* keys)", "pip install 'yc-train[liger]'"),
    ("bitsandbytes", "QLoRA (load_in_4bit) and 8-bit optimizers", "pip install 'yc-train[qlora]'"),
    ("deepspeed", "DeepSpeed ZeRO (deepspeed: key)", "pip install deepspeed (builds its ops on first use)"),
)


def accelerator_checks(versions: Callable[[str], str | None] = _version) -> list[Check]:
    rows = []
    for dist, what, fix in ACCELERATORS:
        version = versions(dist)
        rows.append(
            Check(dist, "ok", f"{version}: {what}")
            if version
            else Check(dist, "info", f"not installed; optional: {what}", fix)
        )
    return rows


def transcription_checks() -> list[Check]:
    version = _version("faster-whisper")
    if version:
        return [Check("faster-whisper", "ok", version, needed_by=("curate",))]
    return [
        Check(
            "faster-whisper",
            "missing",
            "not installed (the default transcription backend)",
            "pip install 'yc-curate[faster-whisper]'",
            ("curate",),
        )
    ]


def token_check(env: dict[str, str] | None = None) -> Check:
    """Whether a Hub token is set, and where from; never its value."""
    env = dict(os.environ) if env is None else env
    for var in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        if env.get(var):
            return Check("Hub token", "ok", f"set (from {var})", needed_by=("publish",))
    home = Path(env.get("HF_HOME") or Path.home() / ".cache" / "huggingface")
    if (home / "token").is_file():
        return Check("Hub token", "ok", f"set (from {home / 'token'})", needed_by=("publish",))
    return Check(
        "Hub token",
        "missing",
        "not set",
        "export HF_TOKEN=... or run `hf auth login` (only `yc publish` to the Hub needs it)",
        ("publish",),
    )


def _existing(path: Path) -> Path:
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def space_checks(places: dict[str, Path]) -> list[Check]:
    rows = []
    for label, path in places.items():
        free = shutil.disk_usage(_existing(path)).free
        low = free < LOW_SPACE_BYTES
        rows.append(
            Check(
                f"space: {label}",
                "warn" if low else "ok",
                f"{free / 1024**3:.1f} GiB free at {path}",
                "free space or point it elsewhere (models and audio need several GiB)" if low else "",
            )
        )
    return rows


def cache_places(workspace: Path, env: dict[str, str] | None = None) -> dict[str, Path]:
    env = dict(os.environ) if env is None else env
    hf_home = Path(env.get("HF_HOME") or Path.home() / ".cache" / "huggingface")
    return {"workspace": workspace, "Hugging Face cache": Path(env.get("HF_HUB_CACHE") or hf_home / "hub")}


def train_package_check() -> Check:
    version = _version("yc-train")
    if version:
        return Check("yc-train", "ok", version, needed_by=("train",))
    return Check("yc-train", "missing", "not installed", "pip install 'yc-cli[train]'", ("train",))


def run_checks(workspace: Path) -> list[Check]:
    """Every check, in the order the report shows them."""
    return [
        python_check(),
        *ffmpeg_checks(),
        *ytdlp_checks(),
        *transcription_checks(),
        token_check(),
        train_package_check(),
        *torch_checks(),
        *accelerator_checks(),
        *space_checks(cache_places(workspace)),
    ]


def default_stages() -> tuple[str, ...]:
    """What a bare ``yc doctor`` holds the machine to: collect and curate, and train when yc-train is
    installed. Publishing to the Hub (a token) is checked only when asked for (``--for publish``)."""
    return ("collect", "curate", "train") if _version("yc-train") else ("collect", "curate")
