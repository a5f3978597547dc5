"""The function's command line: serve RunFunction over gRPC, as Crossplane runs functions."""

from __future__ import annotations

import click
from crossplane.function import logging, runtime

from function.fn import DnsFunction

MIB = 1024 * 1024


@click.command()
@click.option("--debug", "-d", is_flag=True, help="Emit debug logs.")
@click.option("--address", default="0.0.0.0:9443", show_default=True, help="Address to listen on.")
@click.option("--tls-certs-dir", envvar="TLS_SERVER_CERTS_DIR",
              help="Directory with tls.crt, tls.key and ca.crt (mTLS, as Crossplane runs functions).")
@click.option("--insecure", is_flag=True, help="Serve without TLS (local development only).")
@click.option("--max-message-mib", default=16, show_default=True, type=click.IntRange(1, 256),
              help="Largest request and response, in MiB (gRPC's default is 4).")
def cli(debug: bool, address: str, tls_certs_dir: str | None, insecure: bool, max_message_mib: int) -> None:
    """Serve the catalyst-dns composition function."""
    logging.configure(level=logging.Level.DEBUG if debug else logging.Level.INFO)
    limit = max_message_mib * MIB
    runtime.serve(
        DnsFunction(),
        address,
        creds=runtime.load_credentials(tls_certs_dir) if tls_certs_dir else None,
        insecure=insecure,
        options=[("grpc.max_receive_message_length", limit), ("grpc.max_send_message_length", limit)],
    )
