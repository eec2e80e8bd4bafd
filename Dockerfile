# Kuril Brief: a slim image running as a non-root user, with the locked production
# dependencies only. Build: docker build -t kuril-brief .   (compose.yaml does it for you)
# The install commands are the README's "Production install", which CI runs verbatim.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

RUN useradd --system --user-group --home-dir /var/lib/kuril-brief --create-home \
        --shell /usr/sbin/nologin kuril-brief

WORKDIR /opt/kuril-brief

# Dependencies first, in their own layer: it is rebuilt only when the lock changes.
COPY requirements/production.txt requirements/production.txt
RUN python3 -m venv .venv \
    && .venv/bin/pip install --require-hashes -r requirements/production.txt

COPY pyproject.toml README.md ./
COPY bot bot
COPY commands commands
COPY knowledge knowledge
COPY seeds seeds
# The sources are installed into the venv (seeds included), then removed from the image.
RUN .venv/bin/pip install --no-deps --no-build-isolation . \
    && rm -rf bot commands knowledge seeds

ENV PATH=/opt/kuril-brief/.venv/bin:$PATH \
    KURIL_DATA_DIR=/var/lib/kuril-brief \
    METRICS_PORT=9464 \
    METRICS_HOST=0.0.0.0

USER kuril-brief
WORKDIR /var/lib/kuril-brief
EXPOSE 9464

# /healthz answers 200 only while the gateway is connected and the database answers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python3 -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['METRICS_PORT'], timeout=4)"

ENTRYPOINT ["kuril-brief"]
CMD ["run"]
