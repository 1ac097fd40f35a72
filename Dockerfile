# The Alianzas image: one image for the web app (gunicorn), the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 1000 alianzas
WORKDIR /app

# .dockerignore leaves out tools/ (benchmarks, load tests): the package installs without it.
COPY . .
# The s3 extra (django-storages, boto3) lets the same image keep evidence in a bucket.
RUN pip install -e ".[s3]" \
    # Static files are collected at build time with throwaway settings: nothing here is secret.
    && DJANGO_ENV=production SECRET_KEY=build-only-not-secret-build-only-not-secret-build-only \
       ALLOWED_HOSTS=build DATABASE_URL=sqlite:////tmp/build.sqlite3 \
       python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media && chown -R alianzas:alianzas /app/var

USER alianzas
EXPOSE 8000
# Workers, threads, timeouts and JSON logs: config/gunicorn.py, each changeable from the environment.
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application"]
