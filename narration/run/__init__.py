"""The run: planning a book and the steps that narrate it, in order."""
