"""``yc curate`` (transcribe -> summarize -> render, incremental), ``yc summarize`` and ``yc render``."""

from __future__ import annotations

import typer

from yc_cli.context import state, writable


def register(app: typer.Typer) -> None:
    app.command("curate")(curate)
    app.command("summarize")(summarize)
    app.command("render")(render)


# -- shared options (Typer needs them spelled out per command) -----------------------------------
def _summ_opts(
    summarizer: str, summary_model: str | None, summary_prompt: str | None, base_url: str | None,
    concurrency: int | None, max_new_tokens: int | None, context_tokens: int | None, device: str | None,
    threads: int | None, force: bool,
) -> dict:  # fmt: skip
    return {
        "summarizer": summarizer,
        "model": summary_model,
        "prompt": summary_prompt,
        "base_url": base_url,
        "concurrency": concurrency,
        "max_new_tokens": max_new_tokens,
        "context_tokens": context_tokens,
        "device": device,
        "threads": threads,
        "force": force,
    }


SUMMARIZER = typer.Option("local", "--summarizer", help="local | openai | deepgram | none.")
SUMMARY_MODEL = typer.Option(
    None,
    "--summary-model",
    help="Model name or local path (local default: HuggingFaceTB/SmolLM2-1.7B-Instruct).",
)
SUMMARY_PROMPT = typer.Option(
    None, "--summary-prompt", help="Prompt text or file with {title} and {transcript} placeholders."
)
BASE_URL = typer.Option(
    None, "--base-url", help="openai: an OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp)."
)
CONCURRENCY = typer.Option(None, "--concurrency", help="openai: requests in flight (default 8).")
MAX_NEW = typer.Option(None, "--summary-max-tokens", help="local: tokens generated per summary (default 64).")
CONTEXT = typer.Option(
    None, "--summary-context", help="local: context tokens per chunk (map-reduce above it)."
)
DEVICE = typer.Option(None, "--device", help="local summarizer: cpu | cuda.")
THREADS = typer.Option(None, "--threads", help="CPU threads for local models.")

TEMPLATE = typer.Option(
    "fireship", "--template", "-t", help="fireship | alpaca | chat | PATH to a Jinja file."
)
PERSONA = typer.Option(None, "--persona", help="Persona name in the prompt (fireship default: Fireship).")
PERSONA_DESC = typer.Option(None, "--persona-description", help="What the persona makes (follows the name).")
TOKENIZER = typer.Option(
    None, "--tokenizer", help="Target model's tokenizer (name or path): BOS/EOS, n_tokens."
)
MIN_WORDS = typer.Option(20, "--min-words", help="Drop transcripts with fewer words.")
LANGUAGE = typer.Option(None, "--language", help="Keep only transcripts in this language (e.g. en).")
KEEP_HALLU = typer.Option(False, "--keep-hallucinations", help="Keep transcripts flagged as hallucinated.")
NO_DEDUP = typer.Option(False, "--no-dedup", help="Keep duplicate and near-duplicate transcripts.")
NEAR = typer.Option(
    0.8, "--near-threshold", help="MinHash Jaccard at which transcripts count as near-duplicates."
)
MAX_TOKENS = typer.Option(None, "--max-tokens", help="Longest example in tokens (see --long).")
LONG = typer.Option("split", "--long", help="Over --max-tokens: split (chunks, same prompt) | drop.")


def _share(ctx: typer.Context, param: typer.CallbackParam, value: float) -> float:
    """A split share: 0 <= share < 1, and validation + test < 1 (checked when the second one arrives)."""
    if not 0.0 <= value < 1.0:
        raise typer.BadParameter(f"{value:g} is not a share between 0 and 1 (e.g. 0.1 for 10 %)")
    other = "test" if param.name == "validation" else "validation"
    if other in ctx.params and ctx.params[other] + value >= 1.0:
        raise typer.BadParameter(
            f"--validation and --test add up to {ctx.params[other] + value:g}; they must leave some training data"
        )
    return value


VALIDATION = typer.Option(
    0.1, "--validation", callback=_share, help="Share of videos in the validation split (0 to <1)."
)
TEST = typer.Option(0.0, "--test", callback=_share, help="Share of videos in the test split (0 to <1).")
SEED = typer.Option("yc", "--split-seed", help="Seed of the split assignment by video id.")


def _render_opts(
    template: str, persona: str | None, persona_description: str | None, tokenizer: str | None, min_words: int,
    language: str | None, keep_hallucinations: bool, no_dedup: bool, near_threshold: float, max_tokens: int | None,
    long: str, validation: float, test: float, seed: str, force: bool,
) -> dict:  # fmt: skip
    return {
        "template": template,
        "persona": persona,
        "persona_description": persona_description,
        "tokenizer": tokenizer,
        "min_words": min_words,
        "language": language,
        "drop_flags": () if keep_hallucinations else ("hallucination",),
        "dedup": not no_dedup,
        "near_threshold": near_threshold,
        "max_tokens": max_tokens,
        "long": long,
        "validation": validation,
        "test": test,
        "seed": seed,
        "force": force,
    }


