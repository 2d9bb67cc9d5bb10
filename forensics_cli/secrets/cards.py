"""Payment card numbers (PCI DSS): Luhn-valid, in a known IIN range."""

import re

# not followed by ':' and a letter: `51923035898708295:AAH…` is an id:secret pair (a Telegram bot token)
CARD_CANDIDATE = re.compile(r"(?<![\w-])(?:\d[ -]?){12,18}\d(?![\w-]|:[A-Za-z])")
# Issuer identification number ranges of the major schemes (prefix ranges, inclusive)
_IIN_RANGES = [
    ("4", "4"),  # Visa
    ("51", "55"),
    ("2221", "2720"),  # Mastercard
    ("34", "34"),
    ("37", "37"),  # American Express
    ("6011", "6011"),
    ("644", "649"),
    ("65", "65"),  # Discover
    ("3528", "3589"),  # JCB
    ("300", "305"),
    ("36", "36"),
    ("38", "39"),  # Diners Club
    ("62", "62"),  # UnionPay
    ("50", "50"),
    ("56", "58"),
    ("63", "63"),
    ("67", "67"),  # Maestro
]


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def known_iin(digits: str) -> bool:
    return any(low <= digits[: len(low)] <= high for low, high in _IIN_RANGES)


def card_digits(text: str) -> str:
    """The digits of a card number however it is written (spaces, dashes): one card, one fingerprint."""
    return re.sub(r"\D", "", text)


def is_card_number(text: str) -> bool:
    """13-19 digits (spaces or dashes allowed between), Luhn-valid, in a known issuer range."""
    digits = re.sub(r"[ -]", "", text)
    if not digits.isdigit() or not 13 <= len(digits) <= 19 or len(set(digits)) == 1:
        return False
    return luhn_valid(digits) and known_iin(digits)


def find_cards(text: str) -> list[str]:
    """Card numbers in free text, as written."""
    return [m.group() for m in CARD_CANDIDATE.finditer(text) if is_card_number(m.group())]
