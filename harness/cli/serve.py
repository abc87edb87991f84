"""``harness serve``: an OpenAI-compatible HTTP server over a local model, on any backend."""

from __future__ import annotations

import click

from harness.cli.config_options import backend_options


class ServeCommand(click.Command):
    """``harness serve`` with every registered backend's settings as flags (read when the
    command runs, so a backend registered by a plugin has its flags too)."""

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        if "harness.backend_params" not in ctx.meta:
            ctx.meta["harness.backend_params"] = backend_options(taken={"api_key"})
        static = super().get_params(ctx)
        help_options = [p for p in static if p.name == "help"]
        others = [p for p in static if p.name != "help"]
        return others + ctx.meta["harness.backend_params"] + help_options


@click.command("serve", cls=ServeCommand)
@click.option("--model", default="smollm2-135m", show_default=True, help="Model to serve.")
@click.option("--backend", default="auto", show_default=True,
              help="Generation backend: auto (the first usable one) or a registered name.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--api-key", envvar="HARNESS_SERVE_API_KEY", default=None,
              help="Require this bearer token (also $HARNESS_SERVE_API_KEY).")
def serve_command(model: str, backend: str, host: str, port: int, api_key: str | None,
                  **settings) -> None:
    """Serve a model over an OpenAI-compatible HTTP API.

    Example: harness serve --model smollm2-135m --port 8000
    """
    from harness.generation.backends import backend_config, resolve_backend
    from harness.generation.serve import check_address, serve

    check_address(host, port)  # an Error line now, not a traceback after loading the model
    chosen = resolve_backend(backend, model)
    given = {key: value for key, value in settings.items() if value is not None}
    serve(model, host=host, port=port, api_key=api_key, backend=chosen,
          config=backend_config(chosen, given))
