# bnwatch image: one image for the crawler and every consumer stage (the command picks the role).
#   docker build -t bnwatch .                                  # without a browser
#   docker build -t bnwatch --build-arg WITH_CHROMIUM=1 .      # + Debian chromium for scrapy-playwright outlets
# deploy/docker-compose.yml builds it with the repository root as context.

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md scrapy.cfg ./
COPY bnwatch ./bnwatch
COPY crawler ./crawler
COPY consumers ./consumers
RUN pip wheel --wheel-dir /wheels .

FROM ${PYTHON_IMAGE}
ARG WITH_CHROMIUM=0
RUN if [ "$WITH_CHROMIUM" = "1" ]; then \
        apt-get update \
        && apt-get install -y --no-install-recommends chromium fonts-noto-core \
        && rm -rf /var/lib/apt/lists/*; \
    fi
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONUNBUFFERED=1
COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl && rm -rf /wheels

# non-root; state (seen-store, story index, delivery outbox) lives in /var/lib/bnwatch (a volume in compose)
RUN groupadd --system --gid 10001 bnwatch \
    && useradd --system --uid 10001 --gid bnwatch --home-dir /var/lib/bnwatch --create-home --shell /usr/sbin/nologin bnwatch
COPY deploy/subscribers.yaml /etc/bnwatch/subscribers.yaml
COPY scrapy.cfg /app/scrapy.cfg
WORKDIR /app

# metrics on all interfaces inside the container, so Prometheus in another container can scrape them
ENV BNWATCH_DATA_DIR=/var/lib/bnwatch \
    BNWATCH_SUBSCRIBERS=/etc/bnwatch/subscribers.yaml \
    BNWATCH_METRICS_ADDR=0.0.0.0 \
    SCRAPY_SETTINGS_MODULE=crawler.settings
USER bnwatch:bnwatch
VOLUME ["/var/lib/bnwatch"]
EXPOSE 9410 9411 9412 9413 9414
CMD ["bnwatch", "run", "--metrics-port", "9410"]
