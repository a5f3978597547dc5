# syntax=docker/dockerfile:1
# The function-catalyst-dns runtime image (the image Crossplane runs for the Function package).
#
#   docker build -t function-catalyst-dns:dev .
#   crossplane xpkg build --package-root=package --embed-runtime-image=function-catalyst-dns:dev \
#     --package-file=function-catalyst-dns.xpkg
#
# Only the `function` extra is installed: the Pulumi SDKs (and their protobuf<7 pin) never
# enter this image (DESIGN.md §10).

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
RUN python -m venv /venv
COPY pyproject.toml README.md ./
COPY catalyst_dns/ catalyst_dns/
COPY function/ function/
COPY components/ components/
RUN /venv/bin/pip install ".[function]" \
 && /venv/bin/pip check

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="function-catalyst-dns" \
      org.opencontainers.image.description="Crossplane composition function: DNS claims to provider record MRs" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PATH=/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
COPY --from=build /venv /venv
# Crossplane's function runtime mounts the gRPC server certificates at /tls/server.
RUN useradd --uid 65532 --user-group --no-create-home --shell /usr/sbin/nologin function
USER 65532:65532
EXPOSE 9443
ENTRYPOINT ["python", "-m", "function"]
CMD ["--tls-certs-dir=/tls/server"]
