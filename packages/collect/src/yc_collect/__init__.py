"""yc_collect: list a channel, playlist, feed or folder and download audio + captions with yt-dlp.

Usable alone: functions return plain rows (dicts) and never assume a yc workspace.
"""

from yc_collect.errors import CollectError

__all__ = ["CollectError"]
