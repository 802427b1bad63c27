# syntax=docker/dockerfile:1
# Sales Engine as a service: `docker compose up -d` (compose.yaml) or
#   docker build --build-arg VERSION=v0.1.0 -t salesengine:v0.1.0 .
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# A static binary: the embedded SQLite is pure Go, so no cgo and no C library in the image.
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/salesengine/salesengine/internal/buildinfo.Version=${VERSION}" \
      -o /out/salesengine ./cmd/salesengine

# distroless/static: CA certificates and time zone data, no shell, runs as nonroot (65532).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/salesengine /usr/local/bin/salesengine
WORKDIR /home/nonroot
USER nonroot:nonroot
EXPOSE 8080
# No shell or curl in the image: the binary checks its own /livez.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/salesengine", "health", "--url", "http://127.0.0.1:8080/livez"]
ENTRYPOINT ["/usr/local/bin/salesengine"]
CMD ["serve", "--addr", "0.0.0.0:8080", "--log-format", "json"]
