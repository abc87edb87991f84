"""``harness serve``: an OpenAI-compatible HTTP server over a local model."""

from __future__ import annotations

import click


@click.command("serve")
@click.option("--model", default="smollm2-135m", show_default=True, help="Model to serve.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--dtype", default="auto", show_default=True)
@click.option("--api-key", envvar="HARNESS_SERVE_API_KEY", default=None,
              help="Require this bearer token (also $HARNESS_SERVE_API_KEY).")
def serve_command(model: str, host: str, port: int, dtype: str, api_key: str | None) -> None:
    """Serve a model over an OpenAI-compatible HTTP API (transformers backend).

    Example: harness serve --model smollm2-135m --port 8000
    """
    from harness.generation.serve import serve

    serve(model, host=host, port=port, api_key=api_key, dtype=dtype)
