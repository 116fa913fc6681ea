"""The Jupyter server extension: routes under /vibing2-lab/api/ (see handlers.ROUTES)."""
