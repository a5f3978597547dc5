"""The function's command line: serve RunFunction over gRPC, as Crossplane runs functions."""

from __future__ import annotations

import asyncio

import click
from crossplane.function import logging, runtime

from function.server import MIB, ServerLimits, serve


@click.command()
@click.option("--debug", "-d", is_flag=True, help="Emit debug logs.")
@click.option("--address", default="0.0.0.0:9443", show_default=True, help="Address to listen on.")
@click.option("--tls-certs-dir", envvar="TLS_SERVER_CERTS_DIR",
              help="Directory with tls.crt, tls.key and ca.crt (mTLS, as Crossplane runs functions).")
@click.option("--insecure", is_flag=True, help="Serve without TLS (local development only).")
@click.option("--max-message-mib", default=64, show_default=True, type=click.IntRange(1, 1024),
              help="Largest request, in MiB: a large claim's reconcile carries each of its MRs twice.")
@click.option("--max-response-mib", default=4, show_default=True, type=click.IntRange(1, 1024),
              help="Largest response, in MiB: what Crossplane accepts (4); a claim composing more is refused.")
@click.option("--workers", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Threads that run requests.")
@click.option("--max-in-flight", default=64, show_default=True, type=click.IntRange(1, 4096),
              help="Concurrent RPCs accepted; more get RESOURCE_EXHAUSTED.")
@click.option("--memo-mib", default=64, show_default=True, type=click.IntRange(0, 4096),
              help="Memory for memoised compositions (0 turns the memo off).")
@click.option("--grace-seconds", default=10.0, show_default=True, type=click.FloatRange(0, 300),
              help="How long in-flight requests may finish after SIGTERM.")
def cli(debug: bool, address: str, tls_certs_dir: str | None, insecure: bool, max_message_mib: int,
        max_response_mib: int, workers: int, max_in_flight: int, memo_mib: int, grace_seconds: float) -> None:
    """Serve the catalyst-dns composition function."""
    logging.configure(level=logging.Level.DEBUG if debug else logging.Level.INFO)
    limits = ServerLimits(max_message_bytes=max_message_mib * MIB, max_response_bytes=max_response_mib * MIB,
                          workers=workers,
                          max_in_flight=max_in_flight, grace_seconds=grace_seconds, memo_bytes=memo_mib * MIB)
    creds = None if insecure else runtime.load_credentials(tls_certs_dir) if tls_certs_dir else None
    asyncio.run(serve(address, creds=creds, insecure=insecure, limits=limits))
