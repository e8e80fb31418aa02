# haberci: one process runs the scheduler and every configured chat transport.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HABERCI_DATABASE_URL=sqlite:////data/haberci.db

RUN useradd --create-home --uid 10001 haberci \
    && mkdir /data \
    && chown haberci /data

WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY bot ./bot
COPY feeds ./feeds
COPY storage ./storage
RUN pip install -c constraints.txt .

USER 10001
VOLUME ["/data"]
ENTRYPOINT ["haberci"]
CMD ["run"]
