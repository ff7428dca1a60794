"""说明 About: what the tool does, the articles it encodes, and how the rule works."""

from __future__ import annotations

import streamlit as st

from allocator.docs import article_text
from allocator_app.ui import show, tr

#: The articles the allocator models, in order (docs/policy.md restates each).
MODELLED = ("2", "3", "4", "5", "7", "8", "13", "16", "19")


def main() -> None:
    st.title(tr("about.title"))
    st.markdown(tr("about.what"))
    st.subheader(tr("about.steps_title"))
    st.markdown(tr("about.steps"))
    st.subheader(tr("about.articles_title"))
    st.markdown("\n".join(f"- **{show(article_text(article))}** — {tr(f'about.article_{article}')}"
                           for article in MODELLED))
    st.subheader(tr("about.rule_title"))
    st.markdown(tr("about.rule"))
    st.latex(r"x_i = \min\Bigl(b_i,\ \max\bigl(a_i,\ \operatorname{round}(v_i / D)\bigr)\Bigr),"
             r"\qquad \textstyle\sum_i x_i = C")
    st.markdown(tr("about.rule_more"))
    st.subheader(tr("about.privacy_title"))
    st.markdown(tr("about.privacy"))


main()
