"""``yc eval``: does fine-tuning make the model write like the creator?

On the held-out split (see :mod:`yc_train.evaluate.heldout`), for the base and the fine-tuned model in one
run: perplexity of the real transcripts given the prompt (completion tokens only), generations from the
held-out titles + summaries scored with style measures (:mod:`yc_train.evaluate.style`) and MiniLM
embedding similarity to the creator's centroid; a table (terminal, markdown, json) and a PNG chart.

Entry point: :func:`yc_train.evaluate.run.run_eval`.
"""
