"""The GB 32100-2015 check character, against codes published for real organisations.

The published codes are the independent expectation: they were issued by the registration
authorities, not computed by this package. The properties then pin what a mod-31 check with
these weights must catch (every single substitution, every adjacent transposition).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocator import credit_code
from allocator.cells import CellError, parse_credit_code

WIKIDATA = ("https://m.wikidata.org/wiki/Wikidata:Property_proposal/"
            "Unified_Social_Credit_Identifier")

PUBLISHED = [
    # Wikidata property proposal "Unified Social Credit Identifier", examples 1–10 (WIKIDATA):
    pytest.param("91370000728611939A", id="Shandong Buchang Pharmaceuticals (Wikidata ex. 1)"),
    pytest.param("9111000071093123XX", id="State Grid Corporation of China (Wikidata ex. 2)"),
    pytest.param("91100000000013477B", id="China State Railway Group (Wikidata ex. 3)"),
    pytest.param("13100000500010213J", id="China Soong Ching Ling Foundation (Wikidata ex. 4)"),
    pytest.param("531000005000160090", id="China Red Cross Foundation (Wikidata ex. 5)"),
    pytest.param("5110000050001963XY", id="China Welfare Institute (Wikidata ex. 6)"),
    pytest.param("11100000MB1789023A", id="Supreme People's Court (Wikidata ex. 7)"),
    pytest.param("11100000000011519T", id="Supreme People's Procuratorate (Wikidata ex. 8)"),
    pytest.param("71310106424845496E", id="Jing'an Temple, Shanghai (Wikidata ex. 9)"),
    pytest.param("119900000106319731", id="Xinjiang Production and Construction Corps (ex. 10)"),
    # Tencent Cloud API reference, QueryEnterpriseBasicInfo, example CreditCode / EntName
    # (https://cloud.tencent.com/document/api/866/140605): 深圳市腾讯计算机系统有限公司.
    pytest.param("91440300708461136T", id="Shenzhen Tencent Computer Systems"),
    # python-stdnum, tests/test_cn_uscc.doctest (github arthurdejong/python-stdnum), "found
    # online"; the code of 腾讯科技（深圳）有限公司 in public company records.
    pytest.param("9144030071526726XG", id="Tencent Technology (Shenzhen) (python-stdnum)"),
    # python-stdnum, stdnum/cn/uscc.py module docstring and tests/test_cn_uscc.doctest.
    pytest.param("91110000600037341L", id="python-stdnum doc example"),
    pytest.param("121200004013590816", id="public institution, Tianjin (python-stdnum)"),
    # The following are quoted for these companies in public GitHub material found through the
    # code index (registry extracts, TLS certificate subjects); no single official page found.
    # 中国银行股份有限公司: serialNumber in the subject of the www.boc.cn EV certificate.
    pytest.param("911000001000013428", id="Bank of China (EV certificate subject)"),
    # 中国工商银行股份有限公司 (listed-company registry extracts, REG_NUM).
    pytest.param("91100000100003962T", id="ICBC (registry extracts)"),
    # 北京百度网讯科技有限公司 (registry extract with orgNumber 802100433).
    pytest.param("91110000802100433B", id="Beijing Baidu Netcom (registry extract)"),
    # 阿里巴巴（中国）网络技术有限公司 (copy of a registry page).
    pytest.param("91330100716105852F", id="Alibaba (China) Network Technology"),
    # 华为技术有限公司 and 小米科技有限责任公司 (public company records quoted in repositories).
    pytest.param("914403001922038216", id="Huawei Technologies"),
    pytest.param("91110108551385082Q", id="Xiaomi"),
]

#: GB 32100-2015 §5 weights Wᵢ = 3^(i−1) mod 31, as tabulated in the standard (and in
#: python-stdnum's USCC_WEIGHTS).
STANDARD_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015 Table 1: no I, O, S, V, Z

bodies = st.text(alphabet=ALPHABET, min_size=17, max_size=17)


def reference_check(body: str) -> str:
    """The check character written out from the standard's formula C18 = 31 − MOD(Σ Cᵢ·Wᵢ, 31)."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(body, STANDARD_WEIGHTS, strict=True))
    value = 31 - total % 31
    return ALPHABET[0 if value == 31 else value]


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code):
    assert credit_code.is_valid(code)
    assert credit_code.check_character(code[:17]) == code[17]
    assert parse_credit_code(code) == code


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_read_with_padding_hyphens_and_lower_case(code):
    typed = f"  {code[:2]}-{code[2:8]} {code[8:].lower()}\u3000"
    assert parse_credit_code(typed) == code


def test_weights_and_alphabet_are_the_standards():
    assert credit_code.WEIGHTS == STANDARD_WEIGHTS
    assert credit_code.ALPHABET == ALPHABET
    assert len(ALPHABET) == 31


@pytest.mark.parametrize("code", PUBLISHED)
def test_every_single_character_substitution_is_detected(code):
    for position in range(18):
        for char in ALPHABET:
            if char == code[position]:
                continue
            altered = code[:position] + char + code[position + 1:]
            assert not credit_code.is_valid(altered), altered
            with pytest.raises(CellError) as raised:
                parse_credit_code(altered)
            assert raised.value.code == "credit_code_check"


@pytest.mark.parametrize("code", PUBLISHED)
def test_every_adjacent_transposition_is_detected(code):
    for position in range(17):
        a, b = code[position], code[position + 1]
        if a != b:
            swapped = code[:position] + b + a + code[position + 2:]
            assert not credit_code.is_valid(swapped), swapped


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_letters_the_standard_never_uses_are_rejected(letter):
    code = "91110000600037341L"
    for position in range(18):
        altered = code[:position] + letter + code[position + 1:]
        assert not credit_code.is_valid(altered)
        with pytest.raises(CellError) as raised:
            parse_credit_code(altered)
        assert raised.value.code == "credit_code_character"
        assert letter in raised.value.params["characters"]
    with pytest.raises(ValueError):
        credit_code.check_character(code[:16] + letter)


@pytest.mark.parametrize("typed, problem", [
    ("9111000060003734", "credit_code_length"),
    ("91110000600037341L0", "credit_code_length"),
    ("91110000600037341N", "credit_code_check"),
])
def test_malformed_codes_are_named(typed, problem):
    with pytest.raises(CellError) as raised:
        parse_credit_code(typed)
    assert raised.value.code == problem


def test_a_number_is_not_a_code():
    with pytest.raises(CellError) as raised:
        parse_credit_code(914403001922038216)
    assert raised.value.code == "credit_code_not_text"


@given(bodies)
def test_complete_round_trip(body):
    code = credit_code.complete(body)
    assert len(code) == 18 and code.startswith(body)
    assert credit_code.is_valid(code)
    assert code[17] == reference_check(body)
    assert parse_credit_code(code) == code


@given(bodies, st.integers(0, 17), st.sampled_from(ALPHABET))
def test_any_substitution_in_any_code_is_detected(body, position, char):
    code = credit_code.complete(body)
    altered = code[:position] + char + code[position + 1:]
    assert credit_code.is_valid(altered) == (altered == code)
