"""Running the site in production: the gunicorn server behind `portal serve` and the /healthz checks."""
