# syntax=docker/dockerfile:1
# Build stage: compiles ticketd in release mode (libpq and OpenSSL are built in).
# Base images are pinned: bump them deliberately.
FROM rust:1.95.0-bookworm AS build
# Object-store support for TICKETD_STORAGE_URL (aws, gcp, azure; comma-separated).
ARG TICKETD_FEATURES=""
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends libssl-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cargo build --release --locked -p ticketd ${TICKETD_FEATURES:+--features "$TICKETD_FEATURES"} \
    && cp target/release/ticketd /usr/local/bin/ticketd

# Run stage: a small image with the binary and what it links against.
FROM debian:12.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libssl3 curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/ticketd --create-home ticketd \
    && install -d -o ticketd -g ticketd /var/lib/ticketd/data
# A volume mounted on the data folder (uploaded files) starts with this owner.
COPY --from=build /usr/local/bin/ticketd /usr/local/bin/ticketd
USER ticketd
WORKDIR /var/lib/ticketd
ENV TICKETD_BIND=0.0.0.0:8080 \
    TICKETD_DATA_DIR=/var/lib/ticketd/data \
    RUST_LOG=info
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD curl -fsS -o /dev/null http://127.0.0.1:8080/ready || exit 1
ENTRYPOINT ["ticketd"]
CMD ["serve"]
