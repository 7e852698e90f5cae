"""The curate report: rows in/out per step (with reasons), tokens, a token-length histogram (text + PNG)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yc_curate.errors import MissingExtraError


@dataclass
class Step:
    name: str
    rows_in: int
    rows_out: int
    detail: dict[str, int] = field(default_factory=dict)


@dataclass
class CurateReport:
    """Collected by the curate steps; rendered by the CLI."""

    steps: list[Step] = field(default_factory=list)
    n_tokens: list[int] = field(default_factory=list)
    max_tokens: int | None = None
    tokens_exact: bool = True  # False when counted without a tokenizer (~4 characters per token)

    def add(self, name: str, rows_in: int, rows_out: int, detail: dict[str, int] | None = None) -> None:
        self.steps.append(Step(name, rows_in, rows_out, {k: v for k, v in (detail or {}).items() if v}))

    @property
    def total_tokens(self) -> int:
        return int(sum(self.n_tokens))

    def histogram(self, bins: int = 10) -> list[tuple[int, int, int]]:
        """(low, high, count) buckets over the token lengths; the last bucket ends at the maximum."""
        import numpy as np

        if not self.n_tokens:
            return []
        top = max(max(self.n_tokens), self.max_tokens or 0)
        edges = np.linspace(0, top, bins + 1)
        counts, _ = np.histogram(self.n_tokens, bins=edges)
        return [(int(edges[i]), int(edges[i + 1]), int(c)) for i, c in enumerate(counts)]

    def text_histogram(self, bins: int = 10, width: int = 32) -> str:
        """A compact terminal histogram, with the share above ``max_tokens`` when set."""
        hist = self.histogram(bins)
        if not hist:
            return "no examples"
        peak = max(c for *_, c in hist) or 1
        unit = "tokens" if self.tokens_exact else "tokens (approx.)"
        lines = [f"{unit} per example: n={len(self.n_tokens)} total={self.total_tokens}"]
        for lo, hi, c in hist:
            lines.append(f"{lo:>7}-{hi:<7} {'█' * round(width * c / peak):<{width}} {c}")
        if self.max_tokens:
            over = sum(1 for n in self.n_tokens if n > self.max_tokens)
            lines.append(f"over --max-tokens {self.max_tokens}: {over}")
        return "\n".join(lines)

    def save_png(self, path: Path, bins: int = 30) -> Path:
        """The token-length histogram as a PNG (needs matplotlib: extra ``plot``)."""
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ModuleNotFoundError as err:
            raise MissingExtraError("the token-length histogram", "plot") from err
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig, ax = plt.subplots(figsize=(7, 3.5), dpi=100)
        ax.hist(self.n_tokens or [0], bins=bins, color="#4c72b0")
        if self.max_tokens:
            ax.axvline(
                self.max_tokens, color="#c44e52", linestyle="--", label=f"--max-tokens {self.max_tokens}"
            )
            ax.legend()
        ax.set_xlabel("tokens per example" + ("" if self.tokens_exact else " (approx.)"))
        ax.set_ylabel("examples")
        ax.set_title(f"{len(self.n_tokens)} examples, {self.total_tokens} tokens")
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
        return path

    def to_dict(self) -> dict[str, Any]:
        return {
            "steps": [s.__dict__ for s in self.steps],
            "examples": len(self.n_tokens),
            "tokens": self.total_tokens,
            "tokens_exact": self.tokens_exact,
            "max_tokens": self.max_tokens,
            "histogram": self.histogram(),
        }
