"""Mastering to a distributor's profile and measuring files against it.

``profiles``: the profiles (frozen dataclasses); ``conformance``: measuring any audio file
against one (``narrate check``); ``master``: chapter files made to pass one; ``credits``: the
opening and closing credits chapters; ``record``: a book run's check, kept for the report and
``narrate status``. Nothing here imports Prefect.
"""
