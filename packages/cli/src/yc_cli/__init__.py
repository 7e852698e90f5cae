"""yc_cli: the ``yc`` command, the versioned store (Delta tables) and terminal rendering."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("yc-cli")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"
