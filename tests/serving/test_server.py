"""The real server under hostile traffic: health, limits, graceful stop and mTLS."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path

import grpc
import pytest
from crossplane.function.proto.v1 import run_function_pb2 as fnv1
from grpc_health.v1 import health_pb2, health_pb2_grpc

from function import request
from function.fn import run
from tests.function.engine import all_answered
from tests.function.requests import fatal
from tests.hostile.corpus import WIRE_CASES, Case, many_hostnames, nested_targets, req, valid
from tests.serving.conftest import SERVICE, Server

MIB = 1 << 20


def assert_composes(rsp: fnv1.RunFunctionResponse) -> None:
    assert fatal(rsp) is None, fatal(rsp)
    assert rsp.desired.resources


def assert_refused(rsp: fnv1.RunFunctionResponse, case: Case) -> None:
    message = fatal(rsp)
    assert message is not None, case.id
    assert "internal error" not in message, message[:300]
    for part in (case.expect,) if isinstance(case.expect, str) else case.expect:
        assert part in message, (case.id, message[:300])
    assert not rsp.desired.resources


def hostile_over_the_wire(limit: int, count: int | None = None) -> list[tuple[Case, bytes]]:
    """Corpus cases (no known defects) whose request fits under ``limit`` bytes, serialized."""
    out = []
    for case in WIRE_CASES:
        payload = case.build().SerializeToString()
        if len(payload) < limit:
            out.append((case, payload))
    return out[:count] if count else out


def test_health_reports_serving_for_the_server_and_the_function(server: Server) -> None:
    assert server.health("") == health_pb2.HealthCheckResponse.SERVING
    assert server.health(SERVICE) == health_pb2.HealthCheckResponse.SERVING


def test_twenty_hostile_requests_then_a_valid_one_still_composes(server: Server) -> None:
    cases = hostile_over_the_wire(2 * MIB, 20)
    assert len(cases) == 20
    for case, payload in cases:
        assert_refused(server.run(payload), case)
    for kind in ("Gslb", "DNSRoute", "DNSRecord"):
        assert_composes(server.run(valid(kind)))


def test_every_wire_sized_corpus_case_is_refused_precisely_by_the_server(server: Server) -> None:
    cases = hostile_over_the_wire(2 * MIB)
    assert len(cases) >= 40
    for case, payload in cases:
        assert_refused(server.run(payload), case)
    assert_composes(server.run(valid("Gslb")))


@pytest.mark.parametrize(
    "build",
    [
        lambda: req("DNSRecord", {"name": "t.acme.omantel.example", "type": "TXT", "values": ["x" * (3 * MIB)]}),
        lambda: many_hostnames(1_000_000),  # a million hostnames: 30 MB on the wire
    ],
    ids=["3MiB-txt", "million-hostnames"],
)
def test_oversized_message_is_resource_exhausted_and_the_server_keeps_serving(server: Server, build: object) -> None:
    with pytest.raises(grpc.RpcError) as err:
        server.run(build())  # type: ignore[operator]
    assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, err.value.details()
    assert server.health() == health_pb2.HealthCheckResponse.SERVING
    assert_composes(server.run(valid("DNSRoute")))


def test_deeply_nested_request_gets_a_fatal_and_the_server_keeps_serving(server: Server) -> None:
    # Deeper than protobuf's own decode limit: the request never reaches the handler.
    message = fatal(server.run(nested_targets(500)))
    assert message is not None and message.startswith("request: could not be decoded")
    assert "nested deeper than protobuf allows" in message
    assert "catalyst_dns" not in message  # protobuf's words, not the name of our copied request type
    assert server.health() == health_pb2.HealthCheckResponse.SERVING
    assert_composes(server.run(valid("DNSRecord")))


def test_an_observed_resource_that_does_not_decode_is_refused_by_name_and_the_server_keeps_serving(
        server: Server) -> None:
    # Read when the handler reads it (function.request), not at decode: the refusal names it.
    valid_request = valid("DNSRecord")
    name = sorted(run(valid_request, memo=None).desired.resources)[0]
    lean = request.of(all_answered(valid_request))
    lean.observed.resources[name].resource = b"\x0a\x06\x0a\x02\xff\xfe\x12\x00"  # a key that is not UTF-8
    message = fatal(server.run(lean.SerializeToString()))
    assert message is not None and message.startswith(f"observed.resources[{name}]: "), message
    assert server.health() == health_pb2.HealthCheckResponse.SERVING
    assert_composes(server.run(valid("DNSRecord")))


def test_sigterm_drains_in_flight_work_reports_not_serving_and_exits_zero(tmp_path: Path) -> None:
    grace = 8.0
    srv = Server(tmp_path, "--grace-seconds", str(grace), "--max-message-mib", "16")
    try:
        # Watch health from before the stop, so a short NOT_SERVING window is still seen.
        statuses: list[int] = []
        watch = health_pb2_grpc.HealthStub(srv.channel).Watch(health_pb2.HealthCheckRequest(service=""))

        def follow() -> None:
            try:
                for item in watch:
                    statuses.append(int(item.status))
            except grpc.RpcError:
                pass

        watcher = threading.Thread(target=follow, daemon=True)
        watcher.start()
        # A slow request in flight when SIGTERM arrives: a million short hostnames (7 MB).
        slow = many_hostnames(1_000_000, "a.b").SerializeToString()
        result: dict[str, object] = {}

        def call() -> None:
            try:
                result["rsp"] = srv.run(slow)
            except grpc.RpcError as err:
                result["err"] = (err.code(), err.details())

        caller = threading.Thread(target=call)
        caller.start()
        time.sleep(0.3)  # the request is on the wire / in the pool
        started = time.monotonic()
        srv.process.send_signal(signal.SIGTERM)
        code = srv.process.wait(timeout=grace + 10)
        took = time.monotonic() - started
        caller.join(timeout=10)
        watch.cancel()
        watcher.join(timeout=5)
    finally:
        srv.stop()
    assert code == 0, srv.log()
    assert took <= grace + 2, f"exit took {took:.1f} s with a {grace} s grace period"
    assert "rsp" in result, f"in-flight request dropped during drain: {result.get('err')}"
    message = fatal(result["rsp"])  # type: ignore[arg-type]
    assert message is not None and "has more than 1000 items" in message
    assert statuses[:1] == [health_pb2.HealthCheckResponse.SERVING]
    assert health_pb2.HealthCheckResponse.NOT_SERVING in statuses, statuses


# --- mTLS ------------------------------------------------------------------------------


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _issue(cwd: Path, ca: str, name: str, cn: str, ext: str) -> None:
    """A P-256 key and a certificate for ``cn`` signed by CA ``ca`` (files ``<name>.key``/``<name>.crt``)."""
    (cwd / f"{name}.ext").write_text(ext)
    _openssl(
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        f"{name}.key",
        "-out",
        f"{name}.csr",
        "-subj",
        f"/CN={cn}",
        cwd=cwd,
    )
    _openssl(
        "x509",
        "-req",
        "-in",
        f"{name}.csr",
        "-CA",
        f"{ca}.crt",
        "-CAkey",
        f"{ca}.key",
        "-CAcreateserial",
        "-out",
        f"{name}.crt",
        "-days",
        "1",
        "-extfile",
        f"{name}.ext",
        cwd=cwd,
    )


def _ca(cwd: Path, name: str) -> None:
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        f"{name}.key",
        "-out",
        f"{name}.crt",
        "-days",
        "1",
        "-subj",
        f"/CN={name}",
        cwd=cwd,
    )


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA, the function's server certificate (tls.crt/tls.key/ca.crt), a client cert, and a stranger's."""
    cwd = tmp_path_factory.mktemp("pki")
    _ca(cwd, "ca")
    _ca(cwd, "other-ca")
    _issue(cwd, "ca", "tls", "catalyst-dns", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
    _issue(cwd, "ca", "client", "crossplane", "extendedKeyUsage=clientAuth\n")
    _issue(cwd, "other-ca", "stranger", "crossplane", "extendedKeyUsage=clientAuth\n")
    certs = cwd / "certs"
    certs.mkdir()
    for src, dst in (("tls.crt", "tls.crt"), ("tls.key", "tls.key"), ("ca.crt", "ca.crt")):
        (certs / dst).write_bytes((cwd / src).read_bytes())
    return cwd


def _credentials(pki: Path, client: str | None) -> grpc.ChannelCredentials:
    ca = (pki / "ca.crt").read_bytes()
    if client is None:
        return grpc.ssl_channel_credentials(root_certificates=ca)
    return grpc.ssl_channel_credentials(
        root_certificates=ca,
        private_key=(pki / f"{client}.key").read_bytes(),
        certificate_chain=(pki / f"{client}.crt").read_bytes(),
    )


@pytest.fixture(scope="module")
def tls_server(pki: Path, tmp_path_factory: pytest.TempPathFactory) -> object:
    srv = Server(
        tmp_path_factory.mktemp("tls"), "--tls-certs-dir", str(pki / "certs"), credentials=_credentials(pki, "client")
    )
    yield srv
    srv.stop()


def test_mtls_client_with_a_ca_signed_certificate_is_served(tls_server: Server) -> None:
    assert tls_server.health() == health_pb2.HealthCheckResponse.SERVING
    assert_composes(tls_server.run(valid("Gslb")))


@pytest.mark.parametrize("client", [None, "stranger"], ids=["no-client-cert", "cert-from-another-ca"])
def test_mtls_client_without_a_trusted_certificate_is_refused(
    tls_server: Server, pki: Path, client: str | None
) -> None:
    channel = tls_server.open_channel(_credentials(pki, client))
    try:
        with pytest.raises(grpc.RpcError) as err:
            tls_server.run(valid("DNSRecord"), timeout=10, channel=channel)
        assert err.value.code() == grpc.StatusCode.UNAVAILABLE, err.value.details()
    finally:
        channel.close()
    assert_composes(tls_server.run(valid("DNSRecord")))  # and the trusted client is still served


def test_plaintext_client_is_refused_by_the_tls_server(tls_server: Server) -> None:
    channel = tls_server.open_channel(None)
    try:
        with pytest.raises(grpc.RpcError) as err:
            tls_server.run(valid("DNSRecord"), timeout=10, channel=channel)
        assert err.value.code() == grpc.StatusCode.UNAVAILABLE, err.value.details()
    finally:
        channel.close()
    assert_composes(tls_server.run(valid("DNSRecord")))  # refused for its plaintext, not a dead server
