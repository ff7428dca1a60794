"""The two message catalogues stay in step: same keys, same placeholders, nothing empty."""

import pytest

from allocator.i18n import Text, catalogue, placeholders, text


def test_catalogues_have_the_same_keys():
    assert set(catalogue("zh")) == set(catalogue("en"))


@pytest.mark.parametrize("key", sorted(catalogue("zh")))
def test_each_message_has_matching_placeholders_and_text(key):
    zh, en = catalogue("zh")[key], catalogue("en")[key]
    assert zh.strip() and en.strip()
    assert placeholders(zh) == placeholders(en)


def test_text_renders_nested_texts_in_the_matching_language():
    options = Text(zh="是、否", en="yes, no")
    message = text("issue.enum_unknown", options=options)
    assert "是、否" in message.zh and "yes, no" in message.en


def test_only_one_language_is_rendered_inside_only():
    from allocator.i18n import only

    whole = text("explain.sentence", body=text("common.yes"))
    with only("en"):
        english = text("explain.sentence", body=text("common.yes"))
        with only("zh"):
            chinese = text("explain.sentence", body=Text(zh="是", en="yes"))
    assert english == Text(zh="", en=whole.en)
    assert chinese == Text(zh=whole.zh, en="")
    assert text("explain.sentence", body=text("common.yes")) == whole  # both again after
