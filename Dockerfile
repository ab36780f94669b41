# The Omni server image: one image for every role (API server, worker, migrations).
#   docker build -t omni .
#   docker run --rm omni --help
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install '.[server]' \
    && useradd --system --home-dir /app omni

USER omni
# Every process reads OMNI_* variables; the command picks the role.
ENV OMNI_HOST=0.0.0.0
EXPOSE 8000
# Exec form: the process is PID 1 and gets SIGTERM itself, so it drains before exiting.
ENTRYPOINT ["omni"]
CMD ["serve", "--port", "8000"]
