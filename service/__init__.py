"""The application core that the CLI and the web app both build from the settings.

It sits above the journeys (``kb``, ``index``, ``qa``, ``quiz``) and below the
presenters (``web``, ``cli``): accounts and sessions, background jobs, and the
one object that owns connections, the embedder and the jobs.
"""
