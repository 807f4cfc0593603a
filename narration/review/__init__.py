"""Listening and fixing: the voice audition (``audition``) and the review page of a narrated
book (``book`` reads what the page shows, ``edits`` writes what it changes, ``server`` serves it)."""
