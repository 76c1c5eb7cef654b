"""The optional LLM verifier: a second opinion on the relation engine's ambiguous verdicts.

Pure parts: `band.py` (which verdicts are asked about), `sides.py` (what the model is shown of a
market or an event, and its signature), `prompt.py` (the chat messages), `answer.py` (the model's
strict JSON answer, parsed or refused) and `decide.py` (how an answer changes a verdict). I/O:
`client.py` (chat completions over plain HTTP), `cache.py` (answers in memory or a file, for the
offline tool) and `store.py` (answers in Redis, for the worker). `review.py` composes them.
"""
