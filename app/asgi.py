"""ASGI entry point for uvicorn: `uvicorn app.asgi:app` (also each process of `serve --workers N`)."""

from app.core.config import Settings
from app.core.requestid import configure_logging
from app.main import create_app

settings = Settings()
configure_logging(settings.log_level)
app = create_app(settings)
