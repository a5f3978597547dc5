"""Start the real function server (``python -m function``) on a free loopback port."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from crossplane.function.proto.v1 import run_function_pb2 as fnv1
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.conftest import COMPILED
from tests.hostile import figures

REPO = Path(__file__).resolve().parents[2]
SERVICE = "apiextensions.fn.proto.v1.FunctionRunnerService"
METHOD = f"/{SERVICE}/RunFunction"
SOAK_FILE = "soak-figures.txt"
SECTION = "serving figures"
CLIENT_OPTIONS = [("grpc.max_send_message_length", 64 << 20), ("grpc.max_receive_message_length", 64 << 20)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """One ``python -m function`` subprocess and an insecure (or mTLS) channel to it."""

    def __init__(self, tmp: Path, *args: str, credentials: grpc.ChannelCredentials | None = None) -> None:
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.log_path = tmp / f"server-{self.port}.log"
        self.credentials = credentials
        insecure = [] if "--tls-certs-dir" in args else ["--insecure"]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "function", *insecure, "--address", self.address, *args],
                cwd=COMPILED or REPO,  # ``-m`` imports from the working directory first
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.channel = self.open_channel(credentials)
        self.wait_serving()

    def open_channel(self, credentials: grpc.ChannelCredentials | None = None) -> grpc.Channel:
        if credentials is None:
            return grpc.insecure_channel(self.address, options=CLIENT_OPTIONS)
        return grpc.secure_channel(self.address, credentials, options=CLIENT_OPTIONS)

    def wait_serving(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, f"server exited early:\n{self.log()}"
            try:
                if self.health() == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            assert time.monotonic() < deadline, f"server not SERVING after {timeout} s:\n{self.log()}"
            time.sleep(0.1)

    def health(self, service: str = "") -> int:
        stub = health_pb2_grpc.HealthStub(self.channel)
        return int(stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5).status)

    def run(
        self, req: fnv1.RunFunctionRequest | bytes, timeout: float = 60.0, channel: grpc.Channel | None = None
    ) -> fnv1.RunFunctionResponse:
        """RunFunction; ``req`` may be pre-serialized bytes."""
        call = (channel or self.channel).unary_unary(
            METHOD, request_serializer=None, response_deserializer=fnv1.RunFunctionResponse.FromString
        )
        payload = req if isinstance(req, bytes) else req.SerializeToString()
        return call(payload, timeout=timeout)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> int:
        self.channel.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return int(self.process.returncode)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server with a 2 MiB message limit, shared by a module."""
    srv = Server(tmp_path_factory.mktemp("server"), "--max-message-mib", "2", "--workers", "4")
    yield srv
    srv.stop()


def record_figure(line: str) -> None:
    """A serving figure for the terminal summary and build/soak-figures.txt."""
    figures.record(SECTION, line, SOAK_FILE)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    figures.summary(terminalreporter, SECTION)
