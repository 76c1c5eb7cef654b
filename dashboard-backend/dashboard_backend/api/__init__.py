"""HTTP API (FastAPI): opportunities, history, stream, markets, cross-opportunities, web page."""
