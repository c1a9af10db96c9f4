"""The workbench's web pages (Starlette and Jinja2): an adapter over bot/workbench and the
feature services, served beside /healthz by ``juwei run`` and alone by ``juwei web``."""
