"""The Streamlit front end: thin views over the :mod:`allocator` library.

``app.py`` at the repository root builds the navigation; each page is a file here
(``page_*.py``) that reads the session's workspace (:mod:`allocator_app.state`), calls the
library, and shows the result through one i18n layer (:mod:`allocator_app.ui`). No allocation
logic lives in the app.
"""
