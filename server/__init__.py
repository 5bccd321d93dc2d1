"""The app server: Streamlit's ASGI app (``st.App``) with the verification worker and the HTTP API.

``dashboard.py`` builds the app from :func:`server.app.app_options`; ``streamlit run dashboard.py``
finds it and serves it with uvicorn.
"""
