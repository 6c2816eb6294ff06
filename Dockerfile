# Builds the `bazaar` server into a small Debian image.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin bazaar

FROM debian:bookworm-slim
RUN useradd --system --create-home --home-dir /app bazaar \
    && mkdir -p /app/data && chown bazaar /app/data
WORKDIR /app
COPY --from=build /src/target/release/bazaar /usr/local/bin/bazaar
# The web client: only what the server serves (its tooling and tests stay out).
COPY --from=build /src/web-client/index.html /app/web-client/index.html
COPY --from=build /src/web-client/css /app/web-client/css
COPY --from=build /src/web-client/js /app/web-client/js
COPY --from=build /src/web-client/images /app/web-client/images
USER bazaar
ENV BAZAAR_LISTEN=0.0.0.0:8080 \
    BAZAAR_JWT_KEY_FILE=/app/data/jwt-ed25519.pem \
    BAZAAR_WEB_DIR=/app/web-client \
    BAZAAR_MEDIA_DIR=/app/data/media
EXPOSE 8080
STOPSIGNAL SIGTERM
CMD ["bazaar"]
