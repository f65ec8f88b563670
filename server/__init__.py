"""Drafter: a drafting assistant for Word and Outlook, served by Flask.

The application factory is `server.app.create_app`; this package file stays free of Flask so that the pure
core (llm/, assist/, documents/, governance/) imports without it.
"""
__version__ = "0.1.0"