def curate(
    ctx: typer.Context,
    template: str = TEMPLATE,
    persona: str = PERSONA,
    persona_description: str = PERSONA_DESC,
    tokenizer: str = TOKENIZER,
    backend: str = typer.Option("faster-whisper", "--backend", "-b", help="Transcription backend."),
    model: str = typer.Option(None, "--model", "-m", help="Transcription model name or path."),
    skip_transcribe: bool = typer.Option(
        False, "--skip-transcribe", help="Use the transcripts already there."
    ),
    summarizer: str = SUMMARIZER,
    summary_model: str = SUMMARY_MODEL,
    summary_prompt: str = SUMMARY_PROMPT,
    base_url: str = BASE_URL,
    concurrency: int = CONCURRENCY,
    summary_max_tokens: int = MAX_NEW,
    summary_context: int = CONTEXT,
    device: str = DEVICE,
    threads: int = THREADS,
    min_words: int = MIN_WORDS,
    language: str = LANGUAGE,
    keep_hallucinations: bool = KEEP_HALLU,
    no_dedup: bool = NO_DEDUP,
    near_threshold: float = NEAR,
    max_tokens: int = MAX_TOKENS,
    long: str = LONG,
    validation: float = VALIDATION,
    test: float = TEST,
    split_seed: str = SEED,
    force: bool = typer.Option(False, "--force", help="Redo summaries and examples (not transcripts)."),
) -> None:
    """Build the dataset: transcribe -> summarize -> render, running only what is missing.

    Ends with a report: rows in/out per step, tokens, a token-length histogram (also saved as a PNG);
    with --json the report goes to stdout as JSON instead.
    """
    from yc_cli.render import console, print_json
    from yc_cli.stages.curate import run

    st = state(ctx)
    store = writable(st)
    transcribe = (
        None
        if skip_transcribe
        else {"backend": backend, "model": model, "device": device, "threads": threads}
    )
    result = run(
        store,
        transcribe=transcribe,
        summarize=_summ_opts(
            summarizer,
            summary_model,
            summary_prompt,
            base_url,
            concurrency,
            summary_max_tokens,
            summary_context,
            device,
            threads,
            force,
        ),
        render=_render_opts(
            template,
            persona,
            persona_description,
            tokenizer,
            min_words,
            language,
            keep_hallucinations,
            no_dedup,
            near_threshold,
            max_tokens,
            long,
            validation,
            test,
            split_seed,
            force,
        ),
        console=None if st.json else console,
    )
    if st.json:
        print_json(result)


def summarize(
    ctx: typer.Context,
    summarizer: str = SUMMARIZER,
    summary_model: str = SUMMARY_MODEL,
    summary_prompt: str = SUMMARY_PROMPT,
    base_url: str = BASE_URL,
    concurrency: int = CONCURRENCY,
    summary_max_tokens: int = MAX_NEW,
    summary_context: int = CONTEXT,
    device: str = DEVICE,
    threads: int = THREADS,
    force: bool = typer.Option(False, "--force", help="Redo summaries made with these parameters."),
    limit: int = typer.Option(None, "--limit", help="Summarise at most N videos."),
) -> None:
    """Summarise transcripts into the `summaries` table (one or two sentences per video; incremental)."""
    from yc_cli.render import console, print_json
    from yc_cli.stages.summarize import run

    st = state(ctx)
    store = writable(st)
    opts = _summ_opts(
        summarizer,
        summary_model,
        summary_prompt,
        base_url,
        concurrency,
        summary_max_tokens,
        summary_context,
        device,
        threads,
        force,
    )
    result = run(store, limit=limit, console=None if st.json else console, **opts)
    if st.json:
        print_json(result)


def render(
    ctx: typer.Context,
    template: str = TEMPLATE,
    persona: str = PERSONA,
    persona_description: str = PERSONA_DESC,
    tokenizer: str = TOKENIZER,
    summarizer: str = typer.Option(
        None,
        "--summarizer",
        help="Use summaries of this backend's last run ('none': title only; default: newest).",
    ),
    min_words: int = MIN_WORDS,
    language: str = LANGUAGE,
    keep_hallucinations: bool = KEEP_HALLU,
    no_dedup: bool = NO_DEDUP,
    near_threshold: float = NEAR,
    max_tokens: int = MAX_TOKENS,
    long: str = LONG,
    validation: float = VALIDATION,
    test: float = TEST,
    split_seed: str = SEED,
    force: bool = typer.Option(False, "--force", help="Render every example again."),
) -> None:
    """Render examples (`examples` table) from transcripts and summaries with a prompt template."""
    from yc_cli.render import console, print_json
    from yc_cli.stages.render import run

    st = state(ctx)
    result = run(
        writable(st),
        summary_backend=summarizer,
        console=None if st.json else console,
        **_render_opts(
            template,
            persona,
            persona_description,
            tokenizer,
            min_words,
            language,
            keep_hallucinations,
            no_dedup,
            near_threshold,
            max_tokens,
            long,
            validation,
            test,
            split_seed,
            force,
        ),
    )
    if st.json:
        print_json(result)
